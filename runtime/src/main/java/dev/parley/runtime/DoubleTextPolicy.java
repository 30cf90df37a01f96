package dev.parley.runtime;

/**
 * What happens to an event that arrives while its lane is busy (running an event, or with events
 * waiting): the "double text" of a user who writes again before the bot answered. Set a runtime
 * default ({@code parley.double-text.policy}), per space ({@link Parley#policy}), or per event
 * ({@link Event.Builder#policy}).
 */
public enum DoubleTextPolicy {
  /** Wait in order behind the others (the default). */
  ENQUEUE,
  /** Refuse the new event at once: {@link Outcome.Rejected} with reason {@code lane-busy}. */
  REJECT,
  /**
   * Cancel the running event cooperatively (it ends {@link Outcome.Interrupted}, or {@link
   * Outcome.TimedOut} if its handler ignores the cancellation), cancel the pending ones, and run
   * the new one next.
   */
  INTERRUPT,
  /**
   * When the lane's next event starts, hand it every pending event as one batch ({@link
   * Event#batch()}); each event of the batch gets the batch's outcome.
   */
  COALESCE,
  /**
   * Keep only the newest pending event: the ones it replaces end cancelled ({@code superseded}).
   */
  LATEST,
  /**
   * As {@link #INTERRUPT}, and the lane's handler is asked to undo the interrupted event's effects
   * ({@link Handler#onRollback}) before the new event runs; the interrupted event ends {@link
   * Outcome.Interrupted} with {@code rolledBack = true} once the rollback succeeded.
   */
  ROLLBACK
}
