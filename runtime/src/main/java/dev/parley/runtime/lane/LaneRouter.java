package dev.parley.runtime.lane;

/**
 * How commands reach the worker of a lane, wherever it runs: in one JVM a map of live lanes ({@link
 * LocalLanes}); in a cluster, sharding's entity references.
 */
public interface LaneRouter {
  /** Delivers {@code command} to the worker of {@code laneKey}, starting the lane if needed. */
  void deliver(String laneKey, LaneCommand.Routed command);

  /** Delivers {@code command} to the worker of {@code laneKey} only if the lane is live. */
  boolean deliverIfLive(String laneKey, LaneCommand.Routed command);

  /** Delivers {@code command} to every live lane; returns how many got it. */
  int deliverToLive(LaneCommand.Routed command);
}
