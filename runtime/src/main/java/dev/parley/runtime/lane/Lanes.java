package dev.parley.runtime.lane;

import java.util.Collection;
import java.util.Collections;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The routing table, lane key to {@link Lane}: callers deliver to a lane's worker from their own
 * thread, and the scheduler actor is asked only to spawn a worker for a new lane. One routing actor
 * in front of every event would cap throughput at that actor's speed.
 */
public final class Lanes {
  private final ConcurrentHashMap<String, Lane> table = new ConcurrentHashMap<>();
  private final Consumer<Lane> spawn;

  /**
   * @param spawn asked once per new lane to spawn its worker and {@link Lane#attach attach} it
   */
  public Lanes(Consumer<Lane> spawn) {
    this.spawn = spawn;
  }

  /** Delivers {@code command} to the worker of {@code laneKey}, creating the lane if needed. */
  public void deliver(String laneKey, Worker.Command command) {
    while (true) {
      Lane lane = table.get(laneKey);
      if (lane == null) {
        Lane fresh = new Lane(laneKey);
        lane = table.putIfAbsent(laneKey, fresh);
        if (lane == null) {
          lane = fresh;
          spawn.accept(fresh);
        }
      }
      if (lane.tryDeliver(command)) {
        return;
      }
      table.remove(laneKey, lane); // passivated: help remove it, then make a fresh one
    }
  }

  /**
   * Delivers {@code command} to every live lane's worker, creating none, and returns how many got
   * it. A lane that passivates meanwhile has nothing pending and is skipped.
   */
  public int deliverToLive(Worker.Command command) {
    int delivered = 0;
    for (Lane lane : table.values()) {
      if (lane.tryDeliver(command)) {
        delivered++;
      }
    }
    return delivered;
  }

  /** Delivers {@code command} to the worker of {@code laneKey} if the lane is live. */
  public boolean deliverIfLive(String laneKey, Worker.Command command) {
    Lane lane = table.get(laneKey);
    return lane != null && lane.tryDeliver(command);
  }

  void remove(Lane lane) {
    table.remove(lane.key(), lane);
  }

  /** The health check: marks lanes whose running event is past its timeout unhealthy. */
  public void markOverdue(long now) {
    for (Lane lane : table.values()) {
      if (lane.checkOverdue(now)) {
        lane.tryDeliver(Worker.Nudge.INSTANCE); // so that its worker reports it to the monitor
      }
    }
  }

  /** The live lanes, weakly consistent. */
  public Collection<Lane> all() {
    return Collections.unmodifiableCollection(table.values());
  }

  public int size() {
    return table.size();
  }
}
