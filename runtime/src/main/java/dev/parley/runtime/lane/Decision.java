package dev.parley.runtime.lane;

import dev.parley.runtime.WorkerHealth;
import java.util.ArrayList;
import java.util.List;

/**
 * What one command decided: the lane events (already applied to the state they were decided on, in
 * this order) and the effects to carry out, in this order. A shell that keeps a decision (until its
 * events are persisted) takes a fresh one from {@link LaneDecider#decide}; the in-memory worker,
 * which runs each decision's effects before it decides the next command, reuses one per thread.
 *
 * <p>When what the lane shows changed, the decision also holds its new {@link LaneFigures}, which
 * the shell publishes after the effects: as fields, not a record, so that publishing them costs no
 * allocation (the worker writes them in place, {@link Lane#publish}).
 */
public final class Decision {
  // Sized for the common decision (a submit, an attempt's end); they grow for the others.
  private final List<LaneEvent> events = new ArrayList<>(2);
  private final List<Effect> effects = new ArrayList<>(4);
  private boolean hasFigures;
  private int pending;
  private WorkerHealth health;
  private String runningId;
  private long deadlineNanos;
  private long completed;
  private long failed;
  private int restarts;
  private double averageMs;

  void event(LaneEvent event) {
    events.add(event);
  }

  void effect(Effect effect) {
    effects.add(effect);
  }

  /** Empties this decision for the next command: only for a shell that kept nothing of it. */
  void clear() {
    events.clear();
    effects.clear();
    hasFigures = false;
    runningId = null;
  }

  void figures(
      int pending,
      WorkerHealth health,
      String runningId,
      long deadlineNanos,
      long completed,
      long failed,
      int restarts,
      double averageMs) {
    this.hasFigures = true;
    this.pending = pending;
    this.health = health;
    this.runningId = runningId;
    this.deadlineNanos = deadlineNanos;
    this.completed = completed;
    this.failed = failed;
    this.restarts = restarts;
    this.averageMs = averageMs;
  }

  /** Publishes the lane's new figures to {@code lane}, if this decision has any. */
  void publishFigures(Lane lane) {
    if (hasFigures) {
      lane.publish(
          pending, health, runningId, deadlineNanos, completed, failed, restarts, averageMs);
    }
  }

  /** The lane's new figures; null when what it shows did not change. */
  public LaneFigures figures() {
    return hasFigures
        ? new LaneFigures(
            pending, health, runningId, deadlineNanos, completed, failed, restarts, averageMs)
        : null;
  }

  public List<LaneEvent> events() {
    return events;
  }

  public List<Effect> effects() {
    return effects;
  }
}
