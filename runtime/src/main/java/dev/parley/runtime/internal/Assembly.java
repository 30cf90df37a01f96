package dev.parley.runtime.internal;

import com.typesafe.config.Config;
import dev.parley.runtime.EventListener;
import dev.parley.runtime.HandlerFactory;
import dev.parley.runtime.LaneView;
import dev.parley.runtime.RetryPolicy;
import dev.parley.runtime.Stats;
import dev.parley.runtime.admission.Admission;
import dev.parley.runtime.admission.LoadProbe;
import dev.parley.runtime.cluster.ClusterControls;
import dev.parley.runtime.cluster.ClusterOutcomes;
import dev.parley.runtime.controls.Operators;
import dev.parley.runtime.controls.ParallelGroups;
import dev.parley.runtime.controls.Pauses;
import dev.parley.runtime.controls.Policies;
import dev.parley.runtime.journal.JournalListener;
import dev.parley.runtime.journal.JournalSignals;
import dev.parley.runtime.lane.LaneCommand;
import dev.parley.runtime.lane.LocalLanes;
import dev.parley.runtime.lane.Scheduler;
import dev.parley.runtime.registry.EventRegistry;
import dev.parley.runtime.registry.Submissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;

/**
 * The parts of one runtime, wired together once: counters, registry, routing table, intake, the
 * actors, and the helpers the facade's methods delegate to. {@code Parley} holds one.
 */
public final class Assembly {
  /** What the builder gives: the user's handlers and listeners, the injected clocks, a system. */
  public record Inputs(
      HandlerFactory handlers,
      boolean blocking,
      RetryPolicy retryPolicy,
      LoadProbe loadProbe,
      LongSupplier nanoClock,
      Clock clock,
      DoubleSupplier random,
      List<EventListener> listeners,
      List<JournalListener> journalListeners,
      ActorSystem<?> system) {}

  private final ParleyGuardian.Launched launched; // its actor system, guardian and actors
  private final Counters counters = new Counters();
  private final DeadLetterStore deadLetters;
  private final EventRegistry registry;
  private final Pauses pauses = new Pauses();
  private final Policies policies;
  private final MovingAverage movingAverage;
  private final LocalLanes lanes;
  private final LaneAsks asks;
  private final Operators operators;
  private final ParallelGroups groups;
  private final EventLookups lookups;
  private final Intake intake;
  private final JournalSignals journalSignals;
  private final AtomicReference<Admission.State> admissionState = new AtomicReference<>();
  private final Lifecycle lifecycle;
  private final Export export;
  private final ClusterOutcomes cluster; // null in one JVM
  private final Duration askTimeout;

