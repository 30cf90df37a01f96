package dev.parley.runtime.lane;

import dev.parley.runtime.Event;
import dev.parley.runtime.Outcome;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * The durable state of one lane: its pending events in order, the running attempt, the event
 * waiting for its rollback, counters, the failure streak and the moving handling time. It changes
 * only through {@link #apply}, which is deterministic: no clock, no randomness, no I/O. Owned by
 * one shell at a time, so it is plain and single-threaded.
 */
public final class LaneState {
  /** Weight of the newest handling time in the lane's moving average. */
  static final double AVERAGE_WEIGHT = 0.2;

  private final ArrayDeque<Job> pending = new ArrayDeque<>(1); // grows with the lane, once
  private Attempt running;
  private Attempt rollback;
  private long completed;
  private long failed;
  private int failureStreak;
  private double averageMs = Double.NaN;

  /** This state, for a snapshot, with the lane's recently {@code ended} events. */
  LaneSnapshot snapshot(List<LaneSnapshot.Ended> ended) {
    return new LaneSnapshot(
        List.copyOf(pending),
        running,
        rollback,
        completed,
        failed,
        failureStreak,
        Double.isNaN(averageMs) ? null : averageMs,
        ended);
  }

  /** The state a snapshot holds. */
  static LaneState of(LaneSnapshot snapshot) {
    LaneState state = new LaneState();
    state.pending.addAll(snapshot.pending());
    state.running = snapshot.running();
    state.rollback = snapshot.rollback();
    state.completed = snapshot.completed();
    state.failed = snapshot.failed();
    state.failureStreak = snapshot.failureStreak();
    state.averageMs = snapshot.averageMs() == null ? Double.NaN : snapshot.averageMs();
    return state;
  }

  /** Applies one lane event. */
  public void apply(LaneEvent event) {
    if (event instanceof LaneEvent.Enqueued enqueued) {
      pending.addLast(enqueued.job());
    } else if (event instanceof LaneEvent.Started started) {
      start(started);
    } else if (event instanceof LaneEvent.Ended ended) {
      end(ended);
    } else if (event instanceof LaneEvent.RetryScheduled retry) {
      handled(retry.handledNanos(), false);
      running = running.retrying(retry.nextAttempt(), retry.firstFailureAt());
    } else if (event instanceof LaneEvent.Cancelled cancelled) {
      Collection<String> ids =
          cancelled.eventIds().size() > 8 ? Set.copyOf(cancelled.eventIds()) : cancelled.eventIds();
      pending.removeIf(job -> ids.contains(job.id()));
    } else if (event instanceof LaneEvent.Moved moved) {
      move(moved.eventId(), moved.index());
    } else if (event instanceof LaneEvent.Reordered reordered) {
      reorder(reordered.eventIds());
    } else if (event instanceof LaneEvent.Reprioritized changed) {
      mapPending(
          job -> job.id().equals(changed.eventId()) ? job.withPriority(changed.priority()) : job);
    } else if (event instanceof LaneEvent.InterruptRequested interrupt) {
      running = running.interrupted(interrupt.reason(), interrupt.rollback());
    } else if (event instanceof LaneEvent.RollbackStarted) {
      rollback = running.resumed();
      running = null;
      failed++;
    } else if (event instanceof LaneEvent.MarkedUnhealthy) {
      failureStreak = 0;
    } else if (event instanceof LaneEvent.Redelivered redelivered) {
      running = running.redelivered(redelivered.attempt());
    }
  }

  /**
   * After recovery from a journal: re-makes what a job holds of the JVM that accepted it (its
   * ticket for answers, its nano clock readings), which means nothing in this one. Not a change of
   * the lane's durable state, so not a lane event.
   */
  public void rebase(UnaryOperator<Job> rebase, long nowNanos) {
    mapPending(rebase);
    running = running == null ? null : running.rebased(rebase, nowNanos);
    rollback = rollback == null ? null : rollback.rebased(rebase, nowNanos);
  }

  private void start(LaneEvent.Started started) {
    if (started.attempt() > 1) {
      running = running.resumed();
      return;
    }
    Job head = pending.pollFirst();
    if (head == null || !head.id().equals(started.eventId())) {
      throw new IllegalStateException(
          "started " + started.eventId() + ", but " + head + " was next");
    }
    List<Job> members = Collections.singletonList(head); // 16 bytes; List.of(head) takes 24
    if (!started.batch().isEmpty()) {
      List<Job> batch = new ArrayList<>(started.batch().size() + 1);
      batch.add(head);
      for (Iterator<Job> it = pending.iterator(); it.hasNext(); ) {
        Job job = it.next();
        if (started.batch().contains(job.id())) {
          batch.add(job);
          it.remove();
        }
      }
      members = List.copyOf(batch);
    }
    running = new Attempt(members, 1, started.atNanos(), null, null, false, false, false);
  }

  private void end(LaneEvent.Ended ended) {
    if (rollback != null && rollback.id().equals(ended.eventId())) {
      rollback = null; // counted when it was interrupted
      return;
    }
    boolean success = ended.outcome() instanceof Outcome.Completed;
    handled(ended.handledNanos(), success);
    if (success) {
      completed++;
    } else {
      failed++;
    }
    running = null;
  }

  /** An attempt ran to its end in {@code nanos} (when not negative). */
  private void handled(long nanos, boolean success) {
    if (nanos < 0) {
      return;
    }
    double ms = nanos / 1_000_000.0;
    averageMs = Double.isNaN(averageMs) ? ms : averageMs + AVERAGE_WEIGHT * (ms - averageMs);
    failureStreak = success ? 0 : failureStreak + 1;
  }

  private void move(String id, int index) {
    List<Job> items = new ArrayList<>(pending);
    int from = indexOf(id);
    Job item = items.remove(from);
    items.add(Math.max(0, Math.min(index, items.size())), item);
    pending.clear();
    pending.addAll(items);
  }

  private void reorder(List<String> first) {
    Map<String, Job> byId = new HashMap<>();
    pending.forEach(job -> byId.put(job.id(), job));
    List<Job> rest = new ArrayList<>(pending);
    Set<String> moved = Set.copyOf(first);
    rest.removeIf(job -> moved.contains(job.id()));
    pending.clear();
    first.forEach(id -> pending.addLast(byId.get(id)));
    pending.addAll(rest);
  }

  private void mapPending(UnaryOperator<Job> change) {
    List<Job> jobs = new ArrayList<>(pending);
    pending.clear();
    jobs.forEach(job -> pending.addLast(change.apply(job)));
  }

  /** The position of a pending event (0 runs next), or -1 when it is not pending. */
  public int position(String id) {
    return indexOf(id);
  }

  private int indexOf(String id) {
    int index = 0;
    for (Job job : pending) {
      if (job.id().equals(id)) {
        return index;
      }
      index++;
    }
    return -1;
  }

  /** A copy of the pending events, in order. */
  /** Whether an event with this id is pending or running here. */
  boolean has(String id) {
    return any(job -> job.id().equals(id));
  }

  /** Whether {@code event} itself (this instance) is pending or running here. */
  boolean holds(Event event) {
    return any(job -> job.event() == event);
  }

  private boolean any(Predicate<Job> test) {
    return pending.stream().anyMatch(test)
        || (running != null && running.members().stream().anyMatch(test));
  }

  public List<Job> pending() {
    return List.copyOf(pending);
  }

  /** The event that starts next, or null. */
  public Job peek() {
    return pending.peekFirst();
  }

  public int pendingCount() {
    return pending.size();
  }

  /** The running attempt, or null. */
  public Attempt running() {
    return running;
  }

  /** The interrupted event whose rollback runs before the next event, or null. */
  public Attempt rollback() {
    return rollback;
  }

  public boolean isBusy() {
    return running != null;
  }

  /** Nothing running, pending, or waiting for its rollback. */
  public boolean isIdle() {
    return running == null && rollback == null && pending.isEmpty();
  }

  public long completedCount() {
    return completed;
  }

  public long failedCount() {
    return failed;
  }

  /** Attempts that failed in a row since the last success or restart. */
  public int failureStreak() {
    return failureStreak;
  }

  /** The moving average of this lane's handling time; NaN before its first attempt ended. */
  public double averageMs() {
    return averageMs;
  }
}
