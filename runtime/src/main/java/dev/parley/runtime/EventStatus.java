package dev.parley.runtime;

import java.util.Optional;

/**
 * Where an event is now ({@link Parley#status}).
 *
 * @param eventId the event
 * @param spaceId its space
 * @param laneKey its lane
 * @param state pending, running, or finished
 * @param positionInLane while pending: events of its lane that run before it; else -1
 * @param etaMs while pending: estimated wait before it starts; else 0
 * @param attempts attempts made so far
 * @param queuedMs how long it waited in its queue (so far, while pending); -1 when unknown
 * @param handledMs how long its handling took (so far, while running); -1 before it started
 * @param outcome once finished: how it ended
 * @param redelivered it was running when the runtime stopped and ran again after the restart
 * @param priority its priority (after {@link Parley#reprioritize}, the new one)
 */
public record EventStatus(
    String eventId,
    String spaceId,
    String laneKey,
    State state,
    int positionInLane,
    long etaMs,
    int attempts,
    long queuedMs,
    long handledMs,
    Optional<Outcome> outcome,
    boolean redelivered,
    Priority priority) {

  public enum State {
    PENDING,
    RUNNING,
    FINISHED
  }

  /** The status of an event that has ended. */
  public static EventStatus finished(
      Event event, int attempts, long queuedMs, long handledMs, Outcome outcome) {
    return finished(event, attempts, queuedMs, handledMs, outcome, false);
  }

  /** The status of an event that has ended, perhaps after a redelivery. */
  public static EventStatus finished(
      Event event,
      int attempts,
      long queuedMs,
      long handledMs,
      Outcome outcome,
      boolean redelivered) {
    return new EventStatus(
        event.id(),
        event.spaceId(),
        event.laneKey(),
        State.FINISHED,
        -1,
        0,
        attempts,
        queuedMs,
        handledMs,
        Optional.of(outcome),
        redelivered,
        event.priority());
  }
}
