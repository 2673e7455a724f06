package dev.tollgate.xds;

/**
 * Deployment settings the translation needs beyond the resources: where Envoy listens and where
 * Tollgate's own gRPC services are.
 *
 * @param listenerAddress address of the public listener
 * @param listenerPort port of the public listener
 * @param processorHost host of the processor (ext_proc) service
 * @param processorPort port of the processor service
 * @param rateLimitHost host of the rate-limit service
 * @param rateLimitPort port of the rate-limit service
 * @param rateLimitFailOpen whether requests pass when the rate-limit service is unreachable
 * @param processorTimeoutMillis how long Envoy waits for one processor message
 * @param caBundlePath the CA bundle Envoy validates provider certificates against
 * @param serviceTls mutual TLS towards the processor and the rate-limit service, or null for
 *     plaintext
 * @param listenerTls whether the public listener serves TLS with the SDS secret {@link
 *     ListenerTls#SECRET} (plaintext HTTP/1.1 and h2c otherwise)
 * @param tracing where the listener's spans go over OTLP, or null for no tracing
 */
public record XdsSettings(
    String listenerAddress,
    int listenerPort,
    String processorHost,
    int processorPort,
    String rateLimitHost,
    int rateLimitPort,
    boolean rateLimitFailOpen,
    long processorTimeoutMillis,
    String caBundlePath,
    ServiceTls serviceTls,
    boolean listenerTls,
    OtlpTracing tracing) {

  /** The CA bundle of Debian, Ubuntu and Alpine, and of Envoy's official images. */
  public static final String DEFAULT_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";

  /** Settings of the embedded default: everything on this host. */
  public static XdsSettings local() {
    return new XdsSettings(
        "0.0.0.0",
        10000,
        "127.0.0.1",
        10001,
        "127.0.0.1",
        10002,
        false,
        2000,
        DEFAULT_CA_BUNDLE,
        null,
        false,
        null);
  }

  /** Returns these settings with another listener address and port. */
  public XdsSettings withListener(String address, int port) {
    return new XdsSettings(
        address,
        port,
        processorHost,
        processorPort,
        rateLimitHost,
        rateLimitPort,
        rateLimitFailOpen,
        processorTimeoutMillis,
        caBundlePath,
        serviceTls,
        listenerTls,
        tracing);
  }

  /** Returns these settings with other addresses of the processor and rate-limit services. */
  public XdsSettings withServices(
      String processor, int processorPort, String rateLimit, int rateLimitPort) {
    return new XdsSettings(
        listenerAddress,
        listenerPort,
        processor,
        processorPort,
        rateLimit,
        rateLimitPort,
        rateLimitFailOpen,
        processorTimeoutMillis,
        caBundlePath,
        serviceTls,
        listenerTls,
        tracing);
  }

  /** Returns these settings with requests passing (or not) when budgets cannot be checked. */
  public XdsSettings withRateLimitFailOpen(boolean failOpen) {
    return new XdsSettings(
        listenerAddress,
        listenerPort,
        processorHost,
        processorPort,
        rateLimitHost,
        rateLimitPort,
        failOpen,
        processorTimeoutMillis,
        caBundlePath,
        serviceTls,
        listenerTls,
        tracing);
  }

  /** Returns these settings with another CA bundle path (in Envoy's file system). */
  public XdsSettings withCaBundle(String path) {
    return new XdsSettings(
        listenerAddress,
        listenerPort,
        processorHost,
        processorPort,
        rateLimitHost,
        rateLimitPort,
        rateLimitFailOpen,
        processorTimeoutMillis,
        path,
        serviceTls,
        listenerTls,
        tracing);
  }

  /** Returns these settings with mutual TLS (or plaintext, null) towards Tollgate's services. */
  public XdsSettings withServiceTls(ServiceTls tls) {
    return new XdsSettings(
        listenerAddress,
        listenerPort,
        processorHost,
        processorPort,
        rateLimitHost,
        rateLimitPort,
        rateLimitFailOpen,
        processorTimeoutMillis,
        caBundlePath,
        tls,
        listenerTls,
        tracing);
  }

  /** Returns these settings with a TLS (or plaintext) public listener. */
  public XdsSettings withListenerTls(boolean tls) {
    return new XdsSettings(
        listenerAddress,
        listenerPort,
        processorHost,
        processorPort,
        rateLimitHost,
        rateLimitPort,
        rateLimitFailOpen,
        processorTimeoutMillis,
        caBundlePath,
        serviceTls,
        tls,
        tracing);
  }

  /** Returns these settings with the listener's spans sent to a collector (or none, null). */
  public XdsSettings withTracing(OtlpTracing otlp) {
    return new XdsSettings(
        listenerAddress,
        listenerPort,
        processorHost,
        processorPort,
        rateLimitHost,
        rateLimitPort,
        rateLimitFailOpen,
        processorTimeoutMillis,
        caBundlePath,
        serviceTls,
        listenerTls,
        otlp);
  }
}
