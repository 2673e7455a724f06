package dev.tollgate.model;

import dev.tollgate.model.GatewayModel.Jwt;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Who owns a JWT audience. Two namespaces whose routes pin the same audience of one issuer would
 * accept the same token equally (403 {@code ambiguous_namespace} for every such token), so each
 * (issuer, audience) belongs to the namespace of the oldest route that pins it (creation time, then
 * namespace and name: the order {@link Routes} accepts routes in). A later route of another
 * namespace loses that audience, with a {@code ResolvedRefs=False} reason {@code Conflicted}
 * problem naming the owner and the fix; a route that loses all its audiences accepts no JWT at all
 * (never every token of the issuer), and still serves its API keys.
 *
 * <p>Not thread-safe: one per build.
 */
final class AudienceOwners {
  private final Map<String, ResourceRef> owners = new HashMap<>();

  /**
   * Claims the audiences of a route's JWT settings, accepted in age order, and returns what the
   * route keeps: the settings with the audiences it owns, or null when another namespace owns all
   * of them.
   */
  Jwt claim(ResourceRef route, Jwt jwt, List<String> declaredAudiences, List<Problem> problems) {
    if (jwt == null || jwt.audiences().isEmpty()) {
      return jwt;
    }
    List<String> kept = new ArrayList<>();
    for (String audience : jwt.audiences()) {
      ResourceRef owner = owners.putIfAbsent(jwt.issuer() + "\n" + audience, route);
      if (owner == null || owner.namespace().equals(route.namespace())) {
        kept.add(audience);
        continue;
      }
      problems.add(
          new Problem(
              "spec.clients.jwt.audiences[" + declaredAudiences.indexOf(audience) + "]",
              Reasons.CONFLICTED,
              "audience \""
                  + audience
                  + "\" of issuer "
                  + jwt.issuer()
                  + " belongs to AIRoute "
                  + owner.namespace()
                  + "/"
                  + owner.name()
                  + " (the oldest route pinning it), so its tokens go to that namespace only;"
                  + " give this route an audience of its own and have the identity provider"
                  + " issue it to this namespace's clients"));
    }
    if (kept.size() == jwt.audiences().size()) {
      return jwt;
    }
    return kept.isEmpty()
        ? null
        : new Jwt(jwt.issuer(), jwt.jwksUri(), List.copyOf(kept), jwt.clientClaim());
  }
}
