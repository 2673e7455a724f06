package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;

/** OpenAI-compatible servers' own choices: where the API lives and how the key is sent. */
public class OpenAICompatibleSettings {
  /** What {@link #keyHeader} may be: a lower-case header name. */
  public static final String KEY_HEADER = "^[a-z0-9][a-z0-9-]{0,62}$";

  /** What {@link #keyScheme} may be: a scheme word, or empty for the bare key. */
  public static final String KEY_SCHEME = "^([A-Za-z][A-Za-z0-9._-]{0,31})?$";

  /** What {@link #apiPath} may be: one or more path segments, no trailing slash. */
  public static final String API_PATH = "^(/[A-Za-z0-9._~!$&'()*+,;=:@-]+)+$";

  @Pattern(API_PATH)
  @JsonPropertyDescription(
      "The API's path after the endpoint URL's path, in place of the client's /v1: /v1beta/openai"
          + " for Gemini's OpenAI-compatible API turns /v1/chat/completions into"
          + " /v1beta/openai/chat/completions. Default: /v1.")
  public String apiPath;

  @Pattern(KEY_HEADER)
  @ValidationRule(
      value =
          "!(self in ['host', 'content-length', 'content-type', 'transfer-encoding', 'connection',"
              + " 'te', 'upgrade', 'keep-alive']) && !self.startsWith('x-tollgate-')"
              + " && !self.startsWith('x-envoy-')",
      message = "keyHeader must not be a hop-by-hop, framing or gateway header")
  @JsonPropertyDescription(
      "The request header the key is sent in, lower case, e.g. x-goog-api-key. Default:"
          + " authorization.")
  public String keyHeader;

  @Pattern(KEY_SCHEME)
  @JsonPropertyDescription(
      "The word before the key in that header, e.g. Bearer or Token; an empty string sends the"
          + " bare key. Default: Bearer when keyHeader is authorization, else the bare key.")
  public String keyScheme;
}
