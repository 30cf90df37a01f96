package dev.parley.runtime;

import java.time.Duration;

/**
 * An event that has ended, as an {@link EventListener} sees it.
 *
 * @param event the event as submitted
 * @param outcome how it ended
 * @param attempts attempts made (0 when it ended before it started, e.g. cancelled while pending)
 * @param queuedNanos time from acceptance until its first attempt started (until it ended, when it
 *     never started)
 * @param handledNanos time from its first attempt's start until it ended; -1 when it never started
 */
public record FinishedEvent(
    Event event, Outcome outcome, int attempts, long queuedNanos, long handledNanos) {

  public String eventId() {
    return event.id();
  }

  public String spaceId() {
    return event.spaceId();
  }

  public String laneKey() {
    return event.laneKey();
  }

  public boolean started() {
    return handledNanos >= 0;
  }

  public Duration queued() {
    return Duration.ofNanos(queuedNanos);
  }

  /** How long its handling took; zero when it never started. */
  public Duration handled() {
    return Duration.ofNanos(Math.max(0, handledNanos));
  }
}
