package dev.tollgate.operator;

import dev.tollgate.api.v1alpha1.TokenQuota;
import dev.tollgate.api.v1alpha1.TokenQuotaStatus;
import dev.tollgate.model.Defaults;
import dev.tollgate.model.ResourceRef;
import dev.tollgate.ratelimit.BucketUsageReport;
import io.fabric8.kubernetes.api.model.Condition;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps each TokenQuota's status conditions in line with the gateway model and Envoy and, when a
 * {@link QuotaUsageReader} is configured, shows its busiest buckets, read at most once per interval
 * per quota.
 */
@ControllerConfiguration(name = "tokenquota", triggerReconcilerOnAllEvents = true)
public final class TokenQuotaReconciler
    extends GatewayResourceReconciler<TokenQuota, TokenQuotaStatus> {
  private static final Logger LOG = LoggerFactory.getLogger(TokenQuotaReconciler.class);

  private record Reading(Instant at, List<BucketUsageReport> buckets) {}

  private final QuotaUsageReader usage;
  private final Duration interval;
  private final Map<ResourceRef, Reading> readings = new ConcurrentHashMap<>();
  private final BudgetEvents budgetEvents;

  /**
   * Creates the reconciler.
   *
   * @param usage where usage is read, or null to show none
   * @param interval how often usage is read per quota
   */
  TokenQuotaReconciler(
      GatewayState state,
      EventRecorder events,
      OperatorMetrics metrics,
      Clock clock,
      QuotaUsageReader usage,
      Duration interval) {
    super(TokenQuota.class, "TokenQuota", state, events, metrics, clock);
    this.usage = usage;
    this.interval = interval;
    this.budgetEvents = new BudgetEvents(events);
  }

  @Override
  protected TokenQuota newResource() {
    return new TokenQuota();
  }

  @Override
  protected TokenQuotaStatus statusOf(
      TokenQuota resource, List<Condition> conditions, boolean accepted) {
    TokenQuotaStatus status = new TokenQuotaStatus();
    status.conditions = conditions;
    if (usage != null && accepted) {
      List<BucketUsageReport> buckets = reading(ResourceMetadata.refOf(resource));
      budgetEvents.observe(resource, buckets, clock.instant());
      QuotaUsageStatus.apply(status, buckets);
      QuotaUsageStatus.summarize(
          status,
          resource.getSpec().limits,
          Defaults.warnAtPercent(resource.getSpec()),
          namespacesCovered(ResourceMetadata.refOf(resource)),
          buckets);
    }
    return status;
  }

  @Override
  protected boolean sameExtras(TokenQuotaStatus current, TokenQuotaStatus next) {
    return QuotaUsageStatus.sameUsage(current, next);
  }

  @Override
  protected void deleted(TokenQuota resource) {
    readings.remove(ResourceMetadata.refOf(resource));
  }

  @Override
  protected UpdateControl<TokenQuota> schedule(
      UpdateControl<TokenQuota> control, TokenQuota resource, boolean accepted) {
    if (usage == null || !accepted) {
      readings.remove(ResourceMetadata.refOf(resource));
      return control;
    }
    return control.rescheduleAfter(interval.toMillis());
  }

  /** How many namespaces the quota covers in the model last built: 1 for a team quota. */
  private int namespacesCovered(ResourceRef quota) {
    return state
        .view()
        .flatMap(
            v ->
                v.model().quotas().stream()
                    .filter(
                        q ->
                            q.namespace().equals(quota.namespace())
                                && q.name().equals(quota.name()))
                    .findFirst())
        .map(q -> q.platform() ? q.namespaces().size() : 1)
        .orElse(1);
  }

  /** Returns the quota's usage, read again when the last reading is older than the interval. */
  private List<BucketUsageReport> reading(ResourceRef quota) {
    Instant now = clock.instant();
    Reading last = readings.get(quota);
    if (last != null && now.isBefore(last.at().plus(interval))) {
      return last.buckets();
    }
    try {
      List<BucketUsageReport> buckets =
          usage
              .usage(quota.namespace(), quota.name())
              .get(QuotaUsageReader.TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
      readings.put(quota, new Reading(now, List.copyOf(buckets)));
      return buckets;
    } catch (ExecutionException | TimeoutException e) {
      LOG.warn("cannot read the usage of {}: {}", quota, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // Keep showing the last reading, and try again at the next reconcile rather than at once.
    List<BucketUsageReport> kept = last == null ? List.of() : last.buckets();
    readings.put(quota, new Reading(now, kept));
    return kept;
  }
}
