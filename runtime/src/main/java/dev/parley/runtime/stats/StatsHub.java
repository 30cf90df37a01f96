package dev.parley.runtime.stats;

import dev.parley.runtime.WorkerHealth;
import dev.parley.runtime.admission.Admission;
import dev.parley.runtime.controls.Pauses;
import dev.parley.runtime.internal.Counters;
import dev.parley.runtime.internal.DeadLetterStore;
import dev.parley.runtime.lane.Effect;
import dev.parley.runtime.lane.Lane;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.stream.BoundedSourceQueue;

/**
 * Publishes a {@link StateUpdate} every interval to the monitor's broadcast queue, built from the
 * figures every live lane publishes in its routing entry (the ones {@code stats()} reads): workers
 * send the hub nothing, and every update holds only the top lanes.
 */
public final class StatsHub extends AbstractBehavior<StatsHub.Command> {

  public sealed interface Command {}

  /** Build an update of the lanes whose key starts with {@code prefix}, showing {@code top}. */
  public record View(String prefix, int top, CompletableFuture<StateUpdate> replyTo)
      implements Command {}

  private enum Tick implements Command {
    INSTANCE
  }

  /** What the hub reads its figures from, and where it publishes. */
  public record Setup(
      Supplier<Collection<Lane>> lanes,
      Pauses pauses,
      Duration interval,
      int topLanes,
      Counters counters,
      AtomicReference<Admission.State> admissionState,
      DeadLetterStore deadLetters,
      BooleanSupplier running,
      LatencyRecorder latency,
      LongSupplier nanoClock,
      BoundedSourceQueue<StateUpdate> out,
      AtomicReference<StateUpdate> latest) {}

  private static final Comparator<LaneReport> RANK =
      Comparator.comparingInt(LaneReport::depth)
          .thenComparingInt(report -> severity(report.health()))
          .reversed()
          .thenComparing(LaneReport::laneKey);

  private final Setup setup;
  private long lastTickNanos;
  private long lastAccepted;
  private long lastCompleted;
  private long lastFailed;
  private StateUpdate.Throughput throughput = new StateUpdate.Throughput(0, 0, 0);
  private StateUpdate.Latency latency = new StateUpdate.Latency(0, 0, 0, 0);

  public static Behavior<Command> create(Setup setup) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> {
                  timers.startTimerAtFixedRate(Tick.INSTANCE, setup.interval());
                  return new StatsHub(ctx, setup);
                }));
  }

  private StatsHub(ActorContext<Command> ctx, Setup setup) {
    super(ctx);
    this.setup = setup;
    lastTickNanos = setup.nanoClock().getAsLong();
    publish(); // the first update at once, so that a subscriber never waits a whole interval
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(View.class, this::onView)
        .onMessageEquals(Tick.INSTANCE, this::onTick)
        .onSignal(PostStop.class, signal -> onPostStop())
        .build();
  }

  private Behavior<Command> onView(View view) {
    view.replyTo().complete(build(view.prefix(), view.top()));
    return this;
  }

  private Behavior<Command> onTick() {
    long now = setup.nanoClock().getAsLong();
    double seconds = Math.max(1e-9, (now - lastTickNanos) / 1e9);
    lastTickNanos = now;
    Counters counters = setup.counters();
    long accepted = counters.accepted.sum();
    long completed = counters.completed.sum();
    long failed = failed(counters);
    throughput =
        new StateUpdate.Throughput(
            (accepted - lastAccepted) / seconds,
            (completed - lastCompleted) / seconds,
            (failed - lastFailed) / seconds);
    lastAccepted = accepted;
    lastCompleted = completed;
    lastFailed = failed;
    latency = setup.latency().takeInterval();
    publish();
    return this;
  }

  private void publish() {
    StateUpdate update = build("", setup.topLanes());
    setup.latest().set(update);
    try {
      setup.out().offer(update); // dropped only when the hub's buffer is full: the next follows
    } catch (IllegalStateException e) {
      // the stream has stopped with the actor system: nobody is left to tell
    }
  }

  private static long failed(Counters counters) {
    return counters.failed.sum()
        + counters.timedOut.sum()
        + counters.deadLettered.sum()
        + counters.interrupted.sum();
  }

  /**
   * One pass over the live lanes' published figures: the lanes shown, the counts by health and the
   * queue length all come from it, so one update never contradicts itself.
   */
  private StateUpdate build(String prefix, int top) {
    PriorityQueue<LaneReport> shown = new PriorityQueue<>(top + 1, RANK.reversed());
    Map<WorkerHealth, Integer> byHealth = new EnumMap<>(WorkerHealth.class);
    for (WorkerHealth health : WorkerHealth.values()) {
      byHealth.put(health, 0);
    }
    int all = 0;
    int matching = 0;
    long queueLength = 0;
    for (Lane lane : setup.lanes().get()) {
      Effect.LaneFigures figures = lane.figures();
      WorkerHealth health = setup.pauses().shown(lane.key(), figures.health());
      all++;
      queueLength += figures.pending();
      byHealth.merge(health, 1, Integer::sum);
      if (!lane.key().startsWith(prefix)) {
        continue;
      }
      matching++;
      shown.add(report(lane.key(), figures, health));
      if (shown.size() > top) {
        shown.poll(); // the lowest ranked
      }
    }
    List<LaneReport> ranked = new ArrayList<>(shown);
    ranked.sort(RANK);
    Counters counters = setup.counters();
    long inFlight = Math.max(0, counters.inFlight.sum());
    Admission.State permits = setup.admissionState().get();
    return new StateUpdate(
        System.currentTimeMillis(),
        queueLength,
        setup.running().getAsBoolean(),
        new StateUpdate.WorkerPool(
            all,
            byHealth.get(WorkerHealth.BUSY) + byHealth.get(WorkerHealth.UNHEALTHY),
            byHealth,
            ranked),
        new StateUpdate.Permits(
            permits.maxInFlight(),
            permits.effectiveMaxInFlight(),
            (int) inFlight, // events running (or waiting to retry), capped or not
            permits.waiting()),
        throughput,
        latency,
        new StateUpdate.Totals(
            counters.accepted.sum(),
            counters.completed.sum(),
            counters.failed.sum(),
            counters.timedOut.sum(),
            counters.deadLettered.sum(),
            counters.cancelled.sum(),
            counters.interrupted.sum(),
            counters.restarts.sum()),
        setup.deadLetters().size(),
        ranked.size(),
        matching);
  }

  private static LaneReport report(
      String laneKey, Effect.LaneFigures figures, WorkerHealth health) {
    return new LaneReport(
        laneKey,
        figures.pending(),
        health,
        Optional.ofNullable(figures.runningId()),
        figures.completed(),
        figures.failed(),
        figures.restarts(),
        figures.averageMs());
  }

  /** How much a lane in this health asks for attention: the higher, the earlier it is shown. */
  private static int severity(WorkerHealth health) {
    return switch (health) {
      case UNHEALTHY -> 5;
      case RESTARTING -> 4;
      case BUSY -> 3;
      case STARTING -> 2;
      case PAUSED -> 1;
      case HEALTHY -> 0;
    };
  }

  private Behavior<Command> onPostStop() {
    try {
      setup.out().complete(); // subscribers' streams complete
    } catch (IllegalStateException e) {
      // already completed: the actor system stopped the stream first
    }
    return this;
  }
}
