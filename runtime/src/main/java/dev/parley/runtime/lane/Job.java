package dev.parley.runtime.lane;

import dev.parley.runtime.Event;
import dev.parley.runtime.Priority;

/**
 * An accepted event as its lane holds it.
 *
 * @param ticket the submitter's claim on the event's receipt and outcome ({@link OutcomeSink})
 * @param acceptedAtNanos when it was accepted, on the runtime's nano clock; valid when {@code
 *     timed}
 * @param tracked registered by id, for status queries and dedup
 * @param timed its times are measured (tracked events, and those a listener hears of)
 */
public record Job(Event event, long ticket, long acceptedAtNanos, boolean tracked, boolean timed) {
  public String id() {
    return event.id();
  }

  /** This job, its event with {@code priority}. */
  Job withPriority(Priority priority) {
    return new Job(event.withPriority(priority), ticket, acceptedAtNanos, tracked, timed);
  }
}
