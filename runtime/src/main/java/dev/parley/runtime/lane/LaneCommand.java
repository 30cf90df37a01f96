package dev.parley.runtime.lane;

import dev.parley.runtime.CancelReport;
import dev.parley.runtime.EventStatus;
import dev.parley.runtime.LaneView;
import dev.parley.runtime.Priority;
import dev.parley.runtime.Reply;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * What a lane's worker receives: immutable records, replies through {@link ActorRef}s. The same
 * protocol serves the in-memory worker and every other shell of the lane; {@link LaneDecider}
 * decides what each command does.
 */
public sealed interface LaneCommand {

  /** A command sent through the routing table: each one counts for the passivation handshake. */
  sealed interface Routed extends LaneCommand {}

  /** An accepted event for the lane; {@code wantsReceipt} when the submitter waits for one. */
  record Submit(Job job, boolean wantsReceipt) implements Routed {}

  /** Where a pending or running event is; empty when this lane does not have it. */
  record GetStatus(String eventId, ActorRef<Optional<EventStatus>> replyTo) implements Routed {}

  /** Describe the lane: health, running and pending events, counters. */
  record GetLaneView(ActorRef<LaneView> replyTo) implements Routed {}

  /** An operator's change of the lane's queue: decided by {@link OperatorRules}. */
  sealed interface Control extends Routed {}

  /** Cancel a pending event; false when it is running, ended, or not in this lane. */
  record Cancel(String eventId, ActorRef<Boolean> replyTo) implements Control {}

  /** Move a pending event to {@code newIndex} among the pending ones. */
  record Move(String eventId, int newIndex, ActorRef<Boolean> replyTo) implements Control {}

  /**
   * Cancel pending events: those of {@code ids} (empty: every pending event); the reply says which
   * were cancelled and why the others were not.
   */
  record CancelMany(Optional<List<String>> ids, ActorRef<CancelReport> replyTo)
      implements Control {}

  /**
   * Run the pending events {@code eventIds} first, in this order, then the others in their order;
   * the reply lists those of {@code eventIds} not pending here (then nothing moved).
   */
  record Reorder(List<String> eventIds, ActorRef<NotReordered> replyTo) implements Control {}

  /** What a {@link Reorder} found not pending (then nothing moved): a reply that crosses nodes. */
  record NotReordered(List<String> eventIds) {}

  /** Give a pending event {@code priority}; false when it is not pending here. */
  record Reprioritize(String eventId, Priority priority, ActorRef<Boolean> replyTo)
      implements Control {}

  /** Look at the pause flags and the health check again. */
  enum Nudge implements Routed {
    INSTANCE
  }

  /** Cancel every pending event and interrupt the running one cooperatively. */
  record EmergencyStop(ActorRef<Stopped> replyTo) implements Control {}

  /** What an emergency stop did to one lane. */
  record Stopped(int cancelled, int interrupted) {}

  /**
   * Reply with {@link Drained} once nothing is pending or running (from the scheduler). Routed, so
   * that it never reaches a worker that passivated meanwhile: the lane refuses it instead.
   */
  record Drain(ActorRef<Drained> replyTo) implements Routed {}

  /** The lane has nothing pending or running (or, after a {@link HandOff}, nothing running). */
  record Drained(ActorRef<LaneCommand> worker) implements LaneCommand {}

  /**
   * The lane is leaving this node (cluster mode): start nothing more, let the running event finish,
   * then reply with {@link Drained}; what is pending stays in the journal for the next node.
   */
  record HandOff(ActorRef<Drained> replyTo) implements Routed {}

  /**
   * Sharding asks a lane's entity to stop: it was passivated, or its shard moves to another node.
   */
  enum StopEntity implements LaneCommand {
    INSTANCE
  }

  /** The journaled lane under a lane's entity stopped. */
  record ChildStopped(ActorRef<LaneCommand> child) implements LaneCommand {}

  /** End the running and pending events {@code Interrupted} with {@code reason}. */
  record Interrupt(String reason) implements LaneCommand {}

  // What the lane tells itself: results of user code, timers, permits, supervision.

  /** The handler's call of attempt {@code run} returned a stage that is not complete yet. */
  record AttemptWentAsync(long run) implements LaneCommand {}

  /** Attempt {@code run} ended with {@code reply} or {@code error}. */
  record AttemptDone(long run, Reply reply, Throwable error) implements LaneCommand {}

  /** Attempt {@code run} overran its timeout. */
  record AttemptTimedOut(long run) implements LaneCommand {}

  /** The backoff before attempt {@code run}'s retry is over. */
  record RetryDue(long run) implements LaneCommand {}

  /** Admission granted the permit the lane asked for. */
  enum PermitGranted implements LaneCommand {
    INSTANCE
  }

  /** The rollback of the interrupted event ended; {@code error} when it failed. */
  record RollbackDone(Throwable error) implements LaneCommand {}

  /** Time to see whether the lane has been idle for {@code idle-timeout}. */
  enum IdleCheck implements LaneCommand {
    INSTANCE
  }

  /** Commands wait for a journaled lane in its routing entry: take them, as one batch. */
  enum Pull implements LaneCommand {
    INSTANCE
  }

  /** Supervision restarted the lane's handler context. */
  enum Restarted implements LaneCommand {
    INSTANCE
  }

  /**
   * The lane's state was recovered from its journal: resume what the restart cut short. {@code
   * runningId} is the event that was running then, or null. Commands that waited for the recovery
   * may be decided first: none can start an event while the recovered one holds the lane.
   */
  record Recovered(String runningId) implements LaneCommand {}

  /** The backoff after a restart is over: the lane may start events again. */
  enum BackoffOver implements LaneCommand {
    INSTANCE
  }
}
