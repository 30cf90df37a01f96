package dev.parley.runtime.lane;

import dev.parley.runtime.Outcome;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What changes a lane's durable state, in the past tense: the journal's vocabulary. {@link
 * LaneState#apply} is the only way they take effect. Immutable and free of functions, futures and
 * actor references.
 */
public sealed interface LaneEvent {

  /** An event was accepted at the tail of the lane. */
  record Enqueued(Job job) implements LaneEvent {}

  /** A pending event was moved to {@code index} among the pending ones (clamped). */
  record Moved(String eventId, int index) implements LaneEvent {}

  /** Pending events left the queue unstarted (cancelled, superseded, interrupted). */
  record Cancelled(List<String> eventIds, String reason) implements LaneEvent {}

  /**
   * An attempt started: the first one takes the pending event {@code eventId} (and the pending
   * {@code batch} it leads) into the running slot; a later one ends the wait for a retry.
   */
  record Started(String eventId, int attempt, List<String> batch, long atNanos)
      implements LaneEvent {}

  /** The running event was asked to stop; {@code rollback} when its effects must be undone. */
  record InterruptRequested(String reason, boolean rollback) implements LaneEvent {}

  /** The running event's attempt failed and attempt {@code nextAttempt} runs after a backoff. */
  record RetryScheduled(
      int nextAttempt,
      Outcome.Error error,
      Instant firstFailureAt,
      Duration backoff,
      long handledNanos)
      implements LaneEvent {}

  /** The interrupted running event waits for its rollback, which runs before the next event. */
  record RollbackStarted(String eventId) implements LaneEvent {}

  /**
   * The running event (or the one rolled back) ended with {@code outcome}; {@code handledNanos} is
   * its last attempt's time when that attempt ran to its end, else -1.
   */
  record Ended(String eventId, Outcome outcome, long handledNanos) implements LaneEvent {}

  /** The lane was found unhealthy (a timeout, too many failures in a row) and restarts. */
  record MarkedUnhealthy(String reason) implements LaneEvent {}
}
