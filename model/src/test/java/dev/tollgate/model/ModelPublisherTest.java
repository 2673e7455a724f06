package dev.tollgate.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.model.source.ConfigSource;
import dev.tollgate.model.source.ModelPublisher;
import dev.tollgate.model.source.ResourceSnapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelPublisherTest {
  private static final Duration DEBOUNCE = Duration.ofMillis(200);

  private final FakeSource source = new FakeSource();
  private final ManualScheduler scheduler = new ManualScheduler();
  private final List<ModelPublisher.Build> gated = new ArrayList<>();
  private final List<String> received = new ArrayList<>();

  private ModelPublisher publisher(ModelPublisher.Gate gate) {
    ModelPublisher publisher =
        new ModelPublisher(
            source,
            ProviderPolicy.UNRESTRICTED,
            DEBOUNCE,
            scheduler,
            build -> {
              gated.add(build);
              return gate.admit(build);
            });
    publisher.addListener(model -> received.add(model.version()));
    return publisher;
  }

  @Test
  void buildsTheFirstModelAtStartAndHandsItToListenersAddedLater() {
    source.snapshot = Fixtures.example("quickstart");
    ModelPublisher publisher = publisher(ModelPublisher.Gate.OPEN);
    assertThat(publisher.current()).isNull();

    publisher.start();

    assertThat(received).containsExactly(publisher.current().version());
    List<String> late = new ArrayList<>();
    publisher.addListener(model -> late.add(model.version()));
    assertThat(late).containsExactly(publisher.current().version());
  }

  @Test
  void aBurstOfChangesBecomesOneBuildAfterTheDebounceDelay() {
    ModelPublisher publisher = publisher(ModelPublisher.Gate.OPEN);
    publisher.start();
    source.snapshot = Fixtures.example("quickstart");

    publisher.requestBuild();
    publisher.requestBuild();
    publisher.requestBuild();

    assertThat(scheduler.delays).containsExactly(DEBOUNCE);
    assertThat(gated).hasSize(1);
    scheduler.runAll();
    assertThat(gated).hasSize(2);
    assertThat(received).hasSize(2).doesNotHaveDuplicates();

    publisher.requestBuild();
    assertThat(scheduler.delays).hasSize(1);
  }

  @Test
  void changesBeforeStartAreNotBuilt() {
    publisher(ModelPublisher.Gate.OPEN).requestBuild();
    assertThat(scheduler.delays).isEmpty();
    assertThat(gated).isEmpty();
  }

  @Test
  void anUnchangedVersionPassesTheGateButNotTheListeners() {
    ModelPublisher publisher = publisher(ModelPublisher.Gate.OPEN);
    publisher.start();

    publisher.requestBuild();
    scheduler.runAll();

    assertThat(gated).extracting(ModelPublisher.Build::newVersion).containsExactly(true, false);
    assertThat(received).hasSize(1);
  }

  @Test
  void aVersionTheGateRefusesNeverReachesTheListeners() {
    ModelPublisher publisher = publisher(build -> build.model().routes().isEmpty());
    publisher.start();
    String first = publisher.current().version();

    source.snapshot = Fixtures.example("quickstart");
    publisher.build();

    assertThat(gated).hasSize(2);
    assertThat(received).containsExactly(first);
    assertThat(publisher.current().version()).isEqualTo(first);
  }

  @Test
  void aFailingListenerDoesNotKeepTheModelFromTheOthers() {
    ModelPublisher publisher =
        new ModelPublisher(source, ProviderPolicy.UNRESTRICTED, DEBOUNCE, scheduler, b -> true);
    List<String> after = new ArrayList<>();
    publisher.addListener(
        model -> {
          throw new IllegalStateException("listener broke");
        });
    publisher.addListener(model -> after.add(model.version()));

    publisher.start();
    source.snapshot = Fixtures.example("quickstart");
    publisher.build();

    assertThat(after).hasSize(2);
  }

  @Test
  void aFailedBuildIsLoggedAndTheNextChangeBuildsAgain() {
    ModelPublisher publisher = publisher(ModelPublisher.Gate.OPEN);
    publisher.start();
    source.failing = true;
    publisher.requestBuild();
    scheduler.runAll();
    assertThat(gated).hasSize(1);

    source.failing = false;
    source.snapshot = Fixtures.example("quickstart");
    publisher.requestBuild();
    scheduler.runAll();
    assertThat(received).hasSize(2);
  }

  @Test
  void nothingIsBuiltAfterClose() {
    ModelPublisher publisher = publisher(ModelPublisher.Gate.OPEN);
    publisher.start();
    publisher.requestBuild();
    publisher.close();
    scheduler.runAll();
    assertThat(gated).hasSize(1);
    assertThat(scheduler.closed).isTrue();
  }

  @Test
  void aPreviewIsReusedByTheFirstBuildOfTheSameSnapshotOnly() {
    source.snapshot = Fixtures.example("quickstart");
    ModelPublisher publisher = publisher(ModelPublisher.Gate.OPEN);
    var preview = publisher.preview();
    assertThat(received).isEmpty();

    publisher.start();
    assertThat(gated.get(0).model()).isSameAs(preview);

    source.snapshot = Fixtures.example("multi-team");
    publisher.requestBuild();
    scheduler.runAll();
    assertThat(gated.get(1).model()).isNotSameAs(preview);
    assertThat(gated.get(1).model().version()).isNotEqualTo(preview.version());
  }

  /** A source whose snapshot the test sets. */
  private static final class FakeSource implements ConfigSource {
    volatile ResourceSnapshot snapshot = ResourceSnapshot.empty();
    volatile boolean failing;

    @Override
    public void start(Runnable onChange) {}

    @Override
    public ResourceSnapshot snapshot() {
      if (failing) {
        throw new IllegalStateException("source broke");
      }
      return snapshot;
    }

    @Override
    public boolean healthy() {
      return true;
    }

    @Override
    public void close() {}
  }

  /** Runs scheduled tasks only when the test says so, so no test waits for time to pass. */
  private static final class ManualScheduler implements ModelPublisher.Scheduler {
    final List<Duration> delays = new ArrayList<>();
    final List<Runnable> tasks = new ArrayList<>();
    boolean closed;

    @Override
    public void schedule(Runnable task, Duration delay) {
      delays.add(delay);
      tasks.add(task);
    }

    void runAll() {
      List<Runnable> due = List.copyOf(tasks);
      tasks.clear();
      delays.clear();
      due.forEach(Runnable::run);
    }

    @Override
    public void close() {
      closed = true;
    }
  }
}
