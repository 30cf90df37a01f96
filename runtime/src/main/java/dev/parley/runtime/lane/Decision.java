package dev.parley.runtime.lane;

import java.util.ArrayList;
import java.util.List;

/**
 * What one command decided: the lane events (already applied to the state they were decided on, in
 * this order) and the effects to carry out, in this order. A shell that keeps a decision (until its
 * events are persisted) takes a fresh one from {@link LaneDecider#decide}; the in-memory worker,
 * which runs each decision's effects before it decides the next command, reuses one per thread.
 */
public final class Decision {
  // Sized for the common decision (a submit, an attempt's end); they grow for the others.
  private final List<LaneEvent> events = new ArrayList<>(2);
  private final List<Effect> effects = new ArrayList<>(4);

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
  }

  public List<LaneEvent> events() {
    return events;
  }

  public List<Effect> effects() {
    return effects;
  }
}
