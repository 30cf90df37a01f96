package dev.parley.runtime;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.parley.runtime.admission.Admission;
import dev.parley.runtime.admission.LoadProbe;
import dev.parley.runtime.internal.Counters;
import dev.parley.runtime.internal.DeadLetterStore;
import dev.parley.runtime.internal.LoggingCheck;
import dev.parley.runtime.internal.MovingAverage;
import dev.parley.runtime.internal.ParleyGuardian;
import dev.parley.runtime.internal.Settings;
import dev.parley.runtime.lane.EventRegistry;
import dev.parley.runtime.lane.Lane;
import dev.parley.runtime.lane.Lanes;
import dev.parley.runtime.lane.Pauses;
import dev.parley.runtime.lane.Policies;
import dev.parley.runtime.lane.Scheduler;
import dev.parley.runtime.lane.Worker;
import dev.parley.runtime.monitor.Monitor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * An embedded Parley runtime. Events of one lane run one at a time in the order they were accepted;
 * lanes run in parallel; every accepted event gets exactly one {@link Outcome}.
 *
 * <pre>{@code
 * try (Parley parley = Parley.builder().handler((event, lane) -> ...).build()) {
 *   parley.submit(Event.to("user-A").payload("hi").build()).thenAccept(System.out::println);
 * }
 * }</pre>
 *
 * <p>Callbacks attached to an outcome stage without an executor run on Parley's own threads: keep
 * them short, or use the {@code *Async} variants.
 */
public final class Parley implements AutoCloseable {
  /** The reason of the {@link Outcome.Rejected} outcome of events submitted after shutdown. */
  public static final String SHUTTING_DOWN = "shutting-down";

  /** The reason of the {@link Outcome.Rejected} outcome of events refused by back-pressure. */
  public static final String QUEUE_FULL = "queue-full";

  private static final int LATENCY_SAMPLE = 16;
  private static final ThreadLocal<int[]> SAMPLE_COUNT = ThreadLocal.withInitial(() -> new int[1]);

  private final Settings settings;
  private final ActorSystem<?> system;
  private final boolean ownsSystem;
  private final Counters counters = new Counters();
  private final DeadLetterStore deadLetters;
  private final EventRegistry registry;
  private final Pauses pauses = new Pauses();
  private final LongSupplier nanoClock;
  private final Policies policies;
  private final MovingAverage movingAverage;
  private final Lanes lanes;
  private final ActorRef<ParleyGuardian.Command> guardian;
  private final ActorRef<Scheduler.Command> scheduler;
  private final ActorRef<Admission.Command> admission;
  private final Optional<Monitor> monitor;
  private final boolean timeAll; // a user listener hears of every event: time each one
  private final boolean sampleLatency; // the monitor's percentiles: time one event in 16
  private final AtomicInteger admissionGate = new AtomicInteger();
  private final AtomicReference<Admission.State> admissionState = new AtomicReference<>();
  private final CompletableFuture<Done> stopped = new CompletableFuture<>();
  private final LongAdder submitting = new LongAdder();
  private volatile boolean accepting = true;
  private CompletableFuture<Done> drain;
  private CompletableFuture<Done> shutdown;

