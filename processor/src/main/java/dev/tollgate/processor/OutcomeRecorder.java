package dev.tollgate.processor;

import dev.tollgate.ledger.LedgerSink;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records what each request amounted to: its metrics (for model requests and rejections), its
 * access-log line and its ledger record (handed over without waiting). Thread-safe.
 */
final class OutcomeRecorder {
  private static final Logger LOG = LoggerFactory.getLogger(OutcomeRecorder.class);
  private static final int MAX_LOGGED_PATH = 256;

  private final Clock clock;
  private final ProcessorMetrics metrics;
  private final ReservationMetrics reservations;
  private final OutputReserves reserves;
  private final AccessLog accessLog;
  private volatile LedgerSink ledger = LedgerSink.NONE;
  private volatile UsageSettlement settlement;

  OutcomeRecorder(
      Clock clock,
      ProcessorMetrics metrics,
      ReservationMetrics reservations,
      OutputReserves reserves,
      AccessLog accessLog) {
    this.clock = clock;
    this.metrics = metrics;
    this.reservations = reservations;
    this.reserves = reserves;
    this.accessLog = accessLog;
  }

  /** Sends each finished request's record to {@code sink} from now on. */
  void ledger(LedgerSink sink) {
    this.ledger = sink;
  }

  /** Commits each routed request's usage through {@code settlement} and records what it settled. */
  void settlement(UsageSettlement settlement) {
    settlement(settlement, RetriedSettlement.FIRST_WAIT);
  }

  /** The same, asking again after {@code firstWait} when the service cannot be asked. */
  void settlement(UsageSettlement settlement, java.time.Duration firstWait) {
    this.settlement = settlement == null ? null : new RetriedSettlement(settlement, firstWait);
  }

  /** Whether each routed request's usage is committed here when its exchange ends. */
  boolean settles() {
    return settlement != null;
  }

  /** Counts a request that fell to its rule's cheaper tier. */
  void downgraded(String namespace, Downgrade how) {
    metrics.downgraded(namespace, how);
  }

  /** Counts a request the processor answered itself with an error. */
  void rejected(String code, Caller caller) {
    metrics.rejected(code, caller == null ? null : caller.namespace());
  }

  /**
   * Records a request once it is over.
   *
   * @param start when its headers arrived
   * @param caller who called, or null when not authenticated
   * @param request the model request, or null when it was none
   * @param response its response, or null when none came
   * @param status the status the processor answered with when it answered itself, else 0
   * @param error the code the processor answered with, or null
   * @param aborted whether the exchange ended before the response did
   */
  void record(
      Instant start,
      RequestHead head,
      Caller caller,
      ModelRequest request,
      ResponseStream response,
      int status,
      String error,
      boolean aborted) {
    Instant end = clock.instant();
    String code = error != null || response == null ? error : response.error();
    if (aborted) {
      code = code == null ? "aborted" : code;
    }
    if (code == null && response != null && response.sawStreamError()) {
      code = "stream_error";
    }
    Policy.Target target = request == null ? null : request.target();
    String provider = response == null ? null : response.provider();
    AccountedUsage usage = response == null ? AccountedUsage.NONE : response.accounted();
    Instant firstToken = response == null ? null : response.firstToken();
    String path = head.path();
    Outcome outcome =
        new Outcome(
            head.requestId(),
            head.method(),
            path.length() > MAX_LOGGED_PATH ? path.substring(0, MAX_LOGGED_PATH) : path,
            head.operation(),
            response == null ? status : response.status(),
            caller == null ? null : caller.method(),
            target != null
                ? target.route().namespace()
                : caller == null ? null : caller.namespace(),
            request != null ? request.client() : caller == null ? null : caller.clientId(),
            target == null ? null : target.route().namespace() + "/" + target.route().name(),
            target == null ? null : target.requestedModel(),
            response == null ? null : response.responseModel(),
            provider,
            target == null || provider == null ? null : target.systems().get(provider),
            (response != null && response.eventStream()) || (request != null && request.stream()),
            request == null ? 0 : request.estimate(),
            request == null ? 0 : request.reserve(),
            usage.inputTokens(),
            usage.cachedTokens(),
            usage.outputTokens(),
            usage.source(),
            usage.cost(),
            usage.currency(),
            Duration.between(start, end).toNanos(),
            firstToken == null ? -1 : Duration.between(start, firstToken).toNanos(),
            code,
            aborted);
    try {
      if (target != null) {
        metrics.record(outcome);
        recordReservation(request, response, usage, code);
      }
      accessLog.write(outcome, end);
      LedgerRecords.Details details =
          new LedgerRecords.Details(
              target == null ? null : target.rule(),
              response == null ? null : response.attempts(),
              (response != null && response.budgetRefused())
                  || (status == 429 && ExhaustedBudgets.REFUSAL.code().equals(error)),
              response != null && response.quotaWarned(),
              request != null && request.downgrade() != null);
      UsageSettlement settling = settlement;
      // Not settled here: ResponseStream.disarmEnvoyCommit leaves Envoy's commit armed for these.
      if (settling == null || target == null || status != 0 || details.refused()) {
        ledger.offer(LedgerRecords.of(outcome, end, details, usage));
        return;
      }
      // The ledger gets what the budget settled: for an aborted stream, Envoy's stream-done commit
      // (armed, see Wire.ENVOY_COMMIT_PHASE) may have come first with the metadata it last applied,
      // which is not the processor's last.
      settling
          .settle(
              new UsageSettlement.Charged(
                  target.route().namespace(),
                  target.route().name(),
                  request.client(),
                  target.requestedModel(),
                  head.requestId()),
              usage.tokens(provider))
          .whenComplete(
              (settled, failure) -> {
                if (failure != null) {
                  metrics.settlementFailed();
                  LOG.debug(
                      "could not settle request {}: {}", head.requestId(), failure.toString());
                }
                ledger.offer(
                    LedgerRecords.of(
                        outcome,
                        end,
                        details,
                        settled == null ? usage : usage.settled(target, settled)));
              });
    } catch (RuntimeException e) {
      LOG.warn("could not record request {}", head.requestId(), e);
    }
  }

  /**
   * The reservation against what was committed, and a complete answer's output for the history that
   * sizes the reserve of requests without an output cap.
   */
  private void recordReservation(
      ModelRequest request, ResponseStream response, AccountedUsage usage, String code) {
    if (response != null && response.budgetRefused()) {
      return;
    }
    reservations.record(request, TokenMath.add(usage.inputTokens(), usage.outputTokens()));
    boolean complete =
        code == null
            && response != null
            && response.ended()
            && (usage.source().equals("reported") || usage.source().equals("estimated"));
    reserves.observe(
        request, response == null ? 0 : response.status(), complete, usage.outputTokens());
  }
}
