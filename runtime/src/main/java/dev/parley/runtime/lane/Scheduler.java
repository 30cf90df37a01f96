package dev.parley.runtime.lane;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Parent of every {@link Worker}: spawns one per new lane (callers then deliver to it directly, see
 * {@link Lanes}), and drains them all at shutdown: waits until each has nothing pending or running,
 * and when the drain timeout passes first, interrupts what is left.
 */
public final class Scheduler extends AbstractBehavior<Scheduler.Command> {

  public sealed interface Command {}

  /** Spawn the worker of a new lane and attach it. */
  public record SpawnWorker(Lane lane) implements Command {}

  /**
   * Drain every worker within {@code timeout}, then interrupt what is left; reply when every event
   * has its outcome.
   */
  public record Drain(Duration timeout, ActorRef<Done> replyTo) implements Command {}

  private record WorkerDrained(ActorRef<Worker.Command> worker) implements Command {}

  private record WorkerStopped(ActorRef<Worker.Command> worker) implements Command {}

  private enum DrainTimedOut implements Command {
    INSTANCE
  }

  private static final String INTERRUPT_REASON = "shutdown";

  private final Worker.Setup setup;
  private final DispatcherSelector workerDispatcher;
  private final TimerScheduler<Command> timers;
  private final ActorRef<Worker.Drained> drainedAdapter;
  private final Set<ActorRef<Worker.Command>> workers = new HashSet<>();
  private Set<ActorRef<Worker.Command>> draining;
  private ActorRef<Done> drainReplyTo;
  private long spawned;

  public static Behavior<Command> create(Worker.Setup setup, DispatcherSelector workerDispatcher) {
    return Behaviors.setup(
        ctx -> Behaviors.withTimers(timers -> new Scheduler(ctx, timers, setup, workerDispatcher)));
  }

  private Scheduler(
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers,
      Worker.Setup setup,
      DispatcherSelector workerDispatcher) {
    super(ctx);
    this.setup = setup;
    this.workerDispatcher = workerDispatcher;
    this.timers = timers;
    this.drainedAdapter =
        ctx.messageAdapter(Worker.Drained.class, d -> new WorkerDrained(d.worker()));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(SpawnWorker.class, this::onSpawnWorker)
        .onMessage(Drain.class, this::onDrain)
        .onMessage(WorkerDrained.class, done -> onWorkerDone(done.worker()))
        .onMessage(WorkerStopped.class, this::onWorkerStopped)
        .onMessageEquals(DrainTimedOut.INSTANCE, this::onDrainTimedOut)
        .build();
  }

  private Behavior<Command> onSpawnWorker(SpawnWorker spawn) {
    ActorRef<Worker.Command> worker =
        getContext()
            .spawn(Worker.create(setup, spawn.lane()), "worker-" + (++spawned), workerDispatcher);
    getContext().watchWith(worker, new WorkerStopped(worker));
    workers.add(worker);
    spawn.lane().attach(worker);
    if (draining != null) {
      draining.add(worker);
      worker.tell(new Worker.Drain(drainedAdapter));
    }
    return this;
  }

  private Behavior<Command> onDrain(Drain drain) {
    drainReplyTo = drain.replyTo();
    draining = new HashSet<>(workers);
    draining.forEach(worker -> worker.tell(new Worker.Drain(drainedAdapter)));
    timers.startSingleTimer(DrainTimedOut.INSTANCE, drain.timeout());
    return checkDrained();
  }

  private Behavior<Command> onWorkerStopped(WorkerStopped stopped) {
    workers.remove(stopped.worker());
    return onWorkerDone(stopped.worker());
  }

  private Behavior<Command> onWorkerDone(ActorRef<Worker.Command> worker) {
    if (draining != null) {
      draining.remove(worker);
      return checkDrained();
    }
    return this;
  }

  private Behavior<Command> onDrainTimedOut() {
    if (draining != null) {
      getContext()
          .getLog()
          .warn("drain timed out: interrupting the events left in {} lanes", draining.size());
      draining.forEach(worker -> worker.tell(new Worker.Interrupt(INTERRUPT_REASON)));
    }
    return this;
  }

  private Behavior<Command> checkDrained() {
    if (draining.isEmpty()) {
      timers.cancel(DrainTimedOut.INSTANCE);
      drainReplyTo.tell(Done.getInstance());
      draining = null;
    }
    return this;
  }
}
