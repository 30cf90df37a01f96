package dev.parley.runtime.lane;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parent of every {@link Worker}: spawns one per new lane (callers then deliver to it directly, see
 * {@link LocalLanes}), and drains them all at shutdown: waits until each has nothing pending or
 * running, and when the drain timeout passes first, interrupts what is left.
 *
 * <p>It does not watch its workers (a watch costs each of a million lanes 150 bytes): the drain
 * reaches a worker through its lane's routing entry, which either delivers it (then the worker
 * cannot passivate before it answered) or refuses it (the worker passivated: nothing to wait for),
 * and a worker that stops while a drain waits for it answers it as it stops.
 */
public final class Scheduler extends AbstractBehavior<Scheduler.Command> {
  // A logger of its own, not the actor's: `logger dev.parley` levels reach it, without Pekko's MDC.
  private static final Logger LOG = LoggerFactory.getLogger(Scheduler.class);

  public sealed interface Command {}

  /** Spawn the worker of a new lane and attach it. */
  public record SpawnWorker(Lane lane) implements Command {}

  /**
   * Ask the lane {@code laneKey} (started if needed, unless {@code ifLive}) the {@code query} made
   * with {@code replyTo}; a lane that is not live when {@code ifLive} answers {@code ifNotLive}.
   * How the runtime's facade asks lanes, which it reaches only through the routing table.
   */
  public record Query<T>(
      String laneKey,
      Function<ActorRef<T>, LaneCommand.Routed> query,
      boolean ifLive,
      T ifNotLive,
      ActorRef<T> replyTo)
      implements Command {}

  /**
   * Drain every worker within {@code timeout}, then interrupt what is left; reply when every event
   * has its outcome.
   */
  public record Drain(Duration timeout, ActorRef<Done> replyTo) implements Command {}

  private record WorkerDrained(ActorRef<LaneCommand> worker) implements Command {}

  private enum DrainTimedOut implements Command {
    INSTANCE
  }

  private static final String INTERRUPT_REASON = "shutdown";

  private final LaneServices services;
  private final DispatcherSelector workerDispatcher;
  private final TimerScheduler<Command> timers;
  private final ActorRef<LaneCommand.Drained> drainedAdapter;
  private Set<ActorRef<LaneCommand>> draining; // the workers a drain waits for
  private ActorRef<Done> drainReplyTo;
  private long spawned;
  private long interruptedBefore; // the interrupted count when the drain began

  public static Behavior<Command> create(LaneServices services) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> new Scheduler(ctx, timers, services, services.workerDispatcher())));
  }

  private Scheduler(
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers,
      LaneServices services,
      DispatcherSelector workerDispatcher) {
    super(ctx);
    this.services = services;
    this.workerDispatcher = workerDispatcher;
    this.timers = timers;
    this.drainedAdapter =
        ctx.messageAdapter(LaneCommand.Drained.class, d -> new WorkerDrained(d.worker()));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(SpawnWorker.class, this::onSpawnWorker)
        .onMessage(Query.class, query -> onQuery((Query<?>) query))
        .onMessage(Drain.class, this::onDrain)
        .onMessage(WorkerDrained.class, done -> onWorkerDone(done.worker()))
        .onMessageEquals(DrainTimedOut.INSTANCE, this::onDrainTimedOut)
        .build();
  }

  private Behavior<Command> onSpawnWorker(SpawnWorker spawn) {
    ActorRef<LaneCommand> worker =
        getContext()
            .spawn(
                services.journal().enabled()
                    ? JournaledWorker.create(services, spawn.lane())
                    : Worker.create(services, spawn.lane()),
                "worker-" + (++spawned),
                workerDispatcher);
    spawn.lane().attach(worker);
    if (draining != null) {
      drain(spawn.lane());
    }
    return this;
  }

  private <T> Behavior<Command> onQuery(Query<T> query) {
    LaneCommand.Routed command = query.query().apply(query.replyTo());
    if (!query.ifLive()) {
      services.router().deliver(query.laneKey(), command);
    } else if (!services.router().deliverIfLive(query.laneKey(), command)) {
      query.replyTo().tell(query.ifNotLive());
    }
    return this;
  }

  private Behavior<Command> onDrain(Drain drain) {
    interruptedBefore = services.counters().interrupted.sum();
    // At DEBUG: ParleyServer logs the operator's pair of lines, with what ended how.
    LOG.debug(
        "drain started: {} lanes, {} events pending or running, timeout {}",
        services.lanes().size(),
        services.counters().outstanding.sum(),
        drain.timeout());
    drainReplyTo = drain.replyTo();
    draining = new HashSet<>();
    for (Lane lane : services.lanes().all()) {
      if (lane.worker() != null) { // else its SpawnWorker, after this message, drains it
        drain(lane);
      }
    }
    timers.startSingleTimer(DrainTimedOut.INSTANCE, drain.timeout());
    return checkDrained();
  }

  /**
   * Has the worker of {@code lane} answer once it is idle; nothing to wait for if it passivated.
   */
  private void drain(Lane lane) {
    if (lane.tryDeliver(new LaneCommand.Drain(drainedAdapter))) {
      draining.add(lane.worker());
    }
  }

  private Behavior<Command> onWorkerDone(ActorRef<LaneCommand> worker) {
    if (draining != null) {
      draining.remove(worker);
      return checkDrained();
    }
    return this;
  }

  private Behavior<Command> onDrainTimedOut() {
    if (draining != null) {
      LOG.warn("drain timed out: interrupting the events left in {} lanes", draining.size());
      draining.forEach(worker -> worker.tell(new LaneCommand.Interrupt(INTERRUPT_REASON)));
    }
    return this;
  }

  private Behavior<Command> checkDrained() {
    if (draining.isEmpty()) {
      LOG.debug(
          "drain ended: {} events interrupted (paused lanes, or past the timeout)",
          services.counters().interrupted.sum() - interruptedBefore);
      timers.cancel(DrainTimedOut.INSTANCE);
      drainReplyTo.tell(Done.getInstance());
      draining = null;
    }
    return this;
  }
}
