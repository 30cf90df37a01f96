package dev.parley.runtime.lane;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityContext;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * The sharded shell of one lane ({@code parley.mode = cluster}): the entity Cluster Sharding runs
 * on the node that owns the lane. Its child is the {@link JournaledWorker}, in front of which it
 * keeps the lane's routing entry, so that commands batch into one journal write as in one JVM.
 *
 * <p>It stops only when sharding tells it to ({@link LaneCommand.StopEntity}): after it asked to be
 * passivated (its lane went idle), or because its shard moves to another node. Either way the lane
 * is handed over first: it starts nothing more, its running event finishes, what is pending stays
 * in the journal. Commands that reach it between its request to passivate and the stop (sharding
 * buffers only those that come later) go to a fresh journaled lane, and when that one leaves work
 * pending, a message through sharding starts the lane again at once.
 */
public final class LaneEntity extends AbstractBehavior<LaneCommand> {
  /** The lanes' entity type: its entity ids are lane keys. */
  public static final EntityTypeKey<LaneCommand> TYPE_KEY =
      EntityTypeKey.create(LaneCommand.class, "parley-lane");

  private final LaneServices services;
  private final String key;
  private final ActorRef<ClusterSharding.ShardCommand> shard;
  private Lane lane; // the routing entry of the current journaled lane
  private ActorRef<LaneCommand> child;
  private long children;
  private boolean passivating; // asked sharding to passivate this entity
  private boolean stopping; // sharding asked it to stop

  public static Behavior<LaneCommand> create(
      LaneServices services, EntityContext<LaneCommand> entity) {
    return Behaviors.setup(ctx -> new LaneEntity(ctx, services, entity));
  }

  private LaneEntity(
      ActorContext<LaneCommand> ctx, LaneServices services, EntityContext<LaneCommand> entity) {
    super(ctx);
    this.services = services;
    this.key = entity.getEntityId();
    this.shard = entity.getShard();
    startLane(); // sharding starts remembered lanes without a message: they resume by themselves
  }

  @Override
  public Receive<LaneCommand> createReceive() {
    return newReceiveBuilder()
        .onMessage(LaneCommand.Submit.class, submit -> route(arrived(submit)))
        .onMessage(LaneCommand.Routed.class, this::route)
        .onMessageEquals(LaneCommand.StopEntity.INSTANCE, this::onStop)
        .onMessage(LaneCommand.Drained.class, drained -> onHandedOver())
        .onMessage(LaneCommand.ChildStopped.class, this::onChildStopped)
        .build();
  }

  private Behavior<LaneCommand> route(LaneCommand.Routed command) {
    if (!lane.tryDeliver(command)) { // it passivated meanwhile, or stopped on a failed write
      startLane();
      lane.tryDeliver(command);
    }
    return this;
  }

  private void startLane() {
    lane = new Lane(key, true);
    services.lanes().host(lane);
    child =
        getContext()
            .spawn(
                JournaledWorker.create(services, lane),
                "lane-" + (++children),
                services.workerDispatcher());
    getContext().watchWith(child, new LaneCommand.ChildStopped(child));
    lane.attach(child);
  }

  /**
   * A submit reached the lane's node: its times count from here, and it is counted here (its lane
   * refuses it, and counts it out, when it is a duplicate).
   */
  private LaneCommand.Submit arrived(LaneCommand.Submit submit) {
    services.counters().accepted.increment();
    services.counters().outstanding.increment();
    Job job = submit.job().arrived(services.nanoClock().getAsLong());
    return new LaneCommand.Submit(job, submit.wantsReceipt());
  }

  private Behavior<LaneCommand> onStop() {
    stopping = true;
    if (child == null) {
      return Behaviors.stopped();
    }
    // Delivered after every command before it; refused when the lane is passivating already.
    lane.tryDeliver(new LaneCommand.HandOff(getContext().getSelf().narrow()));
    return this;
  }

  /** Nothing runs any more: the journaled lane stops, its pending events stay in the journal. */
  private Behavior<LaneCommand> onHandedOver() {
    if (child != null) {
      child.tell(new LaneCommand.Interrupt("hand-over"));
    }
    return this;
  }

  private Behavior<LaneCommand> onChildStopped(LaneCommand.ChildStopped stopped) {
    if (!stopped.child().equals(child)) {
      return this; // an earlier one
    }
    child = null;
    if (stopping) {
      if (passivating && lane.figures().pending() > 0) {
        // Passivated with work that came in meanwhile: sharding starts the lane again for it.
        ClusterSharding.get(getContext().getSystem())
            .entityRefFor(TYPE_KEY, key)
            .tell(LaneCommand.Nudge.INSTANCE);
      }
      return Behaviors.stopped();
    }
    if (!passivating) { // it passivated (idle), or stopped on a failed write
      passivating = true;
      shard.tell(new ClusterSharding.Passivate<>(getContext().getSelf()));
    }
    return this;
  }
}
