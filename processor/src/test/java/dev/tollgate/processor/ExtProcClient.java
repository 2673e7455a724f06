package dev.tollgate.processor;

import com.google.protobuf.ByteString;
import dev.tollgate.testkit.RecordingObserver;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Plays Envoy's part of the ext_proc protocol against an in-process server: one message at a time,
 * waiting for each answer, as Envoy does.
 */
final class ExtProcClient implements AutoCloseable {
  private final Server server;
  private final ManagedChannel channel;

  ExtProcClient(Processor processor) throws Exception {
    String name = InProcessServerBuilder.generateName();
    server =
        InProcessServerBuilder.forName(name)
            .addService(io.grpc.ServerInterceptors.intercept(processor, new AttemptStage()))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).build();
  }

  /** Opens one stream, that is one HTTP request. */
  Stream open() {
    return new Stream(ExternalProcessorGrpc.newStub(channel));
  }

  /** Opens one stream as Envoy's upstream ext_proc filter of a translating cluster does. */
  Stream openAttempt() {
    io.grpc.Metadata metadata = new io.grpc.Metadata();
    metadata.put(
        io.grpc.Metadata.Key.of(
            dev.tollgate.model.Wire.STAGE_METADATA, io.grpc.Metadata.ASCII_STRING_MARSHALLER),
        dev.tollgate.model.Wire.STAGE_ATTEMPT);
    return new Stream(
        ExternalProcessorGrpc.newStub(channel)
            .withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(metadata)));
  }

  @Override
  public void close() {
    channel.shutdownNow();
    server.shutdownNow();
  }

  /** One ext_proc stream. */
  static final class Stream {
    private final RecordingObserver<ProcessingResponse> answers = new RecordingObserver<>();
    private final StreamObserver<ProcessingRequest> requests;

    Stream(ExternalProcessorGrpc.ExternalProcessorStub stub) {
      requests = stub.process(answers);
    }

    ProcessingResponse requestHeaders(boolean endOfStream, String... keyValues) throws Exception {
      return send(
          ProcessingRequest.newBuilder()
              .setRequestHeaders(headers(endOfStream, keyValues))
              .build());
    }

    ProcessingResponse requestBody(String body) throws Exception {
      return requestBody(body.getBytes(StandardCharsets.UTF_8));
    }

    ProcessingResponse requestBody(byte[] body) throws Exception {
      return send(
          ProcessingRequest.newBuilder()
              .setRequestBody(
                  HttpBody.newBuilder().setBody(ByteString.copyFrom(body)).setEndOfStream(true))
              .build());
    }

    ProcessingResponse responseHeaders(boolean endOfStream, String... keyValues) throws Exception {
      return send(
          ProcessingRequest.newBuilder()
              .setResponseHeaders(headers(endOfStream, keyValues))
              .build());
    }

    ProcessingResponse responseBody(String chunk, boolean last) throws Exception {
      return send(
          ProcessingRequest.newBuilder()
              .setResponseBody(
                  HttpBody.newBuilder()
                      .setBody(ByteString.copyFromUtf8(chunk))
                      .setEndOfStream(last))
              .build());
    }

    /** Ends the stream as Envoy does after the last answer. */
    void complete() throws Exception {
      requests.onCompleted();
      Object last = answers.next(Duration.ofSeconds(10));
      if (last != RecordingObserver.COMPLETED) {
        throw new AssertionError("expected the stream to complete, got " + last);
      }
    }

    /** Cancels the stream as Envoy does when the client goes away. */
    void cancel() {
      requests.onError(new RuntimeException("client went away"));
    }

    private ProcessingResponse send(ProcessingRequest request) throws Exception {
      requests.onNext(request);
      Object answer = answers.next(Duration.ofSeconds(10));
      if (answer instanceof ProcessingResponse r) {
        return r;
      }
      throw new AssertionError("expected an answer, got " + answer);
    }

    private static HttpHeaders headers(boolean endOfStream, String... keyValues) {
      HeaderMap.Builder map = HeaderMap.newBuilder();
      for (int i = 0; i < keyValues.length; i += 2) {
        map.addHeaders(
            HeaderValue.newBuilder()
                .setKey(keyValues[i])
                .setRawValue(ByteString.copyFromUtf8(keyValues[i + 1])));
      }
      return HttpHeaders.newBuilder().setHeaders(map).setEndOfStream(endOfStream).build();
    }
  }
}
