package dev.parley.runtime.internal;

import dev.parley.runtime.HandlerFactory;
import dev.parley.runtime.RetryPolicy;
import dev.parley.runtime.admission.Admission;
import dev.parley.runtime.admission.LoadProbe;
import dev.parley.runtime.lane.EventRegistry;
import dev.parley.runtime.lane.Lanes;
import dev.parley.runtime.lane.Pauses;
import dev.parley.runtime.lane.Policies;
import dev.parley.runtime.lane.Scheduler;
import dev.parley.runtime.lane.Worker;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * The root of one Parley runtime: spawns the {@link Scheduler} (which parents every worker),
 * samples the handler-time moving average, and runs the periodic health check that marks lanes
 * whose running event is past its timeout. Stopping it stops the whole runtime.
 */
public final class ParleyGuardian extends AbstractBehavior<ParleyGuardian.Command> {

  public sealed interface Command {}

  /** Stop the runtime (its events must have been drained first). */
  public enum Stop implements Command {
    INSTANCE
  }

  private enum Sample implements Command {
    INSTANCE
  }

  private enum HealthCheck implements Command {
    INSTANCE
  }

  /** What the guardian starts with, and the futures through which it reports. */
  public record Start(
      Settings settings,
      Lanes lanes,
      HandlerFactory handlers,
      boolean blocking,
      RetryPolicy retryPolicy,
      DeadLetterStore deadLetters,
      Counters counters,
      MovingAverage movingAverage,
      AtomicInteger admissionGate,
      AtomicReference<Admission.State> admissionState,
      LoadProbe loadProbe,
      LongSupplier nanoClock,
      EventRegistry registry,
      Pauses pauses,
      Policies policies,
      CompletableFuture<Started> started,
      CompletableFuture<Done> stopped) {}

  /** The actors the runtime's facade talks to. */
  public record Started(
      ActorRef<Scheduler.Command> scheduler, ActorRef<Admission.Command> admission) {}

  private final Start start;

  public static Behavior<Command> create(Start start) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> {
                  timers.startTimerAtFixedRate(Sample.INSTANCE, start.settings().sampleInterval());
                  timers.startTimerAtFixedRate(
                      HealthCheck.INSTANCE, start.settings().healthCheckInterval());
                  return new ParleyGuardian(ctx, start);
                }));
  }

  private ParleyGuardian(ActorContext<Command> ctx, Start start) {
    super(ctx);
    this.start = start;
    Settings settings = start.settings();
    Executor blockingExecutor =
        start.blocking()
            ? ctx.getSystem().dispatchers().lookup(settings.blockingDispatcher())
            : null;
    ActorRef<Admission.Command> admission =
        ctx.spawn(
            Admission.create(
                settings.maxInFlight(),
                settings.agingInterval(),
                settings.adaptive(),
                start.loadProbe(),
                start.admissionGate(),
                start.admissionState(),
                start.nanoClock()),
            "admission");
    Worker.Setup setup =
        new Worker.Setup(
            start.settings(),
            start.lanes(),
            start.handlers(),
            blockingExecutor,
            start.retryPolicy(),
            start.counters(),
            start.deadLetters(),
            admission,
            start.admissionGate(),
            start.admissionState(),
            start.pauses(),
            start.policies(),
            start.registry(),
            settings.maxQueue(),
            () ->
                start
                    .movingAverage()
                    .averageMs(start.counters().handledNanos.sum(), start.counters().handled.sum()),
            start.nanoClock());
    ActorRef<Scheduler.Command> scheduler =
        ctx.spawn(Scheduler.create(setup, settings.workerDispatcher()), "scheduler");
    start.started().complete(new Started(scheduler, admission));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessageEquals(Sample.INSTANCE, this::onSample)
        .onMessageEquals(HealthCheck.INSTANCE, this::onHealthCheck)
        .onMessageEquals(Stop.INSTANCE, Behaviors::stopped)
        .onSignal(PostStop.class, signal -> onPostStop())
        .build();
  }

  private Behavior<Command> onSample() {
    Counters counters = start.counters();
    start.movingAverage().sample(counters.handledNanos.sum(), counters.handled.sum());
    return this;
  }

  private Behavior<Command> onHealthCheck() {
    start.lanes().markOverdue(start.nanoClock().getAsLong());
    return this;
  }

  private Behavior<Command> onPostStop() {
    start.stopped().complete(Done.getInstance());
    return this;
  }
}
