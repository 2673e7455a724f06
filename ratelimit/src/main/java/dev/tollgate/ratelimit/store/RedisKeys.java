package dev.tollgate.ratelimit.store;

/**
 * The Redis keys of one namespace.
 *
 * <p>Key layout (prefix {@code tollgate}, namespace {@code team-a}):
 *
 * <pre>
 * tollgate:{team-a}:b:&lt;bucket id&gt;     hash: used, res (reserved), r:&lt;request id&gt; per held
 *                                    reservation, warned/over flags, falls (requests that fell
 *                                    to a tier); expires after its window
 * tollgate:{team-a}:b:&lt;bucket id&gt;:r   sorted set: request id by reservation expiry (ms)
 * tollgate:{team-a}:q:&lt;request id&gt;    hash: b (bucket ids held), e (expiry ms)
 * tollgate:{team-a}:c:&lt;request id&gt;    string: until when the commit is remembered (ms), a
 *                                    space, and the commit's settlement
 * tollgate:{team-a}:open              sorted set: live reservations by expiry
 * tollgate:{team-a}:idx               sorted set: bucket ids by window end, for usage reports
 * </pre>
 *
 * <p>Every key of a namespace carries the namespace as its hash tag. A request only ever counts in
 * buckets of its own namespace, so one Lua script can check and reserve all of them atomically and
 * still run on a single Redis Cluster shard.
 */
final class RedisKeys {
  private final String base;

  RedisKeys(String prefix, String namespace) {
    this.base = prefix + ":{" + namespace + "}:";
  }

  String bucket(String id) {
    return base + "b:" + id;
  }

  String reservations(String id) {
    return base + "b:" + id + ":r";
  }

  String record(String requestId) {
    return base + "q:" + requestId;
  }

  String marker(String requestId) {
    return base + "c:" + requestId;
  }

  String open() {
    return base + "open";
  }

  String index() {
    return base + "idx";
  }
}
