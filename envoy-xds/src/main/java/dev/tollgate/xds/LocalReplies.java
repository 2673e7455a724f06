package dev.tollgate.xds;

import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLogFilter;
import io.envoyproxy.envoy.config.accesslog.v3.AndFilter;
import io.envoyproxy.envoy.config.accesslog.v3.ComparisonFilter;
import io.envoyproxy.envoy.config.accesslog.v3.HeaderFilter;
import io.envoyproxy.envoy.config.accesslog.v3.ResponseFlagFilter;
import io.envoyproxy.envoy.config.accesslog.v3.StatusCodeFilter;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.RuntimeUInt32;
import io.envoyproxy.envoy.config.core.v3.SubstitutionFormatString;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.LocalReplyConfig;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.ResponseMapper;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.List;

/**
 * Turns Envoy's own error replies into OpenAI-style error JSON, so that a client library sees the
 * same shape whether an error came from Tollgate, Envoy or the provider.
 */
final class LocalReplies {
  /**
   * A path Envoy refuses with 400 for an encoded slash or backslash; the processor's own 400s never
   * have one, because Envoy refuses such a path before any filter runs.
   */
  private static final String ESCAPED_SLASH = "(?i).*%(2f|5c).*";

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
                        .setAndFilter(
                            AndFilter.newBuilder()
                                .addFilters(statusIs(400))
                                .addFilters(
                                    AccessLogFilter.newBuilder()
                                        .setHeaderFilter(
                                            HeaderFilter.newBuilder()
                                                .setHeader(
                                                    HeaderMatcher.newBuilder()
                                                        .setName(":path")
                                                        .setStringMatch(
                                                            StringMatcher.newBuilder()
                                                                .setSafeRegex(
                                                                    RegexMatcher.newBuilder()
                                                                        .setRegex(
                                                                            ESCAPED_SLASH))))))))
                .setStatusCode(UInt32Value.of(400))
                .setBodyFormatOverride(
                    json(
                        errorJson(
                            "The path contains an encoded slash or backslash, which Tollgate"
                                + " refuses; send the path unencoded.",
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
        .setFilter(statusIs(from))
        .setStatusCode(UInt32Value.of(status))
        .setBodyFormatOverride(json(body))
        .build();
  }

  private static AccessLogFilter statusIs(int status) {
    return AccessLogFilter.newBuilder()
        .setStatusCodeFilter(
            StatusCodeFilter.newBuilder()
                .setComparison(
                    ComparisonFilter.newBuilder()
                        .setOp(ComparisonFilter.Op.EQ)
                        .setValue(
                            RuntimeUInt32.newBuilder()
                                .setDefaultValue(status)
                                .setRuntimeKey("tollgate.local_reply." + status))))
        .build();
  }

  private static SubstitutionFormatString json(String body) {
    return SubstitutionFormatString.newBuilder()
        .setTextFormatSource(DataSource.newBuilder().setInlineString(body))
        .setContentType("application/json")
        .build();
  }
}
