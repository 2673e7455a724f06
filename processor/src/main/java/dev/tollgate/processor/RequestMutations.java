package dev.tollgate.processor;

import static dev.tollgate.processor.ExtProcMessages.put;
import static dev.tollgate.processor.ExtProcMessages.set;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import dev.tollgate.model.Wire;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.HeaderMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.HeadersResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The answers that let a request go on: the headers removed and set, the body rewritten, and the
 * dynamic metadata the budget and Envoy's access log read. Pure functions.
 */
final class RequestMutations {
  /** Metadata key: the request id, beside the estimate. */
  static final String REQUEST_ID = "request_id";

  private RequestMutations() {}

  /** The answer to the headers of a request with a body: only the removals. */
  static ProcessingResponse headers(RequestHead head) {
    return ProcessingResponse.newBuilder()
        .setRequestHeaders(
            HeadersResponse.newBuilder()
                .setResponse(CommonResponse.newBuilder().setHeaderMutation(removals(head))))
        .build();
  }

  /**
   * The answer to a request without a body that Envoy routes itself (404 for anything but a model
   * route): the removals, the caller's namespace and nothing to reserve.
   */
  static ProcessingResponse headersOnly(RequestHead head, Caller caller) {
    HeaderMutation.Builder mutation = removals(head);
    if (caller.namespace() != null) {
      mutation.addSetHeaders(set(Wire.NAMESPACE_HEADER, caller.namespace()));
    }
    return ProcessingResponse.newBuilder()
        .setRequestHeaders(
            HeadersResponse.newBuilder()
                .setResponse(CommonResponse.newBuilder().setHeaderMutation(mutation)))
        .setDynamicMetadata(ExtProcMessages.metadata(Wire.RESERVE_TOKENS, "0"))
        .build();
  }

  /**
   * The answer to the body of a routed request: the routing headers, the body with usage asked for,
   * the output cap written and the model rewritten when the route says so, and the reservation's
   * metadata (with the operation the gateway's span names).
   */
  static ProcessingResponse body(
      byte[] bytes,
      RequestBody parsed,
      ModelRequest request,
      String requestId,
      Operation operation) {
    Policy.Target target = request.target();
    List<BodyEdits.Edit> edits = new ArrayList<>(3);
    if (parsed.stream()) {
      edits.addAll(parsed.usageEdits());
    }
    edits.addAll(request.capEdits());
    // The model's span in the body sent: the edits above never touch it.
    int modelStart = BodyEdits.shifted(parsed.modelStart(), edits);
    int modelEnd = BodyEdits.shifted(parsed.modelEnd() - 1, edits) + 1;
    if (target.upstreamModelRewrite() != null) {
      String quoted = Json.quote(target.upstreamModelRewrite());
      edits.add(BodyEdits.Edit.of(parsed.modelStart(), parsed.modelEnd(), quoted));
      modelEnd = modelStart + quoted.getBytes(StandardCharsets.UTF_8).length;
    }
    String namespace = target.route().namespace();
    HeaderMutation.Builder headers =
        HeaderMutation.newBuilder()
            .addSetHeaders(set(Wire.NAMESPACE_HEADER, namespace))
            .addSetHeaders(set(Wire.CLIENT_HEADER, request.client()))
            .addSetHeaders(set(Wire.MODEL_HEADER, target.requestedModel()));
    CommonResponse.Builder common = CommonResponse.newBuilder().setClearRouteCache(true);
    if (!edits.isEmpty()) {
      byte[] edited = BodyEdits.apply(bytes, bytes.length, edits);
      common.setBodyMutation(BodyMutation.newBuilder().setBody(ByteString.copyFrom(edited)));
      headers.addSetHeaders(set("content-length", Integer.toString(edited.length)));
    }
    common.setHeaderMutation(headers);
    Struct.Builder meta = Struct.newBuilder();
    put(meta, Wire.RESERVE_TOKENS, Long.toString(request.reserve()));
    // Envoy's stream-done commit stays armed until the processor settles the request itself.
    put(meta, Wire.ENVOY_COMMIT_PHASE, Wire.COMMIT);
    // What the commit charges if no response ever reaches the processor (the client gone while the
    // provider generates): the whole reservation. The response's usage replaces it.
    put(meta, Wire.INPUT_TOKENS, Long.toString(request.estimate()));
    put(
        meta,
        Wire.OUTPUT_TOKENS,
        Long.toString(Math.max(0, request.reserve() - request.estimate())));
    // The budget commit at stream end and Envoy's access log read the identity from here: the
    // x-tollgate-* headers above are removed before the request reaches the provider.
    put(meta, Wire.NAMESPACE_KEY, namespace);
    put(meta, Wire.CLIENT_KEY, request.client());
    put(meta, Wire.MODEL_KEY, target.requestedModel());
    if (target.modelPerAttempt()) {
      // The upstream model filter writes each attempt's model here (see upstream-model.lua); in
      // metadata, which every attempt reads and no provider sees.
      put(meta, Wire.MODEL_SPAN, modelStart + "," + modelEnd);
    }
    if (requestId != null) {
      put(meta, REQUEST_ID, requestId);
    }
    if (operation != Operation.OTHER) {
      put(meta, Wire.OPERATION, operation.semconvName());
    }
    return ProcessingResponse.newBuilder()
        .setRequestBody(BodyResponse.newBuilder().setResponse(common))
        .setDynamicMetadata(ExtProcMessages.wrap(meta))
        .build();
  }

  private static HeaderMutation.Builder removals(RequestHead head) {
    return HeaderMutation.newBuilder().addAllRemoveHeaders(head.removeHeaders());
  }
}
