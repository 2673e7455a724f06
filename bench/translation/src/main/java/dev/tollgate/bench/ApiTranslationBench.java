package dev.tollgate.bench;

import com.sun.management.ThreadMXBean;
import dev.tollgate.translate.RequestOptions;
import dev.tollgate.translate.RequestTranslator;
import dev.tollgate.translate.StreamTranslator;
import dev.tollgate.translate.Translation;
import dev.tollgate.translate.UntranslatableRequest;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Arrays;

/**
 * Cost of API translation on the request path: CPU time and bytes allocated per translated chat
 * request (a 17-message conversation with tool calls and results, about 3 KB) and per streamed
 * event (an Anthropic stream of 400 text deltas, fed in 1 KiB chunks), OpenAI Chat Completions to
 * Anthropic. Usage: {@code ApiTranslationBench [iterations]}.
 */
public final class ApiTranslationBench {
  private ApiTranslationBench() {}

  /** Runs the benchmark and prints one line per measurement. */
  public static void main(String[] args) throws UntranslatableRequest {
    int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    byte[] request = request().getBytes(StandardCharsets.UTF_8);
    byte[] stream = stream(400).getBytes(StandardCharsets.UTF_8);
    RequestOptions options = new RequestOptions("claude-sonnet-4-5", 4096, Clock.systemUTC());
    ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    long sink = 0;
    for (int round = 0; round < 2; round++) {
      boolean warm = round == 1;
      long bytes = threads.getCurrentThreadAllocatedBytes();
      long cpu = threads.getCurrentThreadCpuTime();
      for (int i = 0; i < iterations; i++) {
        sink +=
            RequestTranslator.OPENAI_CHAT_TO_ANTHROPIC.translate(request, options).body().length;
      }
      report(warm, "request (" + request.length + " B)", iterations, threads, cpu, bytes);
      Translation translation =
          RequestTranslator.OPENAI_CHAT_TO_ANTHROPIC.translate(request, options);
      int streams = Math.max(1, iterations / 100);
      bytes = threads.getCurrentThreadAllocatedBytes();
      cpu = threads.getCurrentThreadCpuTime();
      for (int i = 0; i < streams; i++) {
        StreamTranslator translator = translation.stream();
        for (int at = 0; at < stream.length; at += 1024) {
          int end = Math.min(stream.length, at + 1024);
          sink += translator.next(stream, at, end - at, end == stream.length).length;
        }
      }
      report(warm, "stream event", streams * 404L, threads, cpu, bytes);
    }
    System.out.println("(checksum " + sink + ")");
  }

  private static void report(
      boolean warm, String what, long count, ThreadMXBean threads, long cpu, long bytes) {
    if (!warm) {
      return;
    }
    double micros = (threads.getCurrentThreadCpuTime() - cpu) / 1000.0 / count;
    long allocated = (threads.getCurrentThreadAllocatedBytes() - bytes) / count;
    System.out.printf(
        "%-24s %8.2f µs CPU  %8d B allocated  per item (%d items)%n",
        what, micros, allocated, count);
  }

  private static String request() {
    StringBuilder messages =
        new StringBuilder(
            "{\"role\":\"system\",\"content\":\"You are a"
                + " careful assistant that answers briefly and uses tools when they help.\"}");
    for (int i = 0; i < 5; i++) {
      messages
          .append(",{\"role\":\"user\",\"content\":\"Question ")
          .append(i)
          .append(": ")
          .append("what is the weather like in the city we talked about? ".repeat(4))
          .append("\"}");
      messages
          .append(",{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"toolu_")
          .append(i)
          .append(
              "\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                  + "\"arguments\":\"{\\\"city\\\":\\\"Paris\\\",\\\"unit\\\":\\\"c\\\"}\"}}]}");
      messages
          .append(",{\"role\":\"tool\",\"tool_call_id\":\"toolu_")
          .append(i)
          .append("\",\"content\":\"18C, light rain, wind 12 km/h from the west\"}");
    }
    messages.append(",{\"role\":\"user\",\"content\":\"Summarise.\"}");
    return "{\"model\":\"claude\",\"messages\":["
        + messages
        + "],\"tools\":[{\"type\":\"function\","
        + "\"function\":{\"name\":\"get_weather\",\"description\":\"Current weather\",\"parameters\":"
        + "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"},\"unit\":{\"type\":"
        + "\"string\",\"enum\":[\"c\",\"f\"]}},\"required\":[\"city\"]}}}],\"max_tokens\":500,"
        + "\"temperature\":0.3,\"stream\":true,\"stream_options\":{\"include_usage\":true}}";
  }

  private static String stream(int deltas) {
    StringBuilder sse =
        new StringBuilder(
            "event: message_start\ndata: {\"type\":\"message_start\","
                + "\"message\":{\"id\":\"msg_01\",\"type\":\"message\",\"role\":\"assistant\",\"model\":"
                + "\"claude-sonnet-4-5\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,"
                + "\"usage\":{\"input_tokens\":900,\"cache_read_input_tokens\":0,\"output_tokens\":1}}}\n\n"
                + "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
                + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n");
    char[] word = new char[12];
    Arrays.fill(word, 'w');
    for (int i = 0; i < deltas; i++) {
      sse.append(
              "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
                  + "\"delta\":{\"type\":\"text_delta\",\"text\":\" ")
          .append(word)
          .append("\"}}\n\n");
    }
    sse.append(
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
            + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"
            + "\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":400}}\n\n"
            + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
    return sse.toString();
  }
}
