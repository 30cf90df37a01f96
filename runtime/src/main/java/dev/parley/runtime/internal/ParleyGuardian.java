package dev.parley.runtime.internal;

import com.typesafe.config.Config;
import dev.parley.runtime.EventListener;
import dev.parley.runtime.HandlerFactory;
import dev.parley.runtime.RetryPolicy;
import dev.parley.runtime.admission.Admission;
import dev.parley.runtime.admission.LoadProbe;
import dev.parley.runtime.cluster.ClusterOutcomes;
import dev.parley.runtime.cluster.ShardedLanes;
import dev.parley.runtime.controls.Pauses;
import dev.parley.runtime.controls.Policies;
import dev.parley.runtime.journal.JournalSignals;
import dev.parley.runtime.lane.LaneCommand;
import dev.parley.runtime.lane.LaneEntity;
import dev.parley.runtime.lane.LaneEnvironment;
import dev.parley.runtime.lane.LaneRouter;
import dev.parley.runtime.lane.LaneServices;
import dev.parley.runtime.lane.LocalLanes;
import dev.parley.runtime.lane.OutcomeSink;
import dev.parley.runtime.lane.Permits;
import dev.parley.runtime.lane.Scheduler;
import dev.parley.runtime.registry.EventRegistry;
import dev.parley.runtime.stats.LatencyRecorder;
import dev.parley.runtime.stats.Monitor;
import dev.parley.runtime.stats.StateUpdate;
import dev.parley.runtime.stats.StatsHub;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.javadsl.BroadcastHub;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

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
      LocalLanes lanes,
      LaneRouter router,
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
      Clock clock,
      DoubleSupplier random,
      EventRegistry registry,
      OutcomeSink outcomes,
      Pauses pauses,
      Policies policies,
      List<EventListener> listeners,
      JournalSignals journalSignals,
      BooleanSupplier running,
      CompletableFuture<Done> stopped) {}

  /** A started runtime: its actor system, its guardian, its actors. */
  public record Launched(
      ActorSystem<?> system, ActorRef<Command> guardian, boolean ownsSystem, Started actors) {}

  /**
   * Starts the guardian of {@code start} in {@code existing}, or in an actor system of its own made
   * from {@code config} when {@code existing} is null, and waits for its actors.
   *
   * @throws IllegalStateException when they do not start within {@code parley.startup-timeout}
   */
  public static Launched launch(Start start, ActorSystem<?> existing, Config config) {
    CompletableFuture<Started> started = new CompletableFuture<>();
    Behavior<Command> guardian = create(start, started);
    ActorSystem<?> system;
    ActorRef<Command> ref;
    if (existing == null) {
      ActorSystem<Command> own =
          ActorSystem.create(guardian, start.settings().systemName(), config);
      system = own;
      ref = own;
    } else {
      system = existing;
      ref = existing.systemActorOf(guardian, "parley-" + UUID.randomUUID(), Props.empty());
    }
    Duration timeout = start.settings().startupTimeout();
    try {
      return new Launched(
          system, ref, existing == null, started.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw failedStart(
          system, existing, new IllegalStateException("interrupted while starting Parley", e));
    } catch (ExecutionException | TimeoutException e) {
      throw failedStart(
          system,
          existing,
          new IllegalStateException(
              "Parley did not start within parley.startup-timeout (" + timeout + ")", e));
    }
  }

  private static IllegalStateException failedStart(
      ActorSystem<?> system, ActorSystem<?> existing, IllegalStateException error) {
    if (existing == null) {
      system.terminate();
    }
    return error;
  }

  /** The actors the runtime's facade talks to. */
  public record Started(
      ActorRef<Scheduler.Command> scheduler,
      ActorRef<Admission.Command> admission,
      Optional<Monitor> monitor,
      Optional<ActorRef<ShardingEnvelope<LaneCommand>>> lanesRegion) {

    /**
     * @throws IllegalStateException when {@code parley.monitor.enabled} is off
     */
    public Monitor monitorIfOn() {
      return monitor.orElseThrow(
          () -> new IllegalStateException("the monitor is off (parley.monitor.enabled = off)"));
    }
  }

  private static final int UPDATE_BUFFER = 4;

  private final Start start;

  private static Behavior<Command> create(Start start, CompletableFuture<Started> started) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> {
                  timers.startTimerAtFixedRate(Sample.INSTANCE, start.settings().sampleInterval());
                  timers.startTimerAtFixedRate(
                      HealthCheck.INSTANCE, start.settings().healthCheckInterval());
                  return new ParleyGuardian(ctx, start, started);
                }));
  }

  private ParleyGuardian(
      ActorContext<Command> ctx, Start start, CompletableFuture<Started> started) {
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
                settings.tenantWeights(),
                settings.groups(),
                settings.adaptive(),
                start.loadProbe(),
                start.admissionGate(),
                start.admissionState(),
                start.nanoClock()),
            "admission");
    List<EventListener> listeners = new ArrayList<>(start.listeners());
    ActorRef<StatsHub.Command> statsHub = null;
    Monitor monitor = null;
    Settings.Monitor monitoring = settings.monitor();
    if (monitoring.enabled()) {
      LatencyRecorder latency = new LatencyRecorder();
      listeners.add(latency);
      // Subscribers conflate after the hub, so none of them holds it back; the ignoring one keeps
      // it draining while nobody watches, so that a new subscriber starts at the newest update.
      Pair<BoundedSourceQueue<StateUpdate>, Source<StateUpdate, NotUsed>> hub =
          Source.<StateUpdate>queue(UPDATE_BUFFER)
              .toMat(BroadcastHub.of(StateUpdate.class, UPDATE_BUFFER), Keep.both())
              .run(ctx.getSystem());
      hub.second().runWith(Sink.ignore(), ctx.getSystem());
      AtomicReference<StateUpdate> latest = new AtomicReference<>();
      statsHub =
          ctx.spawn(
              StatsHub.create(
                  new StatsHub.Setup(
                      start.lanes()::all,
                      start.pauses(),
                      monitoring.interval(),
                      monitoring.topLanes(),
                      start.counters(),
                      start.admissionState(),
                      start.deadLetters(),
                      start.running(),
                      latency,
                      start.nanoClock(),
                      hub.first(),
                      latest,
                      settings.cluster().enabled()
                          ? Optional.of(monitoring.staleAfter())
                          : Optional.empty())),
              "stats-hub",
              // Beside the workers: on another dispatcher, every report would wake one of its
              // threads, and the wake-ups cost the workers' cores more than the reports do.
              settings.workerDispatcher());
      monitor =
          new Monitor(statsHub, hub.second(), latest, monitoring.interval(), monitoring.topLanes());
    }
    LaneEnvironment environment =
        new RuntimeEnvironment(
            new LaneEnvironment.Rules(
                settings.laneBound(),
                settings.handlerTimeout(),
                settings.unhealthyAfter(),
                start.retryPolicy(),
                settings.restart(),
                settings.idleTimeout(),
                settings.journal().enabled()),
            start.policies(),
            start.pauses(),
            start.admissionGate(),
            start.admissionState(),
            start.counters(),
            start.movingAverage(),
            start.clock(),
            start.random());
    LaneServices services =
        new LaneServices(
            environment,
            start.lanes(),
            start.router(),
            start.handlers(),
            blockingExecutor,
            ctx.getSystem().dispatchers().lookup(settings.callbackDispatcher()),
            start.counters(),
            start.deadLetters(),
            start.registry(),
            start.outcomes(),
            Permits.of(admission),
            start.nanoClock(),
            List.copyOf(listeners),
            settings.journal(),
            start.journalSignals(),
            settings.workerDispatcher());
    ActorRef<Scheduler.Command> scheduler = ctx.spawn(Scheduler.create(services), "scheduler");
    started.complete(
        new Started(
            scheduler,
            admission,
            Optional.ofNullable(monitor),
            Optional.ofNullable(startSharding(ctx, services))));
  }

  /**
   * Cluster mode: this node's edge for the answers of its submitters, and sharding of the lanes,
   * which from now on routes every command; returns the lanes' shard region. Null in one JVM.
   */
  private ActorRef<ShardingEnvelope<LaneCommand>> startSharding(
      ActorContext<Command> ctx, LaneServices services) {
    if (!(start.router() instanceof ShardedLanes sharded)) {
      return null;
    }
    ClusterOutcomes outcomes = (ClusterOutcomes) start.outcomes();
    outcomes.edge(ctx.spawn(outcomes.edgeBehavior(start.nanoClock()), "edge-" + UUID.randomUUID()));
    ClusterSharding sharding = ClusterSharding.get(ctx.getSystem());
    ActorRef<ShardingEnvelope<LaneCommand>> region =
        sharding.init(
            Entity.of(LaneEntity.TYPE_KEY, entity -> LaneEntity.create(services, entity))
                .withStopMessage(LaneCommand.StopEntity.INSTANCE)
                .withEntityProps(start.settings().workerDispatcher()));
    sharded.attach(sharding);
    return region;
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
