package dev.parley.runtime.lane;

import dev.parley.runtime.Outcome;
import java.util.List;

/**
 * The rules of an operator's changes to a lane's queue, part of {@link LaneDecider}: cancel, move,
 * reprioritize, emergency stop. Each changes pending events only (the running one is interrupted,
 * never taken back) and replies once its lane events are decided.
 */
final class OperatorRules {
  private final LaneDecider lane;
  private final AttemptRules attempts;

  OperatorRules(LaneDecider lane, AttemptRules attempts) {
    this.lane = lane;
    this.attempts = attempts;
  }

  void on(LaneCommand.Control command) {
    if (command instanceof LaneCommand.Cancel cancel) {
      onCancel(cancel);
    } else if (command instanceof LaneCommand.Move move) {
      boolean pending = isPending(move.eventId());
      if (pending) {
        lane.event(new LaneEvent.Moved(move.eventId(), move.newIndex()));
      }
      reply(move.replyTo(), pending);
    } else if (command instanceof LaneCommand.Reprioritize change) {
      onReprioritize(change);
    } else if (command instanceof LaneCommand.EmergencyStop stop) {
      int interrupted = attempts.interruptRunning(LaneDecider.EMERGENCY_STOP, false) ? 1 : 0;
      int cancelled = lane.cancelPending(LaneDecider.EMERGENCY_STOP);
      reply(stop.replyTo(), new LaneCommand.Stopped(cancelled, interrupted));
    }
    lane.afterQueueChange();
  }

  private void onCancel(LaneCommand.Cancel cancel) {
    int position = lane.state.position(cancel.eventId());
    if (position >= 0) {
      Job job = lane.state.pending().get(position);
      lane.event(new LaneEvent.Cancelled(List.of(job.id()), LaneDecider.CANCELLED_BY_OPERATOR));
      lane.deliver(job, new Outcome.Cancelled(job.id(), LaneDecider.CANCELLED_BY_OPERATOR));
    }
    reply(cancel.replyTo(), position >= 0);
  }

  /** The event keeps its place; as the lane's next event, it sets the lane's admission rank. */
  private void onReprioritize(LaneCommand.Reprioritize change) {
    int position = lane.state.position(change.eventId());
    if (position >= 0) {
      Job before = lane.state.pending().get(position);
      if (before.event().priority() != change.priority()) {
        lane.event(new LaneEvent.Reprioritized(change.eventId(), change.priority()));
        Job after = lane.state.pending().get(position);
        lane.effect(new Effect.Replaced(before.event(), after.event()));
      }
    }
    reply(change.replyTo(), position >= 0);
  }

  private boolean isPending(String eventId) {
    return lane.state.position(eventId) >= 0;
  }

  private <T> void reply(org.apache.pekko.actor.typed.ActorRef<T> replyTo, T message) {
    lane.effect(new Effect.Reply<>(replyTo, message));
  }
}