  private Parley(Builder builder, Config config, Settings settings) {
    this.settings = settings;
    this.movingAverage = new MovingAverage(settings.movingAverageSamples());
    this.nanoClock = builder.nanoClock;
    this.deadLetters = new DeadLetterStore(settings.deadLettersMaxEntries());
    // Until the Admission actor has started and published its own: the configured cap, no permits.
    this.admissionState.set(
        new Admission.State(settings.maxInFlight(), settings.maxInFlight(), 0, 0));
    this.admissionGate.set(settings.maxInFlight());
    this.policies = new Policies(settings.doubleTextPolicy());
    this.timeAll = !builder.listeners.isEmpty();
    this.sampleLatency = settings.monitor().enabled();
    this.registry =
        new EventRegistry(
            settings.statusRetain(), settings.dedupWindow().toNanos(), builder.nanoClock);
    this.lanes = new Lanes(lane -> scheduler().tell(new Scheduler.SpawnWorker(lane)));
    CompletableFuture<ParleyGuardian.Started> started = new CompletableFuture<>();
    var start =
        new ParleyGuardian.Start(
            settings,
            lanes,
            builder.handlers,
            builder.blocking,
            builder.retryPolicy,
            deadLetters,
            counters,
            movingAverage,
            admissionGate,
            admissionState,
            builder.loadProbe,
            builder.nanoClock,
            registry,
            pauses,
            policies,
            List.copyOf(builder.listeners),
            () -> accepting && !pauses.allPaused(),
            started,
            stopped);
    if (builder.system == null) {
      ActorSystem<ParleyGuardian.Command> own =
          ActorSystem.create(ParleyGuardian.create(start), settings.systemName(), config);
      this.system = own;
      this.guardian = own;
      this.ownsSystem = true;
    } else {
      this.system = builder.system;
      this.guardian =
          builder.system.systemActorOf(
              ParleyGuardian.create(start), "parley-" + UUID.randomUUID(), Props.empty());
      this.ownsSystem = false;
    }
    try {
      ParleyGuardian.Started actors = awaitStart(started);
      this.scheduler = actors.scheduler();
      this.admission = actors.admission();
      this.monitor = actors.monitor();
    } catch (IllegalStateException e) {
      if (ownsSystem) {
        system.terminate();
      }
      throw e;
    }
    // JVM termination (SIGTERM) and the system's own shutdown drain Parley first.
    CoordinatedShutdown.get(system)
        .addTask(
            CoordinatedShutdown.PhaseServiceRequestsDone(),
            "parley-drain-" + guardian.path().name(),
            this::drain);
  }

  private ParleyGuardian.Started awaitStart(CompletableFuture<ParleyGuardian.Started> started) {
    try {
      return started.get(settings.startupTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting Parley", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(
          "Parley did not start within parley.startup-timeout (" + settings.startupTimeout() + ")",
          e);
    }
  }

  /**
   * The live state of this runtime as a stream of {@link dev.parley.runtime.monitor.StateUpdate}s,
   * one every {@code parley.monitor.interval}.
   *
   * @throws IllegalStateException when {@code parley.monitor.enabled} is off
   */
  public Monitor monitor() {
    return monitor.orElseThrow(
        () -> new IllegalStateException("the monitor is off (parley.monitor.enabled = off)"));
  }

  /**
   * The actor system this runtime runs in: the one it started, or the one given to {@link
   * Builder#actorSystem}. Run streams such as {@code monitor().updates()} with it.
   */
  public ActorSystem<?> actorSystem() {
    return system;
  }

  /** Lane reports workers sent to the monitor's stats hub (tests check their coalescing). */
  long monitorReports() {
    return counters.monitorReports.sum();
  }

