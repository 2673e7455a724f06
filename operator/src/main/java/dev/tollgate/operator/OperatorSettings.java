package dev.tollgate.operator;

import dev.tollgate.model.ProviderPolicy;
import dev.tollgate.xds.AdsServer;
import dev.tollgate.xds.XdsSettings;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * How the operator runs: what it watches, where it serves ADS and probes, leader election, and its
 * timings. Build one with {@link #builder()}; {@code tollgate operator} maps its flags onto it.
 *
 * @param namespaces namespaces watched for resources and Secrets; empty for all
 * @param secretSelector label selector a Secret must match to be read, blank for every Secret in
 *     the watched namespaces
 * @param providerPolicy where ModelProviders may point (the data-plane roles must get the same),
 *     and which Secrets the processor reads client keys from (by default every Secret, so no client
 *     Secret is reported; {@code tollgate operator} passes its {@code --client-key-selector})
 * @param adsHost address the ADS server binds
 * @param adsPort port of the ADS server; 0 picks a free one
 * @param adsTls the ADS server's certificate, key and client CA ({@code tls.crt}, {@code tls.key},
 *     {@code ca.crt}), re-read when they change; null serves plaintext
 * @param listenerTlsSecret the Kubernetes TLS Secret ({@code namespace/name}) whose certificate the
 *     public listener serves over SDS, or null for a plaintext listener
 * @param nodeGroup the Envoy node group ({@code node.cluster}) the configuration is published to
 * @param xds where Envoy listens and finds the processor and rate-limit services
 * @param probeHost address of the probe and metrics server
 * @param probePort its port; 0 picks a free one, -1 starts none
 * @param usagePort the port of the ledger's reports ({@code /usage/report}, {@code /audit}) on the
 *     probe host, served only with an audit trail's database; 0 picks a free one, -1 starts none
 * @param leaderElection whether replicas elect a leader through a Lease
 * @param leaseName name of the Lease
 * @param leaseNamespace namespace of the Lease, or null for the operator's own namespace
 * @param identity this replica's name in the Lease, or null for the host name
 * @param leaseDuration how long a leader's Lease lasts without renewal
 * @param renewDeadline how long the leader tries to renew before giving up
 * @param retryPeriod how often candidates try to acquire the Lease
 * @param coalesce how long changes are collected before the model is rebuilt
 * @param grace after start, how long Programmed conditions are kept while no Envoy is connected
 * @param resync how often statuses are compared with the model without a change
 * @param quotaUsageInterval how often a TokenQuota's usage is read
 * @param cacheSyncTimeout how long the first list of each informer may take
 * @param shutdownTimeout how long running reconciles may take to finish at shutdown
 * @param statusWithServerSideApply whether status is written with server-side apply (the mock API
 *     server of unit tests cannot)
 * @param podName the operator's Pod, for Events about the whole configuration, or null
 * @param podNamespace the operator's namespace, or null
 * @param podUid the Pod's uid, so that {@code kubectl describe pod} shows those Events, or null
 */
