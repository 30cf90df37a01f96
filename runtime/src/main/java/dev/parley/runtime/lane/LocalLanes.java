package dev.parley.runtime.lane;

import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The local routing table, lane key to {@link Lane}: callers deliver to a lane's worker from their
 * own thread, and the scheduler actor is asked only to spawn a worker for a new lane. One routing
 * actor in front of every event would cap throughput at that actor's speed.
 */
public final class LocalLanes implements LaneRouter {
  private final ConcurrentHashMap<String, Lane> table = new ConcurrentHashMap<>();
  private final Consumer<Lane> spawn;
  private final boolean batched;

  /**
   * @param spawn asked once per new lane to spawn its worker and {@link Lane#attach attach} it
   */
  public LocalLanes(Consumer<Lane> spawn) {
    this(spawn, false);
  }

  /**
   * @param batched lanes whose workers take their commands in batches (journaled lanes)
   */
  public LocalLanes(Consumer<Lane> spawn, boolean batched) {
    this.spawn = spawn;
    this.batched = batched;
  }

  @Override
  public void deliver(String laneKey, LaneCommand.Routed command) {
    while (true) {
      Lane lane = table.get(laneKey);
      if (lane == null) {
        Lane fresh = new Lane(laneKey, batched);
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

  @Override
  public int deliverToLive(LaneCommand.Routed command) {
    int delivered = 0;
    for (Lane lane : table.values()) {
      if (lane.tryDeliver(command)) {
        delivered++;
      }
    }
    return delivered;
  }

  @Override
  public boolean deliverIfLive(String laneKey, LaneCommand.Routed command) {
    Lane lane = table.get(laneKey);
    return lane != null && lane.tryDeliver(command);
  }

  /**
   * Puts the lane a sharded entity runs on this node into the table (cluster mode): stats, the
   * monitor and the health check see it as any lane here.
   */
  void host(Lane lane) {
    table.put(lane.key(), lane);
  }

  /**
   * How the worker of an idle {@code lane} stops routing to it: closes it, then takes it out of the
   * table, if {@code received} routed commands are all that were sent to it; false when one is on
   * its way (the lane then stays).
   */
  boolean passivate(Lane lane, long received) {
    if (!lane.tryClose(received)) {
      return false;
    }
    table.remove(lane.key(), lane);
    return true;
  }

  /**
   * Takes {@code lane} out of the table at once, for a worker that stopped on a failure; returns
   * the commands that were waiting for it. The next command for its key makes a fresh lane.
   */
  List<LaneCommand.Routed> evict(Lane lane) {
    List<LaneCommand.Routed> left = lane.closeNow();
    table.remove(lane.key(), lane);
    return left;
  }

  /** The health check: has lanes whose running event is past its timeout show it. */
  public void markOverdue(long now) {
    for (Lane lane : table.values()) {
      if (lane.overdue(now)) {
        lane.tryDeliver(LaneCommand.Nudge.INSTANCE); // its worker then publishes it unhealthy
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
