package dev.parley.runtime;

import java.util.List;
import java.util.Optional;

/**
 * One lane as an operator sees it ({@link Parley#lane}).
 *
 * @param laneKey the lane
 * @param live whether a worker holds it now (an idle lane's worker passivates)
 * @param health its worker's state
 * @param paused whether an operator paused it
 * @param running the event it runs now
 * @param pending its waiting events, in the order they will run, with positions and ETAs
 * @param completed events its worker completed since it started
 * @param failed events its worker ended otherwise since it started
 * @param restarts supervised restarts of its handler context
 */
public record LaneView(
    String laneKey,
    boolean live,
    WorkerHealth health,
    boolean paused,
    Optional<EventStatus> running,
    List<EventStatus> pending,
    long completed,
    long failed,
    long restarts) {

  public LaneView {
    pending = List.copyOf(pending);
  }

  /** A lane without a live worker: idle or passivated, so nothing runs or waits in it. */
  public static LaneView notLive(String laneKey, boolean paused) {
    return new LaneView(
        laneKey, false, WorkerHealth.HEALTHY, paused, Optional.empty(), List.of(), 0, 0, 0);
  }
}
