package dev.parley.runtime.monitor;

import dev.parley.runtime.WorkerHealth;
import dev.parley.runtime.admission.Admission;
import dev.parley.runtime.internal.Counters;
import dev.parley.runtime.internal.DeadLetterStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.stream.BoundedSourceQueue;

/**
 * Keeps the last report of every live lane and publishes a {@link StateUpdate} every interval to
 * the monitor's broadcast queue. Workers report at most once per lane per interval; the hub's
 * memory is one entry per live lane, and every update it builds holds only the top lanes.
 */
public final class StatsHub extends AbstractBehavior<StatsHub.Command> {

  public sealed interface Command {}

  /**
   * A worker's report on its lane; {@code incarnation} (the worker's lane object) tells a lane's
   * successive workers apart.
   */
  public record Report(Object incarnation, LaneReport report) implements Command {}

  /** The worker of that incarnation of {@code laneKey} has stopped (passivated). */
  public record Closed(String laneKey, Object incarnation) implements Command {}

  /** Build an update of the lanes whose key starts with {@code prefix}, showing {@code top}. */
  public record View(String prefix, int top, CompletableFuture<StateUpdate> replyTo)
      implements Command {}

  private enum Tick implements Command {
    INSTANCE
  }

  /** What the hub reads its figures from, and where it publishes. */
  public record Setup(
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

  private record Entry(Object incarnation, LaneReport report) {}

  private final Setup setup;
  private final NavigableMap<String, Entry> lanes = new TreeMap<>();
  private final Map<WorkerHealth, Integer> byHealth = new EnumMap<>(WorkerHealth.class);
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
    for (WorkerHealth health : WorkerHealth.values()) {
      byHealth.put(health, 0);
    }
    lastTickNanos = setup.nanoClock().getAsLong();
    publish(); // the first update at once, so that a subscriber never waits a whole interval
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Report.class, this::onReport)
        .onMessage(Closed.class, this::onClosed)
        .onMessage(View.class, this::onView)
        .onMessageEquals(Tick.INSTANCE, this::onTick)
        .onSignal(PostStop.class, signal -> onPostStop())
        .build();
  }

  private Behavior<Command> onReport(Report report) {
    Entry previous =
        lanes.put(report.report().laneKey(), new Entry(report.incarnation(), report.report()));
    if (previous != null) {
      count(previous.report().health(), -1);
    }
    count(report.report().health(), 1);
    return this;
  }

  private Behavior<Command> onClosed(Closed closed) {
    Entry entry = lanes.get(closed.laneKey());
    if (entry != null && entry.incarnation() == closed.incarnation()) { // not a newer worker's
      lanes.remove(closed.laneKey());
      count(entry.report().health(), -1);
    }
    return this;
  }

  private void count(WorkerHealth health, int delta) {
    byHealth.merge(health, delta, Integer::sum);
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

  private StateUpdate build(String prefix, int top) {
    Map<String, Entry> matching =
        prefix.isEmpty() ? lanes : lanes.subMap(prefix, true, prefix + Character.MAX_VALUE, true);
    PriorityQueue<LaneReport> shown = new PriorityQueue<>(top + 1, RANK.reversed());
    for (Entry entry : matching.values()) {
      shown.add(entry.report());
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
        counters.pending(inFlight),
        setup.running().getAsBoolean(),
        new StateUpdate.WorkerPool(
            lanes.size(),
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
        matching.size());
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
