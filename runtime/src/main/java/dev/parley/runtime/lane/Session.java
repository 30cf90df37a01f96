package dev.parley.runtime.lane;

import dev.parley.runtime.WorkerHealth;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * What a lane's shell knows that is never journaled: the permit, the live attempt and its deadline,
 * timers, the restart backoff, what it last published. {@link LaneDecider} reads and updates it; it
 * lives outside the supervised part of the worker, so a restart keeps it.
 */
final class Session {
  long run; // numbers attempts, so that a late result of an earlier one is ignored
  boolean attemptOpen; // the handler was called and its result is not in yet
  boolean attemptLive; // ... and its stage was not complete at once: a timeout timer runs
  long attemptStartedNanos;
  long deadlineNanos; // of the live attempt; 0 when none
  boolean countedInFlight; // the running event is counted in the runtime's in-flight figure

  boolean holdsPermit;
  boolean awaitingPermit;

  boolean rollingBack; // the rollback of state.rollback() is running
  boolean resuming; // the running event was recovered from the journal: it runs again, when it may

  boolean restarting; // waiting out the backoff after a restart
  int restartsInRow; // restarts since the last event that completed
  int restarts;

  long idleSinceNanos;
  boolean idleCheckScheduled;
  ActorRef<LaneCommand.Drained> drainReplyTo;
  boolean handingOff; // the lane leaves this node: it starts nothing more

  /** Routed commands received: what the passivation handshake compares with those sent. */
  long received;

  // What it last published (of what the decider compares): null health before it first did.
  WorkerHealth shownHealth;
  int shownPending;
  long shownDeadline;
  int shownRestarts;
  boolean changedSincePublished; // a lane event since: counters or the average may differ

  boolean started; // the in-memory worker's handler context ran once: a new one is a restart
}
