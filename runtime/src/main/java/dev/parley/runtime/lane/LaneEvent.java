package dev.parley.runtime.lane;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.parley.runtime.Outcome;
import dev.parley.runtime.Priority;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What changes a lane's durable state, in the past tense: the journal's vocabulary. {@link
 * LaneState#apply} is the only way they take effect. Immutable and free of functions, futures and
 * actor references.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = LaneEvent.Enqueued.class, name = "Enqueued"),
  @JsonSubTypes.Type(value = LaneEvent.Moved.class, name = "Moved"),
  @JsonSubTypes.Type(value = LaneEvent.Reprioritized.class, name = "Reprioritized"),
  @JsonSubTypes.Type(value = LaneEvent.Reordered.class, name = "Reordered"),
  @JsonSubTypes.Type(value = LaneEvent.Cancelled.class, name = "Cancelled"),
  @JsonSubTypes.Type(value = LaneEvent.Started.class, name = "Started"),
  @JsonSubTypes.Type(value = LaneEvent.InterruptRequested.class, name = "InterruptRequested"),
  @JsonSubTypes.Type(value = LaneEvent.RetryScheduled.class, name = "RetryScheduled"),
  @JsonSubTypes.Type(value = LaneEvent.RollbackStarted.class, name = "RollbackStarted"),
  @JsonSubTypes.Type(value = LaneEvent.Ended.class, name = "Ended"),
  @JsonSubTypes.Type(value = LaneEvent.MarkedUnhealthy.class, name = "MarkedUnhealthy"),
  @JsonSubTypes.Type(value = LaneEvent.Redelivered.class, name = "Redelivered")
})
public sealed interface LaneEvent {

  /** An event was accepted at the tail of the lane. */
  record Enqueued(Job job) implements LaneEvent {}

  /** A pending event was moved to {@code index} among the pending ones (clamped). */
  record Moved(String eventId, int index) implements LaneEvent {}

  /** A pending event's priority changed; it keeps its place in the lane. */
  record Reprioritized(String eventId, Priority priority) implements LaneEvent {}

  /** The pending events {@code eventIds} run first, in this order; the others keep theirs. */
  record Reordered(List<String> eventIds) implements LaneEvent {}

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

  /**
   * The runtime stopped while {@code eventId} ran (it was recovered from the journal as running):
   * attempt {@code attempt} runs it again, marked redelivered.
   */
  record Redelivered(String eventId, int attempt) implements LaneEvent {}
}