public record OperatorSettings(
    Set<String> namespaces,
    String secretSelector,
    ProviderPolicy providerPolicy,
    String adsHost,
    int adsPort,
    java.nio.file.Path adsTls,
    String listenerTlsSecret,
    String nodeGroup,
    XdsSettings xds,
    String probeHost,
    int probePort,
    int usagePort,
    boolean leaderElection,
    String leaseName,
    String leaseNamespace,
    String identity,
    Duration leaseDuration,
    Duration renewDeadline,
    Duration retryPeriod,
    Duration coalesce,
    Duration grace,
    Duration resync,
    Duration quotaUsageInterval,
    Duration cacheSyncTimeout,
    Duration shutdownTimeout,
    boolean statusWithServerSideApply,
    String podName,
    String podNamespace,
    String podUid) {

  /** Copies the namespace set, sorted. */
  public OperatorSettings {
    namespaces = Collections.unmodifiableSortedSet(new TreeSet<>(namespaces));
  }

  /** Returns a builder holding the defaults of {@code tollgate operator}. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds {@link OperatorSettings}; starts from the command's defaults. Not thread-safe. */
  public static final class Builder {
    private Set<String> namespaces = Set.of();
    private String secretSelector = "";
    private ProviderPolicy providerPolicy = ProviderPolicy.of(List.of(), List.of(), false);
    private String adsHost = "0.0.0.0";
    private int adsPort = 18000;
    private java.nio.file.Path adsTls;
    private String listenerTlsSecret;
    private String nodeGroup = AdsServer.DEFAULT_GROUP;
    private XdsSettings xds = XdsSettings.local();
    private String probeHost = "0.0.0.0";
    private int probePort = 8080;
    private int usagePort = 9091;
    private boolean leaderElection = true;
    private String leaseName = "tollgate-operator";
    private String leaseNamespace;
    private String identity;
    private Duration leaseDuration = Duration.ofSeconds(15);
    private Duration renewDeadline = Duration.ofSeconds(10);
    private Duration retryPeriod = Duration.ofSeconds(2);
    private Duration coalesce = Duration.ofMillis(200);
    private Duration grace = Duration.ofSeconds(30);
    private Duration resync = Duration.ofSeconds(10);
    private Duration quotaUsageInterval = Duration.ofSeconds(30);
    private Duration cacheSyncTimeout = Duration.ofMinutes(2);
    private Duration shutdownTimeout = Duration.ofSeconds(10);
    private boolean statusWithServerSideApply = true;
    private String podName;
    private String podNamespace;
    private String podUid;

    private Builder() {}

    /** Sets the watched namespaces; empty for all. */
    public Builder namespaces(Set<String> value) {
      namespaces = value;
      return this;
    }

    /** Sets the label selector of the Secrets read; blank for all. */
    public Builder secretSelector(String value) {
      secretSelector = value;
      return this;
    }

    /** Sets where ModelProviders may point; by default internal endpoints are refused. */
    public Builder providerPolicy(ProviderPolicy value) {
      providerPolicy = value;
      return this;
    }

    /** Sets the address of the ADS server. */
    public Builder ads(String host, int port) {
      adsHost = host;
      adsPort = port;
      return this;
    }

    /** Sets the directory of the ADS server's TLS files, or null for plaintext. */
    public Builder adsTls(java.nio.file.Path directory) {
      adsTls = directory;
      return this;
    }

    /** Sets the listener's TLS Secret ({@code namespace/name}), or null for plaintext. */
    public Builder listenerTlsSecret(String value) {
      listenerTlsSecret = value;
      return this;
    }

    /** Sets the node group the configuration is published to. */
    public Builder nodeGroup(String value) {
      nodeGroup = value;
      return this;
    }

    /** Sets the translation settings. */
    public Builder xds(XdsSettings value) {
      xds = value;
      return this;
    }

    /** Sets the address of the probe server; port -1 starts none. */
    public Builder probes(String host, int port) {
      probeHost = host;
      probePort = port;
      return this;
    }

    /**
     * Sets the port of the ledger's reports ({@code /usage/report}, {@code /audit}) on the probe
     * server's host, served only with an audit trail's database; -1 starts none.
     */
    public Builder usagePort(int port) {
      usagePort = port;
      return this;
    }

    /** Turns leader election on or off. */
    public Builder leaderElection(boolean value) {
      leaderElection = value;
      return this;
    }

    /** Sets the Lease; a null namespace means the operator's own. */
    public Builder lease(String name, String namespace) {
      leaseName = name;
      leaseNamespace = namespace;
      return this;
    }

    /** Sets this replica's identity in the Lease. */
    public Builder identity(String value) {
      identity = value;
      return this;
    }

    /** Sets the leader election timings. */
    public Builder leaseTimings(Duration duration, Duration renew, Duration retry) {
      leaseDuration = duration;
      renewDeadline = renew;
      retryPeriod = retry;
      return this;
    }

    /** Sets how long changes are collected before a rebuild. */
    public Builder coalesce(Duration value) {
      coalesce = value;
      return this;
    }

    /** Sets how long Programmed conditions are kept after start while no Envoy is connected. */
    public Builder grace(Duration value) {
      grace = value;
      return this;
    }

    /** Sets how often statuses are compared with the model without a change. */
    public Builder resync(Duration value) {
      resync = value;
      return this;
    }

    /** Sets how often quota usage is read. */
    public Builder quotaUsageInterval(Duration value) {
      quotaUsageInterval = value;
      return this;
    }

    /** Sets how long the first list of each informer may take. */
    public Builder cacheSyncTimeout(Duration value) {
      cacheSyncTimeout = value;
      return this;
    }

    /** Sets how long running reconciles may take to finish at shutdown. */
    public Builder shutdownTimeout(Duration value) {
      shutdownTimeout = value;
      return this;
    }

    /** Chooses server-side apply (default) or a merge patch for status writes. */
    public Builder statusWithServerSideApply(boolean value) {
      statusWithServerSideApply = value;
      return this;
    }

    /** Names the operator's Pod, for Events about the whole configuration. */
    public Builder pod(String name, String namespace, String uid) {
      podName = name;
      podNamespace = namespace;
      podUid = uid;
      return this;
    }

    /** Returns the settings. */
    public OperatorSettings build() {
      return new OperatorSettings(
          namespaces,
          secretSelector,
          providerPolicy,
          adsHost,
          adsPort,
          adsTls,
          listenerTlsSecret,
          nodeGroup,
          xds,
          probeHost,
          probePort,
          usagePort,
          leaderElection,
          leaseName,
          leaseNamespace,
          identity,
          leaseDuration,
          renewDeadline,
          retryPeriod,
          coalesce,
          grace,
          resync,
          quotaUsageInterval,
          cacheSyncTimeout,
          shutdownTimeout,
          statusWithServerSideApply,
          podName,
          podNamespace,
          podUid);
    }
  }
}
