package dev.parley.runtime.controls;

import dev.parley.runtime.WorkerHealth;
import dev.parley.runtime.internal.GroupLanes;
import dev.parley.runtime.journal.RuntimeJournal;
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
  private volatile RuntimeJournal.Sink journal = (change, wait) -> {}; // journal = none

  /**
   * Restores the pauses the journal kept, and journals every change from now on (returning once it
   * is written).
   */
  public synchronized void journaled(
      Set<String> paused, boolean allPaused, RuntimeJournal.Sink journal) {
    lanes.addAll(paused);
    pausedLanes = lanes.size();
    all = allPaused;
    this.journal = journal;
  }

  /**
   * Whether {@code laneKey} starts nothing: paused itself, everything paused, or, for a space's
   * lane in a parallel group ({@code group/space}), its group or its space paused.
   */
  public boolean isPaused(String laneKey) {
    if (all) {
      return true;
    }
    if (pausedLanes == 0) {
      return false;
    }
    if (lanes.contains(laneKey)) {
      return true;
    }
    String group = GroupLanes.groupOf(laneKey);
    return group != null && (lanes.contains(group) || lanes.contains(GroupLanes.spaceOf(laneKey)));
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

  public boolean pause(String laneKey) {
    boolean changed;
    synchronized (this) {
      changed = lanes.add(laneKey);
      pausedLanes = lanes.size();
    }
    if (changed) {
      journal.record(new RuntimeJournal.Paused(laneKey), true);
    }
    return changed;
  }

  public boolean resume(String laneKey) {
    boolean changed;
    synchronized (this) {
      changed = lanes.remove(laneKey);
      pausedLanes = lanes.size();
    }
    if (changed) {
      journal.record(new RuntimeJournal.Resumed(laneKey), true);
    }
    return changed;
  }

  public void pauseAll() {
    all = true;
    journal.record(new RuntimeJournal.Paused(null), true);
  }

  public void resumeAll() {
    all = false;
    journal.record(new RuntimeJournal.Resumed(null), true);
  }

  public boolean allPaused() {
    return all;
  }
}
