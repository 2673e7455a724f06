package dev.tollgate.xds;

import com.google.protobuf.ByteString;
import dev.tollgate.model.Wire;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HeaderMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.HeadersResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.stub.StreamObserver;

/**
 * A stand-in for the processor in translation tests: it copies the test's {@code x-test-namespace}
 * and {@code x-test-model} request headers into Tollgate's routing headers and passes everything
 * else through. The real processor authenticates and reads the model from the body.
 */
final class RoutingHeadersProcessor extends ExternalProcessorGrpc.ExternalProcessorImplBase {
  @Override
  public StreamObserver<ProcessingRequest> process(StreamObserver<ProcessingResponse> responses) {
    return new StreamObserver<>() {
      @Override
      public void onNext(ProcessingRequest request) {
        ProcessingResponse.Builder response = ProcessingResponse.newBuilder();
        switch (request.getRequestCase()) {
          case REQUEST_HEADERS -> {
            HeaderMutation.Builder mutation = HeaderMutation.newBuilder();
            for (HeaderValue h : request.getRequestHeaders().getHeaders().getHeadersList()) {
              String value = h.getRawValue().toStringUtf8();
              if (h.getKey().equals("x-test-namespace")) {
                mutation.addSetHeaders(set(Wire.NAMESPACE_HEADER, value));
              } else if (h.getKey().equals("x-test-model")) {
                mutation.addSetHeaders(set(Wire.MODEL_HEADER, value));
              }
            }
            response.setRequestHeaders(
                HeadersResponse.newBuilder()
                    .setResponse(
                        CommonResponse.newBuilder()
                            .setHeaderMutation(mutation)
                            .setClearRouteCache(true)));
          }
          case REQUEST_BODY -> response.setRequestBody(BodyResponse.getDefaultInstance());
          case RESPONSE_HEADERS ->
              response.setResponseHeaders(HeadersResponse.getDefaultInstance());
          case RESPONSE_BODY -> response.setResponseBody(BodyResponse.getDefaultInstance());
          default -> {
            return;
          }
        }
        responses.onNext(response.build());
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {
        responses.onCompleted();
      }
    };
  }

  private static HeaderValueOption set(String key, String value) {
    return HeaderValueOption.newBuilder()
        .setHeader(HeaderValue.newBuilder().setKey(key).setRawValue(ByteString.copyFromUtf8(value)))
        .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD)
        .build();
  }
}
