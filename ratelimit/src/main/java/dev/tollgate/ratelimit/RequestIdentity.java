package dev.tollgate.ratelimit;

/**
 * Who asks for what: the identity part of a rate-limit descriptor.
 *
 * @param namespace the caller's namespace
 * @param route the AIRoute's name
 * @param client the authenticated client id
 * @param model the requested model name (an alias stays an alias)
 */
public record RequestIdentity(String namespace, String route, String client, String model) {}
