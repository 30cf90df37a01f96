package dev.parley.runtime.lane;

/**
 * Where a lane's shell publishes the lane's figures for stats, the monitor and the health check:
 * its routing entry in one JVM.
 */
public interface Telemetry {
  void publish(Effect.LaneFigures figures);
}