  private ActorRef<Scheduler.Command> scheduler() {
    return scheduler;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Accepts {@code event} into its lane. The stage completes with the event's terminal outcome, or
   * at once with {@link Outcome.Rejected}: {@value #SHUTTING_DOWN} after {@link #drain()} began,
   * {@value #QUEUE_FULL} when its lane or the runtime is full. An event whose caller-given id was
   * accepted within {@code parley.dedup.window} is not run again: the stage is the first event's.
   * Never throws for a non-null event.
   */
  public CompletionStage<Outcome> submit(Event event) {
    Objects.requireNonNull(event, "event");
    CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    Worker.Submit submit = new Worker.Submit(event, outcome, null, event.hasGivenId());
    Worker.Submit first = accept(submit);
    return first != null ? first.outcome() : outcome;
  }

  /**
   * Accepts {@code event} into its lane and answers at once with a {@link Receipt}: accepted with
   * its position and estimated wait, refused with the reason, or the first event's receipt ({@code
   * duplicate}) when its id was accepted within {@code parley.dedup.window}. Its outcome is then
   * {@link #outcome(String)}.
   */
  public CompletionStage<Receipt> enqueue(Event event) {
    Objects.requireNonNull(event, "event");
    CompletableFuture<Receipt> receipt = new CompletableFuture<>();
    Worker.Submit submit = new Worker.Submit(event, new CompletableFuture<>(), receipt, true);
    Worker.Submit first = accept(submit);
    if (first == null) {
      return receipt;
    }
    return status(first.event().id())
        .thenApply(
            status ->
                new Receipt(
                    event.id(),
                    first.event().laneKey(),
                    Receipt.Status.ACCEPTED,
                    status.map(EventStatus::positionInLane).orElse(-1),
                    0,
                    status.map(EventStatus::etaMs).orElse(0L),
                    null,
                    0,
                    true));
  }

  /**
   * Delivers {@code submit} to its lane, or completes it refused.
   *
   * @return the event accepted earlier with the same id, in which case {@code submit} is dropped
   */
  private Worker.Submit accept(Worker.Submit submit) {
    Event event = submit.event();
    submitting.increment(); // drain() waits for submits in progress before it drains
    try {
      if (!accepting) {
        refuse(submit, SHUTTING_DOWN, 0);
        return null;
      }
      if (counters.outstanding.sum() >= settings.maxPending()) {
        refuse(submit, QUEUE_FULL, Math.max(1, Math.round(movingAverage())));
        return null;
      }
      if (submit.tracked() || timeAll || (sampleLatency && sampled())) {
        submit.timeFrom(nanoClock.getAsLong());
      }
      if (submit.tracked()) {
        Worker.Submit first = registry.register(submit);
        if (first != null) {
          return first;
        }
      }
      counters.accepted.increment();
      counters.outstanding.increment();
      lanes.deliver(event.laneKey(), submit);
      return null;
    } finally {
      submitting.decrement();
    }
  }

  /**
   * Whether the monitor times this event: one in {@value #LATENCY_SAMPLE} of each submitting
   * thread's events, so that every run of that many has one. Timing every event (three clock reads
   * and the recording) measurably cost throughput; the percentiles of a sample that size are as
   * good.
   */
  private static boolean sampled() {
    int[] count = SAMPLE_COUNT.get();
    return count[0]++ % LATENCY_SAMPLE == 0;
  }

  private void refuse(Worker.Submit submit, String reason, long retryAfterMs) {
    Event event = submit.event();
    counters.rejected.increment();
    if (submit.receipt() != null) {
      submit.receipt().complete(Receipt.rejected(event, reason, retryAfterMs));
    }
    submit.outcome().complete(new Outcome.Rejected(event.id(), reason));
  }

  /**
   * The outcome of an event accepted through {@link #enqueue} or with a caller-given id, while it
   * is live and for the {@code parley.status.retain} newest finished ones.
   */
  public Optional<CompletionStage<Outcome>> outcome(String eventId) {
    return Optional.ofNullable(registry.find(eventId)).map(Worker.Submit::outcome);
  }

  /**
   * Where an event accepted through {@link #enqueue} or with a caller-given id is now: pending
   * (with its position and estimated wait), running, or finished (for the {@code
   * parley.status.retain} newest finished ones). Empty for an id Parley does not know.
   */
  public CompletionStage<Optional<EventStatus>> status(String eventId) {
    Worker.Submit submit = registry.find(eventId);
    if (submit == null) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    Outcome outcome = submit.outcome().getNow(null);
    if (outcome != null) {
      return CompletableFuture.completedFuture(Optional.of(submit.finishedStatus(outcome)));
    }
    CompletableFuture<Optional<EventStatus>> reply = new CompletableFuture<>();
    lanes.deliver(submit.event().laneKey(), new Worker.GetStatus(eventId, reply));
    // It may have ended between the two looks: then its outcome answers.
    return reply.thenApply(
        live ->
            live.or(
                () ->
                    Optional.ofNullable(submit.outcome().getNow(null))
                        .map(submit::finishedStatus)));
  }

  /**
   * The event with this id, while {@link #status} knows it (accepted through {@link #enqueue} or
   * with a caller-given id; live, or among the newest finished); empty otherwise.
   */
  public Optional<Event> event(String eventId) {
    return Optional.ofNullable(registry.find(eventId)).map(Worker.Submit::event);
  }

  /**
   * The lane {@code laneKey} as an operator sees it: health, paused, its running and pending events
   * with positions and ETAs, counters. A lane without a live worker (idle, passivated) has none.
   */
  public CompletionStage<LaneView> lane(String laneKey) {
    CompletableFuture<LaneView> reply = new CompletableFuture<>();
    if (!lanes.deliverIfLive(laneKey, new Worker.GetLaneView(reply))) {
      reply.complete(
          new LaneView(
              laneKey,
              false,
              WorkerHealth.HEALTHY,
              pauses.isPaused(laneKey),
              Optional.empty(),
              List.of(),
              0,
              0,
              0));
    }
    return reply;
  }

  /** Whether new events are accepted (false once {@link #drain()} began). */
  public boolean isAccepting() {
    return accepting;
  }

  private double movingAverage() {
    return movingAverage.averageMs(counters.handledNanos.sum(), counters.handled.sum());
  }

  /** A snapshot of the counters and of every live lane. */
  public Stats stats() {
    Map<String, Integer> queueLengths = new HashMap<>();
    Map<String, WorkerHealth> workerHealth = new HashMap<>();
    int active = 0;
    Map<String, Long> laneRestarts = new HashMap<>();
    for (Lane lane : lanes.all()) {
      WorkerHealth health = pauses.shown(lane.key(), lane.health());
      queueLengths.put(lane.key(), lane.pendingCount());
      workerHealth.put(lane.key(), health);
      if (lane.restarts() > 0) {
        laneRestarts.put(lane.key(), lane.restarts());
      }
      if (health == WorkerHealth.BUSY) {
        active++;
      }
    }
    long handledNanos = counters.handledNanos.sum();
    long handled = counters.handled.sum();
    Admission.State permits = admissionState.get();
    long inFlight = Math.max(0, counters.inFlight.sum());
    return new Stats(
        new Stats.Totals(
            counters.accepted.sum(),
            counters.completed.sum(),
            counters.failed.sum(),
            counters.rejected.sum(),
            counters.timedOut.sum(),
            counters.deadLettered.sum(),
            counters.cancelled.sum(),
            counters.interrupted.sum(),
            inFlight,
            counters.pending(inFlight),
            counters.restarts.sum(),
            counters.passivated.sum()),
        workerHealth.size(),
        active,
        new Stats.AdmissionStats(
            permits.maxInFlight(),
            permits.effectiveMaxInFlight(),
            permits.inFlight(),
            permits.waiting()),
        queueLengths,
        workerHealth,
        laneRestarts,
        deadLetters.size(),
        deadLetters.dropped(),
        movingAverage.averageMs(handledNanos, handled));
  }

  /**
   * Changes the global cap at runtime; 0 means unlimited. A lower cap takes effect as running
   * events end. Events that started while the runtime was unlimited do not count against a cap set
   * later.
   *
   * @throws IllegalArgumentException when {@code maxInFlight} is negative
   */
  public void setMaxInFlight(int maxInFlight) {
    if (maxInFlight < 0) {
      throw new IllegalArgumentException(
          "maxInFlight: must be 0 (unlimited) or more, got " + maxInFlight);
    }
    admission.tell(new Admission.SetMaxInFlight(maxInFlight));
  }

  /**
   * Sets the double-text policy of one space (events that name their own policy keep it); {@code
   * null} returns the space to the runtime default ({@code parley.double-text.policy}).
   */
  public void policy(String spaceId, DoubleTextPolicy policy) {
    if (spaceId == null || !Event.isName(spaceId)) {
      throw new IllegalArgumentException(
          "spaceId: must match " + Event.NAME.pattern() + ", got " + spaceId);
    }
    policies.set(spaceId, policy);
  }

  /**
   * Cancels a pending event (accepted through {@link #enqueue} or with a caller-given id): it ends
   * {@link Outcome.Cancelled}. Completes false when the event is running, has ended, or is unknown.
   */
  public CompletionStage<Boolean> cancel(String eventId) {
    Worker.Submit submit = registry.find(eventId);
    if (submit == null || submit.outcome().isDone()) {
      return CompletableFuture.completedFuture(false);
    }
    CompletableFuture<Boolean> reply = new CompletableFuture<>();
    lanes.deliver(submit.event().laneKey(), new Worker.Cancel(eventId, reply));
    return reply;
  }

  /**
   * Moves a pending event to {@code newIndex} among its lane's pending events (0 runs next; an
   * index past the end moves it last). Completes false when it is not pending.
   */
  public CompletionStage<Boolean> move(String eventId, int newIndex) {
    Worker.Submit submit = registry.find(eventId);
    if (submit == null || submit.outcome().isDone()) {
      return CompletableFuture.completedFuture(false);
    }
    CompletableFuture<Boolean> reply = new CompletableFuture<>();
    lanes.deliver(submit.event().laneKey(), new Worker.Move(eventId, newIndex, reply));
    return reply;
  }

  /**
   * Pauses a lane: its running event finishes, then it starts nothing until {@link #resume}; its
   * queue keeps accepting. Returns false when it was paused already.
   */
  public boolean pause(String laneKey) {
    boolean paused = pauses.pause(laneKey);
    lanes.deliverIfLive(laneKey, Worker.Nudge.INSTANCE); // so that its worker shows it paused
    return paused;
  }

  /** Resumes a paused lane. Returns false when it was not paused. */
  public boolean resume(String laneKey) {
    boolean resumed = pauses.resume(laneKey);
    lanes.deliverIfLive(laneKey, Worker.Nudge.INSTANCE);
    return resumed;
  }

  /** Pauses every lane, as {@link #pause} does one. */
  public void pauseAll() {
    pauses.pauseAll();
    lanes.deliverToLive(Worker.Nudge.INSTANCE);
  }

  /** Ends {@link #pauseAll}; lanes paused one by one stay paused. */
  public void resumeAll() {
    pauses.resumeAll();
    lanes.deliverToLive(Worker.Nudge.INSTANCE);
  }

  /**
   * Cancels every pending event ({@link Outcome.Cancelled}, reason {@code emergency-stop}) and
   * interrupts every running one cooperatively: its stage is cancelled and {@link
   * LaneContext#isCancelled()} turns true; a handler that stops ends {@link Outcome.Interrupted},
   * one that ignores it runs on until its timeout. New events are still accepted: pair it with
   * {@link #pauseAll()} to hold them.
   */
  public CompletionStage<EmergencyStopReport> emergencyStop() {
    List<CompletableFuture<Worker.Stopped>> replies = new java.util.ArrayList<>();
    for (Lane lane : lanes.all()) {
      CompletableFuture<Worker.Stopped> reply = new CompletableFuture<>();
      if (lanes.deliverIfLive(lane.key(), new Worker.EmergencyStop(reply))) {
        replies.add(reply);
      }
    }
    return CompletableFuture.allOf(replies.toArray(CompletableFuture[]::new))
        .thenApply(
            done ->
                new EmergencyStopReport(
                    replies.stream().mapToInt(r -> r.join().cancelled()).sum(),
                    replies.stream().mapToInt(r -> r.join().interrupted()).sum()));
  }

  /** What {@link #emergencyStop()} did: pending events cancelled, running events interrupted. */
  public record EmergencyStopReport(int cancelled, int interrupted) {}

  /** The dead-lettered events, newest first. */
  public List<DeadLetter> deadLetters() {
    return deadLetters.list();
  }

  /**
   * Submits a dead-lettered event again, at the tail of its lane, with its attempts counted from 1,
   * and removes it from the dead letters.
   *
   * @return the new outcome, or empty when no dead letter has that id
   */
  public Optional<CompletionStage<Outcome>> redrive(String eventId) {
    return deadLetters
        .take(eventId)
        .map(
            letter -> {
              registry.forget(eventId); // a redrive is meant to run again: not a duplicate
              // Tracked whatever its id, so that it can be looked up where it was before.
              CompletableFuture<Outcome> outcome = new CompletableFuture<>();
              Worker.Submit first = accept(new Worker.Submit(letter.event(), outcome, null, true));
              return first != null ? first.outcome() : outcome;
            });
  }

  /** Removes every dead letter; returns how many there were. */
  public int purgeDeadLetters() {
    return deadLetters.purge();
  }

  /**
   * Stops accepting events, lets running and pending events finish within {@code
   * parley.shutdown.drain-timeout}, and ends what is left {@link Outcome.Interrupted}. The stage
   * completes when every accepted event has its outcome. Idempotent; {@link #shutdown()} and the
   * actor system's coordinated shutdown call it.
   */
  public synchronized CompletionStage<Done> drain() {
    if (drain != null) {
      return drain;
    }
    accepting = false;
    while (submitting.sum() != 0) {
      Thread
          .onSpinWait(); // a submit that saw accepting == true is delivering; it takes microseconds
    }
    Duration drainTimeout = settings.drainTimeout();
    drain =
        AskPattern.<Scheduler.Command, Done>ask(
                scheduler,
                replyTo -> new Scheduler.Drain(drainTimeout, replyTo),
                drainTimeout.plus(settings.startupTimeout()),
                system.scheduler())
            .toCompletableFuture();
    return drain;
  }

  /**
   * {@link #drain() Drains}, then stops the runtime (and its actor system, when Parley started it).
   * Idempotent.
   */
  public synchronized CompletionStage<Done> shutdown() {
    if (shutdown == null) {
      shutdown =
          drain()
              .handle((done, error) -> Done.getInstance())
              .thenCompose(done -> stop())
              .toCompletableFuture();
    }
    return shutdown;
  }

  private CompletionStage<Done> stop() {
    if (ownsSystem) {
      system.terminate();
      return system.getWhenTerminated();
    }
    guardian.tell(ParleyGuardian.Stop.INSTANCE);
    return stopped;
  }

  /** {@link #shutdown()} and wait for it. */
  @Override
  public void close() {
    shutdown().toCompletableFuture().join();
  }

  /** Configures and starts a {@link Parley}. */
  public static final class Builder {
    private HandlerFactory handlers;
    private RetryPolicy retryPolicy = RetryPolicy.none();
    private LoadProbe loadProbe = LoadProbe.jvm();
    private LongSupplier nanoClock = System::nanoTime;
    private boolean blocking;
    private int handlerSources;
    private final List<EventListener> listeners = new ArrayList<>();
    private Config config;
    private ActorSystem<?> system;

    private Builder() {}

    /** One handler shared by every lane (it must then be safe to call from several lanes). */
    public Builder handler(Handler handler) {
      Objects.requireNonNull(handler, "handler");
      return handlers(laneKey -> handler, false);
    }

    /** One handler per lane, made when the lane's worker first needs it. */
    public Builder handlerFactory(HandlerFactory factory) {
      return handlers(Objects.requireNonNull(factory, "handlerFactory"), false);
    }

    /** A handler that blocks its thread: Parley calls it on {@code parley.blocking-dispatcher}. */
    public Builder blockingHandler(Handler handler) {
      Objects.requireNonNull(handler, "blockingHandler");
      return handlers(laneKey -> handler, true);
    }

    /** As {@link #handlerFactory}, for handlers that block their thread. */
    public Builder blockingHandlerFactory(HandlerFactory factory) {
      return handlers(Objects.requireNonNull(factory, "blockingHandlerFactory"), true);
    }

    private Builder handlers(HandlerFactory factory, boolean blocking) {
      this.handlers = factory;
      this.blocking = blocking;
      this.handlerSources++;
      return this;
    }

    /**
     * Tells {@code listener} of every accepted event when it ends (see {@link EventListener} for
     * the threading rules). May be called more than once; listeners are told in that order.
     */
    public Builder listener(EventListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /** How failed and timed-out events are retried (default: {@link RetryPolicy#none()}). */
    public Builder retryPolicy(RetryPolicy retryPolicy) {
      this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
      return this;
    }

    /** Where adaptive admission reads the load; tests give their own. */
    Builder loadProbe(LoadProbe loadProbe) {
      this.loadProbe = Objects.requireNonNull(loadProbe, "loadProbe");
      return this;
    }

    /** The clock of admission's aging, in nanoseconds; tests give a manual one. */
    Builder nanoClock(LongSupplier nanoClock) {
      this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
      return this;
    }

    /** Overrides of the {@code parley} section (and of Pekko's, when Parley owns the system). */
    public Builder config(Config config) {
      this.config = Objects.requireNonNull(config, "config");
      return this;
    }

    /** Runs inside an existing actor system instead of starting one. */
    public Builder actorSystem(ActorSystem<?> system) {
      this.system = Objects.requireNonNull(system, "actorSystem");
      return this;
    }

    /**
     * @throws IllegalArgumentException naming the field, when no handler or more than one was set,
     *     or a configuration value is invalid
     */
    public Parley build() {
      if (handlerSources == 0) {
        throw new IllegalArgumentException(
            "handler: set one of handler, handlerFactory, blockingHandler, blockingHandlerFactory");
      }
      if (handlerSources > 1) {
        throw new IllegalArgumentException(
            "handler: set only one of handler, handlerFactory, blockingHandler,"
                + " blockingHandlerFactory");
      }
      Config fallback = system != null ? system.settings().config() : ConfigFactory.load();
      Config effective = config != null ? config.withFallback(fallback).resolve() : fallback;
      Settings settings = Settings.from(effective);
      if (system == null) {
        // The drain runs in this phase of the coordinated shutdown: give it the time it needs.
        Duration phase = settings.drainTimeout().plus(settings.startupTimeout());
        effective =
            ConfigFactory.parseString(
                    "pekko.coordinated-shutdown.phases.service-requests-done.timeout = "
                        + phase.toMillis()
                        + "ms")
                .withFallback(effective);
      }
      LoggingCheck.warnIfNoProvider(); // else every warning of the runtime vanishes
      return new Parley(this, effective, settings);
    }
  }
}
