package dev.parley.runtime;

import org.slf4j.Logger;

/** What a handler knows about the lane and the attempt it is running in. */
public interface LaneContext {
  /**
   * The lane: the event's group if it has one, else its space id; in a parallel group, the space's
   * lane of it, {@code group/space}.
   */
  String laneKey();

  /** The space of the event being handled. */
  String spaceId();

  /** 1 for the first try of this event. */
  int attempt();

  /**
   * True when this event was running when the runtime stopped (a crash, a kill) and runs again
   * after the restart, from the journal ({@code parley.durability = journal}): its side effects may
   * have happened once already.
   */
  boolean redelivered();

  /**
   * True once Parley has given up on this attempt (timeout, shutdown): a long-running handler
   * should poll it and stop. Its stage is also cancelled, and a blocking handler's thread is
   * interrupted.
   */
  boolean isCancelled();

  /** A logger whose every line carries the MDC keys {@code lane} and {@code eventId}. */
  Logger log();
}
