package dev.tollgate.xds;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLogFilter;
import io.envoyproxy.envoy.config.accesslog.v3.ComparisonFilter;
import io.envoyproxy.envoy.config.accesslog.v3.ExtensionFilter;
import io.envoyproxy.envoy.config.accesslog.v3.ResponseFlagFilter;
import io.envoyproxy.envoy.config.accesslog.v3.StatusCodeFilter;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.RuntimeUInt32;
import io.envoyproxy.envoy.config.core.v3.SubstitutionFormatString;
import io.envoyproxy.envoy.extensions.access_loggers.filters.cel.v3.ExpressionFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.LocalReplyConfig;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.ResponseMapper;
import java.util.List;

/**
 * Turns Envoy's own error replies into OpenAI-style error JSON, so that a client library sees the
 * same shape whether an error came from Tollgate, Envoy or the provider.
 */
final class LocalReplies {
  /**
   * Envoy's 400 for a path with an encoded slash or one it cannot normalize, told apart from the
   * processor's 400s by its response code details (a header filter does not work here: Envoy
   * refuses the path before the request headers are the stream's).
   */
  private static final String PATH_REFUSED = "response.code_details == 'path_normalization_failed'";

  private LocalReplies() {}

  /** The body of an OpenAI error. */
  static String errorJson(String message, String type, String code) {
    return "{\"error\":{\"message\":\""
        + message
        + "\",\"type\":\""
        + type
        + "\",\"param\":null,\"code\":\""
        + code
        + "\"}}";
  }

  static LocalReplyConfig config() {
    return LocalReplyConfig.newBuilder()
        .addMappers(
            byFlags(
                List.of("RL"),
                429,
                errorJson(
                    "Budget exceeded: this request does not fit the remaining token, request or"
                        + " cost budget. Retry after the time in the Retry-After header.",
                    "rate_limit_exceeded",
                    "rate_limit_exceeded")))
        .addMappers(
            byFlags(
                List.of("RLSE"),
                503,
                errorJson(
                    "The budget service is unavailable; the request was not sent. Retry shortly.",
                    "server_error",
                    "budget_service_unavailable")))
        .addMappers(
            byFlags(
                // Envoy's overload manager refusing new requests (stop_accepting_requests).
                List.of("OM"),
                503,
                errorJson(
                    "The gateway is overloaded and did not process the request. Retry shortly.",
                    "server_error",
                    "gateway_overloaded")))
        .addMappers(
            byFlags(
                List.of("UT"),
                504,
                errorJson(
                    "The model provider did not answer in time.", "timeout", "upstream_timeout")))
        .addMappers(
            byFlags(
                List.of("UH", "UF", "URX", "UO", "UC", "UMSDR", "NC"),
                503,
                errorJson(
                    "The model provider is unavailable. Retry shortly.",
                    "server_error",
                    "upstream_unavailable")))
        .addMappers(
            ResponseMapper.newBuilder()
                .setFilter(
                    AccessLogFilter.newBuilder()
                        .setExtensionFilter(
                            ExtensionFilter.newBuilder()
                                .setName("envoy.access_loggers.extension_filters.cel")
                                .setTypedConfig(
                                    Any.pack(
                                        ExpressionFilter.newBuilder()
                                            .setExpression(PATH_REFUSED)
                                            .build()))))
                .setStatusCode(UInt32Value.of(400))
                .setBodyFormatOverride(
                    json(
                        errorJson(
                            "The path contains an encoded slash or backslash or cannot be"
                                + " normalized; send a plain path such as /v1/chat/completions.",
                            "invalid_request_error",
                            "invalid_path"))))
        .addMappers(
            byStatus(
                413,
                413,
                errorJson(
                    "The request body is larger than the gateway accepts.",
                    "invalid_request_error",
                    "request_too_large")))
        .addMappers(
            // Only Envoy's codec answers 431 (too large or too many request headers); the
            // processor never does, so the status alone tells it apart.
            byStatus(
                431,
                431,
                errorJson(
                    "The request headers are larger or more numerous than the gateway accepts;"
                        + " send fewer or shorter headers.",
                    "invalid_request_error",
                    "request_headers_too_large")))
        .addMappers(
            byStatus(
                500,
                503,
                errorJson(
                    "The gateway could not process the request. Retry shortly.",
                    "server_error",
                    "gateway_unavailable")))
        .build();
  }

  private static ResponseMapper byFlags(List<String> flags, int status, String body) {
    return ResponseMapper.newBuilder()
        .setFilter(
            AccessLogFilter.newBuilder()
                .setResponseFlagFilter(ResponseFlagFilter.newBuilder().addAllFlags(flags)))
        .setStatusCode(UInt32Value.of(status))
        .setBodyFormatOverride(json(body))
        .build();
  }

  private static ResponseMapper byStatus(int from, int status, String body) {
    return ResponseMapper.newBuilder()
        .setFilter(
            AccessLogFilter.newBuilder()
                .setStatusCodeFilter(
                    StatusCodeFilter.newBuilder()
                        .setComparison(
                            ComparisonFilter.newBuilder()
                                .setOp(ComparisonFilter.Op.EQ)
                                .setValue(
                                    RuntimeUInt32.newBuilder()
                                        .setDefaultValue(from)
                                        .setRuntimeKey("tollgate.local_reply." + from)))))
        .setStatusCode(UInt32Value.of(status))
        .setBodyFormatOverride(json(body))
        .build();
  }

  private static SubstitutionFormatString json(String body) {
    return SubstitutionFormatString.newBuilder()
        .setTextFormatSource(DataSource.newBuilder().setInlineString(body))
        .setContentType("application/json")
        .build();
  }
}
