package dev.parley.runtime.lane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.runtime.Event;
import dev.parley.runtime.Outcome;
import dev.parley.runtime.Reply;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** {@link LaneState#apply} of every lane event, without actors, clock or randomness. */
class LaneStateTest {
  private static final long MS = 1_000_000;
  private static final Instant FAILED_AT = Instant.parse("2026-01-01T00:00:00Z");

  private final LaneState state = new LaneState();

  private static Job job(String id) {
    return new Job(Event.to("space").id(id).build(), 1, 0, false, false);
  }

  private static LaneEvent.Enqueued enqueued(String id) {
    return new LaneEvent.Enqueued(job(id));
  }

  private static LaneEvent.Started started(String id) {
    return new LaneEvent.Started(id, 1, List.of(), 0);
  }

  private static LaneEvent.Ended completed(String id, long nanos) {
    return new LaneEvent.Ended(id, new Outcome.Completed(id, Reply.empty()), nanos);
  }

  private static LaneEvent.Ended failed(String id, long nanos) {
    return new LaneEvent.Ended(id, new Outcome.Failed(id, new Outcome.Error("E", "boom")), nanos);
  }

  private static LaneEvent.RetryScheduled retry(int next, long nanos) {
    return new LaneEvent.RetryScheduled(
        next, new Outcome.Error("E", "boom"), FAILED_AT, Duration.ofMillis(100), nanos);
  }

  private void apply(LaneEvent... events) {
    for (LaneEvent event : events) {
      state.apply(event);
    }
  }

  private List<String> pendingIds() {
    return state.pending().stream().map(Job::id).toList();
  }

  private void enqueue(String... ids) {
    for (String id : ids) {
      state.apply(enqueued(id));
    }
  }

  @Test
  void enqueuedEventsWaitInTheOrderTheyCame() {
    enqueue("a", "b", "c");

    assertEquals(List.of("a", "b", "c"), pendingIds());
    assertEquals("a", state.peek().id());
    assertEquals(2, state.position("c"));
    assertEquals(-1, state.position("z"));
    assertFalse(state.isBusy());
    assertFalse(state.isIdle());
  }

  @Test
  void aFreshLaneIsIdleWithNoAverage() {
    assertTrue(state.isIdle());
    assertNull(state.peek());
    assertTrue(Double.isNaN(state.averageMs()));
    assertEquals(0, state.completedCount());
    assertEquals(0, state.failedCount());
  }

  @Test
  void startedTakesTheHeadIntoTheRunningSlot() {
    enqueue("a", "b");

    apply(new LaneEvent.Started("a", 1, List.of(), 42));

    Attempt running = state.running();
    assertEquals("a", running.id());
    assertEquals(1, running.number());
    assertEquals(42, running.startedAtNanos());
    assertEquals(List.of("a"), running.members().stream().map(Job::id).toList());
    assertFalse(running.retryPending());
    assertEquals(List.of("b"), pendingIds());
    assertTrue(state.isBusy());
  }

  @Test
  void startedOfACoalescedBatchTakesItsMembersInQueueOrderAndLeavesTheOthers() {
    enqueue("a", "b", "c", "d");

    apply(new LaneEvent.Started("a", 1, List.of("d", "b"), 0));

    assertEquals(List.of("a", "b", "d"), state.running().members().stream().map(Job::id).toList());
    assertEquals(List.of("c"), pendingIds());
  }

  @Test
  void startedOfAnEventThatIsNotTheHeadThrows() {
    enqueue("a", "b");

    assertThrows(IllegalStateException.class, () -> state.apply(started("b")));
  }

  @Test
  void startedOnAnEmptyQueueThrows() {
    assertThrows(IllegalStateException.class, () -> state.apply(started("a")));
  }

  @Test
  void retryScheduledWaitsForTheNextAttemptWithTheFirstFailureTime() {
    enqueue("a", "b");
    apply(started("a"), retry(2, 10 * MS));

    Attempt running = state.running();
    assertEquals(2, running.number());
    assertTrue(running.retryPending());
    assertEquals(FAILED_AT, running.firstFailureAt());
    assertTrue(state.isBusy(), "an event waiting for its retry keeps the lane busy");
    assertEquals(0, state.failedCount(), "a retried attempt does not end the event");
    assertEquals(1, state.failureStreak());
    assertEquals(10.0, state.averageMs());
  }

  @Test
  void startedOfARetryResumesTheRunningEventAndLeavesTheQueueAlone() {
    enqueue("a", "b");
    apply(started("a"), retry(2, 10 * MS));

    apply(new LaneEvent.Started("a", 2, List.of(), 99));

    Attempt running = state.running();
    assertEquals("a", running.id());
    assertEquals(2, running.number());
    assertFalse(running.retryPending());
    assertEquals(0, running.startedAtNanos(), "the event's start is its first attempt's");
    assertEquals(FAILED_AT, running.firstFailureAt());
    assertEquals(List.of("b"), pendingIds());
  }

  @Test
  void movedPutsAPendingEventAtItsIndex() {
    enqueue("a", "b", "c");

    apply(new LaneEvent.Moved("c", 0));

    assertEquals(List.of("c", "a", "b"), pendingIds());
  }

  @Test
  void movedClampsTheIndexToTheQueue() {
    enqueue("a", "b", "c");

    apply(new LaneEvent.Moved("a", 99));
    assertEquals(List.of("b", "c", "a"), pendingIds());

    apply(new LaneEvent.Moved("c", -5));
    assertEquals(List.of("c", "b", "a"), pendingIds());
  }

  @Test
  void cancelledRemovesTheNamedPendingEventsOnly() {
    enqueue("a", "b", "c");

    apply(new LaneEvent.Cancelled(List.of("a", "c", "z"), "cancelled"));

    assertEquals(List.of("b"), pendingIds());
  }

  @Test
  void cancelledOfManyEventsRemovesEachOfThem() {
    List<String> ids = IntStream.range(0, 12).mapToObj(i -> "e" + i).toList();
    ids.forEach(this::enqueue);
    enqueue("kept");

    apply(new LaneEvent.Cancelled(ids, "emergency-stop"));

    assertEquals(List.of("kept"), pendingIds());
  }

  @Test
  void interruptRequestedMarksTheRunningAttempt() {
    enqueue("a");
    apply(started("a"), new LaneEvent.InterruptRequested("interrupted", true));

    assertEquals("interrupted", state.running().interruptReason());
    assertTrue(state.running().rollback());
    assertTrue(state.isBusy());
  }

  @Test
  void rollbackStartedMovesTheRunningEventAsideAndCountsItFailed() {
    enqueue("a", "b");
    apply(
        started("a"),
        new LaneEvent.InterruptRequested("interrupted", true),
        new LaneEvent.RollbackStarted("a"));

    assertNull(state.running());
    assertEquals("a", state.rollback().id());
    assertFalse(state.isBusy());
    assertFalse(state.isIdle(), "a lane waiting for a rollback is not idle");
    assertEquals(1, state.failedCount());
  }

  @Test
  void endedOfTheRollbackClearsItWithoutCountingItAgain() {
    enqueue("a");
    apply(
        started("a"),
        new LaneEvent.InterruptRequested("interrupted", true),
        new LaneEvent.RollbackStarted("a"));

    apply(new LaneEvent.Ended("a", new Outcome.Interrupted("a", "interrupted", true), -1));

    assertNull(state.rollback());
    assertTrue(state.isIdle());
    assertEquals(1, state.failedCount());
    assertEquals(0, state.completedCount());
  }

  @Test
  void endedCountsCompletedAndFailedEvents() {
    enqueue("a", "b", "c");
    apply(started("a"), completed("a", MS), started("b"), failed("b", MS), started("c"));
    apply(new LaneEvent.Ended("c", new Outcome.TimedOut("c", Duration.ofSeconds(1)), MS));

    assertEquals(1, state.completedCount());
    assertEquals(2, state.failedCount());
    assertNull(state.running());
    assertTrue(state.isIdle());
  }

  @Test
  void theMovingAverageStartsAtTheFirstTimeThenWeighsEachNewOne() {
    enqueue("a", "b");
    apply(started("a"), completed("a", 10 * MS));
    assertEquals(10.0, state.averageMs(), 1e-9);

    apply(started("b"), completed("b", 20 * MS));
    assertEquals(10.0 + LaneState.AVERAGE_WEIGHT * (20.0 - 10.0), state.averageMs(), 1e-9);
  }

  @Test
  void anEndWithoutAHandlingTimeLeavesTheAverageAndTheStreakAlone() {
    enqueue("a", "b");
    apply(started("a"), failed("a", 10 * MS), started("b"));

    apply(new LaneEvent.Ended("b", new Outcome.Interrupted("b", "interrupted"), -1));

    assertEquals(10.0, state.averageMs(), 1e-9);
    assertEquals(1, state.failureStreak());
    assertEquals(2, state.failedCount());
  }

  @Test
  void theFailureStreakGrowsWithEachFailureAndASuccessResetsIt() {
    enqueue("a", "b", "c");
    apply(started("a"), failed("a", MS), started("b"), failed("b", MS));
    assertEquals(2, state.failureStreak());

    apply(started("c"), completed("c", MS));
    assertEquals(0, state.failureStreak());
  }

  @Test
  void markedUnhealthyResetsTheFailureStreak() {
    enqueue("a", "b");
    apply(started("a"), failed("a", MS), started("b"), failed("b", MS));

    apply(new LaneEvent.MarkedUnhealthy("2 failures in a row"));

    assertEquals(0, state.failureStreak());
    assertEquals(2, state.failedCount(), "the counters stay");
  }

  @Test
  void theSameEventsAppliedToTwoFreshStatesGiveTheSameState() {
    List<Job> jobs = List.of(job("a"), job("b"), job("c"), job("d"), job("e"));
    List<LaneEvent> journal =
        List.of(
            new LaneEvent.Enqueued(jobs.get(0)),
            new LaneEvent.Enqueued(jobs.get(1)),
            new LaneEvent.Enqueued(jobs.get(2)),
            new LaneEvent.Enqueued(jobs.get(3)),
            new LaneEvent.Enqueued(jobs.get(4)),
            new LaneEvent.Started("a", 1, List.of(), 5),
            retry(2, 3 * MS),
            new LaneEvent.Started("a", 2, List.of(), 9),
            completed("a", 7 * MS),
            new LaneEvent.Moved("e", 0),
            new LaneEvent.Cancelled(List.of("c"), "cancelled"),
            new LaneEvent.Started("e", 1, List.of("b"), 20),
            failed("e", 4 * MS),
            new LaneEvent.MarkedUnhealthy("a handler threw"),
            new LaneEvent.Started("d", 1, List.of(), 30),
            new LaneEvent.InterruptRequested("interrupted", true),
            new LaneEvent.RollbackStarted("d"));
    LaneState first = new LaneState();
    LaneState second = new LaneState();

    journal.forEach(first::apply);
    journal.forEach(second::apply);

    assertEquals(first.pending(), second.pending());
    assertEquals(first.running(), second.running());
    assertEquals(first.rollback(), second.rollback());
    assertEquals(first.completedCount(), second.completedCount());
    assertEquals(first.failedCount(), second.failedCount());
    assertEquals(first.failureStreak(), second.failureStreak());
    assertEquals(first.averageMs(), second.averageMs());
    assertEquals("d", second.rollback().id());
    assertEquals(1, second.completedCount());
    assertEquals(2, second.failedCount());
  }
}
