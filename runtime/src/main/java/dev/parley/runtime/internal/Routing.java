package dev.parley.runtime.internal;

import dev.parley.runtime.cluster.ClusterOutcomes;
import dev.parley.runtime.cluster.ShardedLanes;
import dev.parley.runtime.lane.LaneRouter;
import dev.parley.runtime.lane.LocalLanes;
import dev.parley.runtime.lane.OutcomeSink;
import dev.parley.runtime.lane.Scheduler;
import dev.parley.runtime.registry.EventRegistry;
import dev.parley.runtime.registry.Submissions;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * How a runtime reaches its lanes and how they answer: in one JVM the local routing table and the
 * submitters' futures; in cluster mode sharding, and answers through this node's edge.
 *
 * @param lanes the lanes live on this node
 * @param cluster cluster mode's answers; null in one JVM
 */
public record Routing(
    LocalLanes lanes, LaneRouter router, OutcomeSink outcomes, ClusterOutcomes cluster) {

  /**
   * @param scheduler the runtime's scheduler, which spawns the worker of a new lane in the table
   */
  public static Routing of(
      Settings settings,
      Supplier<ActorRef<Scheduler.Command>> scheduler,
      Submissions submissions,
      EventRegistry registry) {
    LocalLanes lanes =
        new LocalLanes(
            lane -> scheduler.get().tell(new Scheduler.SpawnWorker(lane)),
            settings.journal().enabled());
    if (!settings.cluster().enabled()) {
      return new Routing(lanes, lanes, submissions, null);
    }
    ClusterOutcomes cluster = new ClusterOutcomes(submissions, registry);
    return new Routing(lanes, new ShardedLanes(lanes), cluster, cluster);
  }
}
