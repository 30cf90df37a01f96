package dev.parley.runtime.lane;

import dev.parley.runtime.Event;
import dev.parley.runtime.Priority;
import dev.parley.runtime.cluster.Answer;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * An accepted event as its lane holds it.
 *
 * @param ticket the submitter's claim on the event's receipt and outcome ({@link OutcomeSink})
 * @param acceptedAtNanos when it was accepted, on the runtime's nano clock; valid when {@code
 *     timed}
 * @param tracked registered by id, for status queries and dedup
 * @param timed its times are measured (tracked events, and those a listener hears of)
 * @param replyTo in cluster mode, where the ticket's answers go: the submitter's node; else null
 */
public record Job(
    Event event,
    long ticket,
    long acceptedAtNanos,
    boolean tracked,
    boolean timed,
    ActorRef<Answer> replyTo) {

  /** A job of a runtime in one JVM: its answers stay there. */
  public Job(Event event, long ticket, long acceptedAtNanos, boolean tracked, boolean timed) {
    this(event, ticket, acceptedAtNanos, tracked, timed, null);
  }

  public String id() {
    return event.id();
  }

  /** This job as it reached its lane's node at {@code nanos}: its times count from there. */
  Job arrived(long nanos) {
    return new Job(event, ticket, nanos, tracked, timed, replyTo);
  }

  /** This job, its event with {@code priority}. */
  Job withPriority(Priority priority) {
    return new Job(event.withPriority(priority), ticket, acceptedAtNanos, tracked, timed, replyTo);
  }
}
