package dev.tollgate.ratelimit.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class MemoryBudgetStoreTest extends BudgetStoreContract {

  @Override
  protected BudgetStore newStore() {
    return new MemoryBudgetStore(1000, 10_000, Duration.ofMinutes(30));
  }

  @Test
  void housekeepingDropsEndedWindowsExpiredReservationsAndOldCommits() {
    reserve("r1", enforced("tokens", 10, 100));
    reserve("r2", enforced("tokens", 10, 100));
    commit("r2", true, enforced("tokens", 10, 100));
    store.maintain(HOUR_END);
    assertThat(store.usage(NS, T0).join()).isEmpty();
    assertThat(store.outstandingReservations(List.of(NS), T0).join()).isZero();
    // The commit of r2 is forgotten after the retention, so the id could be used again.
    assertThat(reserve("r2", enforced("tokens", 10, 100)).status())
        .isEqualTo(ReserveResult.Status.RESERVED);
  }

  @Test
  void aFullStoreRefusesNewBucketsInsteadOfForgettingUsage() {
    store = new MemoryBudgetStore(2, 10, Duration.ofMinutes(30));
    reserve("r1", enforced("a", 1, 100), enforced("b", 1, 100));
    assertThatThrownBy(() -> reserve("r2", enforced("c", 1, 100)))
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(StoreUnavailableException.class)
        .hasMessageContaining("memory store is full");
    assertThat(reserve("r3", enforced("a", 1, 100)).status())
        .isEqualTo(ReserveResult.Status.RESERVED);
  }
}
