package dev.parley.runtime.cluster;

import dev.parley.runtime.lane.LaneCommand;
import dev.parley.runtime.lane.LaneEntity;
import dev.parley.runtime.lane.LaneRouter;
import dev.parley.runtime.lane.LocalLanes;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * Routing in cluster mode: every command goes to its lane's entity through Cluster Sharding,
 * wherever the lane lives; sharding starts the lane on its node when it is not running. Commands
 * for every live lane reach those of this node ({@code local}).
 */
public final class ShardedLanes implements LaneRouter {
  private final LocalLanes local;
  private volatile ClusterSharding sharding; // once the runtime has started sharding

  public ShardedLanes(LocalLanes local) {
    this.local = local;
  }

  /** Routes through {@code sharding} from now on: before the runtime takes its first event. */
  public void attach(ClusterSharding sharding) {
    this.sharding = sharding;
  }

  @Override
  public void deliver(String laneKey, LaneCommand.Routed command) {
    sharding.entityRefFor(LaneEntity.TYPE_KEY, laneKey).tell(command);
  }

  /**
   * A lane live on this node is asked directly; one on another node may be live too, so any other
   * is asked through sharding (which starts it when it is not).
   */
  @Override
  public boolean deliverIfLive(String laneKey, LaneCommand.Routed command) {
    if (!local.deliverIfLive(laneKey, command)) {
      deliver(laneKey, command);
    }
    return true;
  }

  @Override
  public int deliverToLive(LaneCommand.Routed command) {
    return local.deliverToLive(command);
  }
}
