package dev.parley.runtime;

import java.util.List;

/**
 * What a bulk cancel did ({@link Parley#cancelAll}, {@link Parley#cancelPending}): the events it
 * cancelled (each ends {@link Outcome.Cancelled}, reason {@code cancelled}) and those it did not,
 * with why.
 *
 * @param cancelled the ids cancelled, in the order they were asked for (a lane's order for {@code
 *     cancelPending})
 * @param notCancelled the others, in the order they were asked for
 */
public record CancelReport(List<String> cancelled, List<NotCancelled> notCancelled) {
  /** Parley does not know the event (never accepted, or finished and forgotten). */
  public static final String UNKNOWN = "unknown";

  /** The event runs now: a bulk cancel takes pending events only. */
  public static final String RUNNING = "running";

  /** The event has ended. */
  public static final String FINISHED = "finished";

  /**
   * @param reason {@value #UNKNOWN}, {@value #RUNNING} or {@value #FINISHED}
   */
  public record NotCancelled(String id, String reason) {}

  public CancelReport {
    cancelled = List.copyOf(cancelled);
    notCancelled = List.copyOf(notCancelled);
  }

  /** Nothing cancelled, nothing refused. */
  public static CancelReport none() {
    return new CancelReport(List.of(), List.of());
  }
}
