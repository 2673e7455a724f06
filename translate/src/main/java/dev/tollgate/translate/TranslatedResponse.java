package dev.tollgate.translate;

import java.util.Optional;

/**
 * A whole response, translated for the client.
 *
 * @param status the HTTP status for the client (the backend's, or 502 when its answer could not be
 *     read)
 * @param body the body in the client API's shape
 * @param usage the tokens the backend reported, when it reported any
 */
public record TranslatedResponse(int status, byte[] body, Optional<TokenUsage> usage) {}
