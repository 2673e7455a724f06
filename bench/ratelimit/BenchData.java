import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.UInt64Value;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RlsProto;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes what ghz needs, from the Envoy API jar the service is built with: the descriptor set of
 * the rate-limit service, and the calls as count-prefixed binary messages, so that ghz parses each
 * call once instead of rendering a template per call.
 *
 * <p>Arguments: output folder, calls per round, calls of the warm-up, rounds. The warm-up reserves
 * and commits, so that the JIT compiles both paths before anything is measured. Per round it writes
 * {@code tollgate-reserve-R.bin} and {@code tollgate-commit-R.bin} (one request id per call, the
 * same ids in both), and {@code envoy-R.bin} (the same descriptor without the request id, which
 * envoyproxy/ratelimit would otherwise turn into a counter per request). Clients rotate over 100
 * names, so both services keep 100 counters.
 */
public class BenchData {
  private static final int CLIENTS = 100;
  private static final long ESTIMATE = 1000;

  public static void main(String[] args) throws IOException {
    Path out = Path.of(args[0]);
    int calls = Integer.parseInt(args[1]);
    int warmup = Integer.parseInt(args[2]);
    int rounds = Integer.parseInt(args[3]);
    protoset(out.resolve("rls.protoset"));
    write(out.resolve("tollgate-warmup-reserve.bin"), warmup, i -> reserve("w-" + i, i, true));
    write(out.resolve("tollgate-warmup-commit.bin"), warmup, i -> commit("w-" + i, i));
    write(out.resolve("envoy-warmup.bin"), warmup, i -> reserve(null, i, false));
    for (int r = 1; r <= rounds; r++) {
      String prefix = "r" + r + "-";
      write(out.resolve("tollgate-reserve-" + r + ".bin"), calls, i -> reserve(prefix + i, i, true));
      write(out.resolve("tollgate-commit-" + r + ".bin"), calls, i -> commit(prefix + i, i));
      write(out.resolve("envoy-" + r + ".bin"), calls, i -> reserve(null, i, false));
    }
  }

  private static RateLimitRequest reserve(String requestId, int i, boolean tollgate) {
    RateLimitDescriptor.Builder d = identity("reserve", i);
    if (tollgate) {
      d.addEntries(entry("request_id", requestId));
    }
    d.setHitsAddend(UInt64Value.of(ESTIMATE));
    return RateLimitRequest.newBuilder().setDomain("tollgate").addDescriptors(d).build();
  }

  private static RateLimitRequest commit(String requestId, int i) {
    RateLimitDescriptor.Builder d =
        identity("commit", i)
            .addEntries(entry("request_id", requestId))
            .addEntries(entry("input_tokens", "600"))
            .addEntries(entry("cached_input_tokens", "0"))
            .addEntries(entry("output_tokens", "300"))
            .addEntries(entry("provider", "default/demo"));
    return RateLimitRequest.newBuilder().setDomain("tollgate").addDescriptors(d).build();
  }

  private static RateLimitDescriptor.Builder identity(String phase, int i) {
    return RateLimitDescriptor.newBuilder()
        .addEntries(entry("tollgate_phase", phase))
        .addEntries(entry("namespace", "default"))
        .addEntries(entry("route", "chat"))
        .addEntries(entry("client", "client-" + (i % CLIENTS)))
        .addEntries(entry("model", "fast"));
  }

  private static RateLimitDescriptor.Entry entry(String key, String value) {
    return RateLimitDescriptor.Entry.newBuilder().setKey(key).setValue(value).build();
  }

  private interface Call {
    RateLimitRequest at(int i);
  }

  private static void write(Path file, int calls, Call call) throws IOException {
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
      for (int i = 0; i < calls; i++) {
        call.at(i).writeDelimitedTo(out);
      }
    }
  }

  private static void protoset(Path file) throws IOException {
    Map<String, FileDescriptor> files = new LinkedHashMap<>();
    add(RlsProto.getDescriptor(), files);
    FileDescriptorSet.Builder set = FileDescriptorSet.newBuilder();
    files.values().forEach(f -> set.addFile(f.toProto()));
    try (OutputStream out = Files.newOutputStream(file)) {
      set.build().writeTo(out);
    }
  }

  // Dependencies first, as protoc writes them.
  private static void add(FileDescriptor file, Map<String, FileDescriptor> files) {
    if (files.containsKey(file.getName())) {
      return;
    }
    for (FileDescriptor dependency : file.getDependencies()) {
      add(dependency, files);
    }
    files.put(file.getName(), file);
  }
}