  public Assembly(Inputs in, Config config, Settings settings) {
    this.askTimeout = settings.askTimeout();
    this.movingAverage = new MovingAverage(settings.movingAverageSamples());
    this.deadLetters = new DeadLetterStore(settings.deadLettersMaxEntries());
    this.admissionState.set(Admission.State.initial(settings.maxInFlight()));
    AtomicInteger admissionGate = new AtomicInteger(settings.maxInFlight());
    this.policies = new Policies(settings.doubleTextPolicy());
    this.journalSignals = new JournalSignals(settings.journal(), in.journalListeners());
    this.registry =
        new EventRegistry(
            settings.statusRetain(),
            settings.dedupWindow().toNanos(),
            settings.dedupMaxIds(),
            in.nanoClock());
    Submissions submissions = new Submissions();
    Routing routing = Routing.of(settings, this::scheduler, submissions, registry);
    this.lanes = routing.lanes();
    this.cluster = routing.cluster();
    List<EventListener> listeners = new ArrayList<>(in.listeners());
    if (cluster != null) {
      listeners.add(cluster.watches()); // forwards the events of spaces other nodes watch
    }
    this.intake =
        new Intake(
            settings,
            counters,
            registry,
            submissions,
            routing.router(),
            in.nanoClock(),
            () -> movingAverage.averageMs(counters),
            !listeners.isEmpty(),
            journalSignals,
            routing.cluster());
    CompletableFuture<Done> stopped = new CompletableFuture<>();
    var start =
        new ParleyGuardian.Start(
            settings,
            lanes,
            routing.router(),
            in.handlers(),
            in.blocking(),
            in.retryPolicy(),
            deadLetters,
            counters,
            movingAverage,
            admissionGate,
            admissionState,
            in.loadProbe(),
            in.nanoClock(),
            in.clock(),
            in.random(),
            registry,
            routing.outcomes(),
            pauses,
            policies,
            List.copyOf(listeners),
            journalSignals,
            () -> intake.isAccepting() && !pauses.allPaused(),
            stopped);
    this.launched = ParleyGuardian.launch(start, in.system(), config);
    stopped.thenRun(journalSignals::close);
    ActorSystem<?> system = launched.system();
    this.asks = new LaneAsks(scheduler(), settings.askTimeout(), system.scheduler());
    this.lookups = new EventLookups(intake, registry, asks, routing.cluster());
    this.operators =
        new Operators(lookups, registry, pauses, lanes, asks, !settings.groups().isEmpty());
    this.groups =
        new ParallelGroups(settings.groups(), pauses, lanes, asks, launched.actors().admission());
    this.lifecycle = new Lifecycle(settings, intake, asks, launched, stopped);
    this.export = new Export(lanes, asks, pauses, this::stats, in.clock(), system);
    if (settings.journal().enabled()) {
      new JournalStart(launched, settings, asks, deadLetters, pauses, policies, journalSignals)
          .recover(lifecycle);
    }
    if (cluster != null) { // after the journal restored this node's pauses
      cluster.watches().start(system, in.listeners());
      system.systemActorOf(
          ClusterControls.create(pauses, policies, operators::nudge), "controls", Props.empty());
    }
  }

  private ActorRef<Scheduler.Command> scheduler() {
    return launched.actors().scheduler();
  }

  public ParleyGuardian.Launched launched() {
    return launched;
  }

  public Operators operators() {
    return operators;
  }

  public ParallelGroups groups() {
    return groups;
  }

  public EventLookups lookups() {
    return lookups;
  }

  public Intake intake() {
    return intake;
  }

  public JournalSignals journalSignals() {
    return journalSignals;
  }

  /**
   * {@code Parley.watchSpace}: in cluster mode, has every node tell this one of the space's ended
   * events; a no-op handle in one JVM.
   */
  public CompletionStage<AutoCloseable> watchSpace(String spaceId) {
    if (cluster == null) {
      return CompletableFuture.completedFuture(() -> {});
    }
    return cluster.watches().watch(spaceId, askTimeout);
  }

  public Pauses pauses() {
    return pauses;
  }

  public Policies policies() {
    return policies;
  }

  public DeadLetterStore deadLetters() {
    return deadLetters;
  }

  public Lifecycle lifecycle() {
    return lifecycle;
  }

  public Export export() {
    return export;
  }

  /** {@code Parley.stats()}: the counters and every live lane. */
  public Stats stats() {
    return StatsSnapshot.of(
        lanes.all(),
        pauses,
        counters,
        admissionState.get(),
        deadLetters,
        registry.earlyEvictions(),
        movingAverage);
  }

  /** {@code Parley.lane(laneKey)}: asks its worker; a lane without one is not live. */
  public CompletionStage<LaneView> lane(String laneKey) {
    LaneView notLive = LaneView.notLive(laneKey, pauses.isPaused(laneKey));
    return asks.ask(laneKey, LaneCommand.GetLaneView::new, true, notLive);
  }

  /**
   * Whether the runtime takes new events: accepting, the journal (if any) available, and in cluster
   * mode this node {@code Up}.
   */
  public boolean isAccepting() {
    return intake.isAccepting() && journalSignals.available() && lifecycle.memberUp();
  }
}
