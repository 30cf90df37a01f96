package dev.parley.runtime.lane;

import dev.parley.runtime.Event;
import dev.parley.runtime.Outcome;
import java.util.List;

/**
 * A journaled lane's state at one point of its journal, as its snapshot store keeps it: after a
 * snapshot the older events are deleted, so recovery replays at most {@code
 * parley.journal.snapshot-every} of them. Holds what {@link LaneState} holds, and the lane's
 * recently ended events, so that their ids stay known (status, dedup) once their events are gone.
 */
public record LaneSnapshot(
    List<Job> pending,
    Attempt running,
    Attempt rollback,
    long completed,
    long failed,
    int failureStreak,
    Double averageMs,
    List<Ended> ended) {

  /** An event that ended, as a lookup by id shows it. */
  public record Ended(Event event, Outcome outcome, int attempts, boolean redelivered) {}
}
