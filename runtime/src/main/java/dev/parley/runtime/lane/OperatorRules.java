package dev.parley.runtime.lane;

import dev.parley.runtime.CancelReport;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The rules of an operator's changes to a lane's queue, part of {@link LaneDecider}: cancel (one or
 * many), move, reorder, reprioritize, emergency stop. Each changes pending events only (the running
 * one is interrupted, never taken back) and replies once its lane events are decided.
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
    } else if (command instanceof LaneCommand.CancelMany cancel) {
      onCancelMany(cancel);
    } else if (command instanceof LaneCommand.Reorder reorder) {
      List<String> notPending =
          reorder.eventIds().stream().filter(id -> !isPending(id)).distinct().toList();
      if (notPending.isEmpty() && !reorder.eventIds().isEmpty()) {
        lane.event(new LaneEvent.Reordered(List.copyOf(new LinkedHashSet<>(reorder.eventIds()))));
      }
      reply(reorder.replyTo(), new LaneCommand.NotReordered(notPending));
    } else if (command instanceof LaneCommand.EmergencyStop stop) {
      int interrupted = attempts.interruptRunning(LaneDecider.EMERGENCY_STOP, false) ? 1 : 0;
      int cancelled = lane.cancelPending(LaneDecider.EMERGENCY_STOP);
      reply(stop.replyTo(), new LaneCommand.Stopped(cancelled, interrupted));
    }
    lane.afterQueueChange();
  }

  private void onCancel(LaneCommand.Cancel cancel) {
    boolean pending = isPending(cancel.eventId());
    cancel(lane.state.pending().stream().filter(job -> job.id().equals(cancel.eventId())).toList());
    reply(cancel.replyTo(), pending);
  }

  /** Cancels the pending events asked for; the running one and those not here are reported. */
  private void onCancelMany(LaneCommand.CancelMany cancel) {
    List<Job> pending = lane.state.pending();
    List<String> asked =
        cancel.ids().map(ids -> List.copyOf(new LinkedHashSet<>(ids))).orElse(ids(pending));
    Set<String> wanted = Set.copyOf(asked);
    List<Job> cancelled = pending.stream().filter(job -> wanted.contains(job.id())).toList();
    cancel(cancelled);
    Set<String> done = Set.copyOf(ids(cancelled));
    Attempt running = lane.state.running();
    Set<String> runs = running == null ? Set.of() : Set.copyOf(ids(running.members()));
    List<CancelReport.NotCancelled> refused =
        asked.stream()
            .filter(id -> !done.contains(id))
            .map(
                id ->
                    new CancelReport.NotCancelled(
                        id, runs.contains(id) ? CancelReport.RUNNING : CancelReport.FINISHED))
            .toList();
    reply(
        cancel.replyTo(),
        new CancelReport(asked.stream().filter(done::contains).toList(), refused));
  }

  private static List<String> ids(List<Job> jobs) {
    return jobs.stream().map(Job::id).toList();
  }

  /** Takes {@code jobs}, pending, out of the queue: each ends {@code Cancelled("cancelled")}. */
  private void cancel(List<Job> jobs) {
    lane.endUnstarted(jobs, LaneDecider.CANCELLED_BY_OPERATOR, false);
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
