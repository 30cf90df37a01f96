package dev.parley.runtime.cluster;

import dev.parley.runtime.lane.LaneCommand;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;

/**
 * The drain of a node in cluster mode: its shard region shuts down gracefully, which hands every
 * lane of this node over to the others; a lane goes once its running event has finished, its
 * pending events stay in the journal and run on the lane's next node.
 */
public final class HandOver {
  private HandOver() {}

  /** Completes once every lane of this node is handed over; fails after {@code timeout}. */
  public static CompletionStage<Done> start(
      ActorSystem<?> system, ActorRef<ShardingEnvelope<LaneCommand>> region, Duration timeout) {
    CompletableFuture<Done> done = new CompletableFuture<>();
    system.systemActorOf(
        Behaviors.setup(
            ctx -> {
              ctx.watch(region);
              Adapter.toClassic(region)
                  .tell(ShardRegion.gracefulShutdownInstance(), Adapter.toClassic(ctx.getSelf()));
              return Behaviors.receive(Object.class)
                  .onSignal(
                      Terminated.class,
                      terminated -> {
                        done.complete(Done.getInstance());
                        return Behaviors.stopped();
                      })
                  .build();
            }),
        "parley-hand-over-" + UUID.randomUUID(),
        Props.empty());
    return done.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }
}
