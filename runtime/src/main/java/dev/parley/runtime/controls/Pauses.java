package dev.parley.runtime.controls;

import dev.parley.runtime.WorkerHealth;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which lanes an operator paused, and whether everything is paused. Kept outside the workers so a
 * pause outlives passivation and restarts; a paused lane finishes its running event, then starts
 * nothing until resumed (its queue keeps filling).
 */
public final class Pauses {
  private final Set<String> lanes = ConcurrentHashMap.newKeySet();
  private volatile int pausedLanes; // lanes.size(): one read on every lane's decision, not a sum
  private volatile boolean all;

  public boolean isPaused(String laneKey) {
    return all || (pausedLanes != 0 && lanes.contains(laneKey));
  }

  /**
   * The health to show for a lane whose worker published {@code health}: {@link
   * WorkerHealth#PAUSED} when it is idle because paused (a running event finishes first).
   */
  public WorkerHealth shown(String laneKey, WorkerHealth health) {
    return (health == WorkerHealth.HEALTHY || health == WorkerHealth.STARTING) && isPaused(laneKey)
        ? WorkerHealth.PAUSED
        : health;
  }

  public synchronized boolean pause(String laneKey) {
    boolean added = lanes.add(laneKey);
    pausedLanes = lanes.size();
    return added;
  }

  public synchronized boolean resume(String laneKey) {
    boolean removed = lanes.remove(laneKey);
    pausedLanes = lanes.size();
    return removed;
  }

  public void pauseAll() {
    all = true;
  }

  public void resumeAll() {
    all = false;
  }

  public boolean allPaused() {
    return all;
  }
}
