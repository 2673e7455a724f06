package dev.tollgate.operator;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes Kubernetes Events (core/v1), the audit trail a person reads with {@code kubectl describe}
 * or {@code kubectl get events}. Only the leader writes; a failed write is logged, never fatal.
 *
 * <p>Thread-safe.
 */
final class EventRecorder {
  /** Event type of good news. */
  static final String NORMAL = "Normal";

  /** Event type of something a person should look at. */
  static final String WARNING = "Warning";

  /** The component named as the Events' source. */
  static final String COMPONENT = "tollgate-operator";

  private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);
  private static final int MAX_MESSAGE = 1024;

  private final KubernetesClient client;
  private final Clock clock;
  private final String instance;
  private final BooleanSupplier leader;
  private final AtomicLong sequence = new AtomicLong();

  EventRecorder(KubernetesClient client, Clock clock, String instance, BooleanSupplier leader) {
    this.client = client;
    this.clock = clock;
    this.instance = instance;
    this.leader = leader;
  }

  /** Returns a reference to an object, for an Event about it. */
  static ObjectReference reference(HasMetadata object) {
    return new ObjectReferenceBuilder()
        .withApiVersion(object.getApiVersion())
        .withKind(object.getKind())
        .withNamespace(object.getMetadata().getNamespace())
        .withName(object.getMetadata().getName())
        .withUid(object.getMetadata().getUid())
        .build();
  }

  /** Records an Event about an object. */
  void record(HasMetadata object, String type, String reason, String message) {
    record(reference(object), type, reason, message);
  }

  /** Records an Event about a referenced object, which may no longer exist. */
  void record(ObjectReference about, String type, String reason, String message) {
    if (!leader.getAsBoolean() || about.getNamespace() == null) {
      return;
    }
    String now = StatusConditions.timestamp(clock.instant());
    String text = message.length() <= MAX_MESSAGE ? message : message.substring(0, MAX_MESSAGE);
    try {
      client
          .v1()
          .events()
          .inNamespace(about.getNamespace())
          .resource(
              new EventBuilder()
                  .withNewMetadata()
                  .withNamespace(about.getNamespace())
                  .withName(eventName(about.getName()))
                  .endMetadata()
                  .withInvolvedObject(about)
                  .withType(type)
                  .withReason(reason)
                  .withMessage(text)
                  .withFirstTimestamp(now)
                  .withLastTimestamp(now)
                  .withCount(1)
                  .withNewSource()
                  .withComponent(COMPONENT)
                  .endSource()
                  .withReportingComponent("tollgate.dev/operator")
                  .withReportingInstance(instance)
                  .build())
          .create();
    } catch (KubernetesClientException e) {
      LOG.warn(
          "cannot record Event {} about {} {}/{}: {}",
          reason,
          about.getKind(),
          about.getNamespace(),
          about.getName(),
          e.getMessage());
    }
  }

  /** Names an Event as Kubernetes does: the object's name and a unique hexadecimal suffix. */
  private String eventName(String objectName) {
    long nanos =
        clock.instant().toEpochMilli() * 1_000_000L + sequence.incrementAndGet() % 1_000_000L;
    String prefix = objectName.length() <= 200 ? objectName : objectName.substring(0, 200);
    return prefix + "." + Long.toHexString(nanos);
  }
}
