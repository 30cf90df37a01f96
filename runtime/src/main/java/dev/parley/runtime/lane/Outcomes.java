package dev.parley.runtime.lane;

import dev.parley.runtime.Outcome;

/** Helpers on outcomes that the lane's rules share. */
final class Outcomes {
  private Outcomes() {}

  /** A batch's outcome, told to one of its events. */
  static Outcome forEvent(Outcome outcome, String id) {
    if (outcome instanceof Outcome.Completed c) {
      return new Outcome.Completed(id, c.reply());
    } else if (outcome instanceof Outcome.Failed f) {
      return new Outcome.Failed(id, f.error());
    } else if (outcome instanceof Outcome.TimedOut t) {
      return new Outcome.TimedOut(id, t.timeout());
    } else if (outcome instanceof Outcome.DeadLettered d) {
      return new Outcome.DeadLettered(id, d.error(), d.attempts());
    } else if (outcome instanceof Outcome.Cancelled c) {
      return new Outcome.Cancelled(id, c.reason());
    } else if (outcome instanceof Outcome.Interrupted i) {
      return new Outcome.Interrupted(id, i.reason(), i.rolledBack());
    }
    Outcome.Rejected r = (Outcome.Rejected) outcome;
    return new Outcome.Rejected(id, r.reason());
  }
}
