package dev.parley.runtime.controls;

import dev.parley.runtime.WorkerHealth;
import dev.parley.runtime.internal.GroupLanes;
import dev.parley.runtime.journal.RuntimeJournal;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

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
  private volatile BiConsumer<String, Boolean> replica = (lane, paused) -> {}; // one JVM

  /** The key that stands for every lane in {@link #replicated} and {@link #adopt}. */
  public static final String ALL = "*";

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

  /**
   * Cluster mode: tells {@code replica} of every change an operator makes on this node ({@link
   * #ALL} for everything), so the other nodes hold it too.
   */
  public void replicated(BiConsumer<String, Boolean> replica) {
    this.replica = replica;
  }

  public boolean pause(String laneKey) {
    boolean changed = set(laneKey, true, true);
    replica.accept(laneKey, true);
    return changed;
  }

  public boolean resume(String laneKey) {
    boolean changed = set(laneKey, false, true);
    replica.accept(laneKey, false);
    return changed;
  }

  public void pauseAll() {
    setAll(true, true);
    replica.accept(ALL, true);
  }

  public void resumeAll() {
    setAll(false, true);
    replica.accept(ALL, false);
  }

  /**
   * Cluster mode: makes this node's pauses the cluster's ({@code paused} lanes, and whether {@code
   * allPaused}), journaling each change without waiting; returns the keys that changed ({@link
   * #ALL} when the pause of everything did).
   */
  public Set<String> adopt(Set<String> paused, boolean allPaused) {
    Set<String> changed = new HashSet<>();
    for (String lane : Set.copyOf(lanes)) {
      if (!paused.contains(lane) && set(lane, false, false)) {
        changed.add(lane);
      }
    }
    for (String lane : paused) {
      if (set(lane, true, false)) {
        changed.add(lane);
      }
    }
    if (all != allPaused) {
      setAll(allPaused, false);
      changed.add(ALL);
    }
    return changed;
  }

  /** The lanes paused one by one. */
  public Set<String> pausedLanes() {
    return Set.copyOf(lanes);
  }

  private boolean set(String laneKey, boolean paused, boolean waitForJournal) {
    boolean changed;
    synchronized (this) {
      changed = paused ? lanes.add(laneKey) : lanes.remove(laneKey);
      pausedLanes = lanes.size();
    }
    if (changed) {
      journal.record(
          paused ? new RuntimeJournal.Paused(laneKey) : new RuntimeJournal.Resumed(laneKey),
          waitForJournal);
    }
    return changed;
  }

  private void setAll(boolean paused, boolean waitForJournal) {
    all = paused;
    journal.record(
        paused ? new RuntimeJournal.Paused(null) : new RuntimeJournal.Resumed(null),
        waitForJournal);
  }

  public boolean allPaused() {
    return all;
  }
}
