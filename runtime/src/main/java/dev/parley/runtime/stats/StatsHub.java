package dev.parley.runtime.stats;

import dev.parley.runtime.WorkerHealth;
import dev.parley.runtime.admission.Admission;
import dev.parley.runtime.controls.Pauses;
import dev.parley.runtime.internal.Counters;
import dev.parley.runtime.internal.DeadLetterStore;
import dev.parley.runtime.lane.Lane;
import dev.parley.runtime.lane.LaneFigures;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.stream.BoundedSourceQueue;

/**
 * Publishes a {@link StateUpdate} every interval to the monitor's broadcast queue, built from the
 * figures every live lane publishes in its routing entry (the ones {@code stats()} reads): workers
 * send the hub nothing, and every update holds only the top lanes. In cluster mode the hub also
 * tells every other node's hub a bounded summary of its own on a {@link Topic}, and its updates
 * merge the summaries of the current members ({@link ClusterStats}).
 */
public final class StatsHub extends AbstractBehavior<StatsHub.Command> {

  public sealed interface Command {}

  /** Build an update of the lanes whose key starts with {@code prefix}, showing {@code top}. */
  public record View(String prefix, int top, CompletableFuture<StateUpdate> replyTo)
      implements Command {}

  private enum Tick implements Command {
    INSTANCE
  }

  /** Another node's summary, heard on the topic. */
  private record Heard(NodeSummary summary) implements Command {}

  /** A node's ask for the others' own updates for a filtered view, heard on the topic. */
  private record Asked(NodeAsk ask) implements Command {}

  /** The other nodes' answers to this hub's ask for {@code view}, by node. */
  private record Gathered(View view, StateUpdate own, Map<String, NodeSummary> answers)
      implements Command {}

  /** The topic every node's hub publishes its summary on, and hears the others' on. */
  static final String SUMMARIES = "parley-node-summaries";

  /** The topic every node's hub asks the others on, for a filtered view. */
  static final String ASKS = "parley-node-asks";

  /**
   * What the hub reads its figures from, and where it publishes.
   *
   * @param cluster cluster mode: how long another node's last summary counts (the hub then tells
   *     the other nodes its own figures and merges theirs); empty in one JVM
   */
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
      AtomicReference<StateUpdate> latest,
      Optional<Duration> cluster) {}

  private final Setup setup;
  private final ClusterStats cluster; // null in one JVM
  private final ActorRef<Topic.Command<NodeSummary>> summaries;
  private final ActorRef<Topic.Command<NodeAsk>> asks;
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
    if (setup.cluster().isPresent()) {
      cluster = new ClusterStats(self(ctx), setup.cluster().get());
      summaries = ctx.spawn(Topic.create(NodeSummary.class, SUMMARIES), "node-summaries");
      summaries.tell(Topic.subscribe(ctx.messageAdapter(NodeSummary.class, Heard::new)));
      asks = ctx.spawn(Topic.create(NodeAsk.class, ASKS), "node-asks");
      asks.tell(Topic.subscribe(ctx.messageAdapter(NodeAsk.class, Asked::new)));
    } else {
      cluster = null;
      summaries = null;
      asks = null;
    }
    lastTickNanos = setup.nanoClock().getAsLong();
    publish(); // the first update at once, so that a subscriber never waits a whole interval
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(View.class, this::onView)
        .onMessageEquals(Tick.INSTANCE, this::onTick)
        .onMessage(Heard.class, this::onHeard)
        .onMessage(Asked.class, this::onAsked)
        .onMessage(Gathered.class, this::onGathered)
        .onSignal(PostStop.class, signal -> onPostStop())
        .build();
  }

  /**
   * A view the summaries cannot show (a prefix, or more lanes than they hold) asks the other nodes
   * for their own, in cluster mode; any other is built at once.
   */
  private Behavior<Command> onView(View view) {
    Set<String> others = new HashSet<>();
    if (cluster != null
        && (!view.prefix().isEmpty()
            || view.top() > Math.min(setup.topLanes(), NodeSummary.MAX_LANES))) {
      others.addAll(members().keySet());
      others.remove(cluster.self());
    }
    if (others.isEmpty()) {
      view.replyTo().complete(view(view.prefix(), view.top()));
      return this;
    }
    StateUpdate own = build(view.prefix(), view.top());
    Consumer<ActorRef<NodeSummary>> ask =
        replyTo ->
            asks.tell(
                Topic.publish(new NodeAsk(cluster.self(), view.prefix(), view.top(), replyTo)));
    getContext()
        .spawnAnonymous(
            NodeViews.create(
                others,
                setup.interval(), // a node that has not answered by the next update shows as before
                ask,
                getContext().getSelf(),
                answers -> new Gathered(view, own, answers)));
    return this;
  }

  private Behavior<Command> onAsked(Asked asked) {
    NodeAsk ask = asked.ask();
    if (!ask.from().equals(cluster.self())) {
      int top = Math.max(1, Math.min(ask.top(), NodeSummary.MAX_LANES));
      ask.replyTo().tell(NodeSummary.of(cluster.self(), build(ask.prefix(), top)));
    }
    return this;
  }

  private Behavior<Command> onGathered(Gathered gathered) {
    View view = gathered.view();
    long now = setup.nanoClock().getAsLong();
    view.replyTo()
        .complete(
            cluster.merge(
                gathered.own(), members(), now, view.prefix(), view.top(), gathered.answers()));
    return this;
  }

  private Behavior<Command> onHeard(Heard heard) {
    cluster.received(heard.summary(), setup.nanoClock().getAsLong());
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
    StateUpdate own = build("", setup.topLanes());
    if (cluster != null) {
      summaries.tell(Topic.publish(NodeSummary.of(cluster.self(), own)));
    }
    StateUpdate update = merged(own, "", setup.topLanes());
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

  /** An update for {@code prefix} and {@code top}: this node's, merged with the others' if any. */
  private StateUpdate view(String prefix, int top) {
    return merged(build(prefix, top), prefix, top);
  }

  private StateUpdate merged(StateUpdate own, String prefix, int top) {
    if (cluster == null) {
      return own;
    }
    return cluster.merge(own, members(), setup.nanoClock().getAsLong(), prefix, top);
  }

  /**
   * The members whose lanes count, each with whether it is {@code Up}: a leaving node still hosts
   * lanes until it has handed them over; a joining one hosts none yet.
   */
  private Map<String, Boolean> members() {
    Map<String, Boolean> members = new HashMap<>();
    for (Member member : Cluster.get(getContext().getSystem()).state().getMembers()) {
      MemberStatus status = member.status();
      if (status == MemberStatus.up()
          || status == MemberStatus.weaklyUp()
          || status == MemberStatus.leaving()) {
        members.put(node(member.address()), status == MemberStatus.up());
      }
    }
    return members;
  }

  private static String self(ActorContext<Command> ctx) {
    return node(Cluster.get(ctx.getSystem()).selfMember().address());
  }

  /** A node's address as the monitor shows it: {@code host:port}. */
  private static String node(Address address) {
    return address.getHost().orElse("") + ":" + address.getPort().map(String::valueOf).orElse("");
  }

  /**
   * One pass over the live lanes' published figures: the lanes shown, the counts by health and the
   * queue length all come from it, so one update never contradicts itself.
   */
  private StateUpdate build(String prefix, int top) {
    PriorityQueue<LaneReport> shown = new PriorityQueue<>(top + 1, LaneReport.RANK.reversed());
    Map<WorkerHealth, Integer> byHealth = new EnumMap<>(WorkerHealth.class);
    for (WorkerHealth health : WorkerHealth.values()) {
      byHealth.put(health, 0);
    }
    int all = 0;
    int matching = 0;
    long queueLength = 0;
    for (Lane lane : setup.lanes().get()) {
      LaneFigures figures = lane.figures();
      WorkerHealth health = setup.pauses().shown(lane.key(), figures.health());
      all++;
      queueLength += figures.pending();
      byHealth.merge(health, 1, Integer::sum);
      if (!lane.key().startsWith(prefix)) {
        continue;
      }
      matching++;
      shown.add(report(lane.key(), figures, health, cluster == null ? null : cluster.self()));
      if (shown.size() > top) {
        shown.poll(); // the lowest ranked
      }
    }
    List<LaneReport> ranked = new ArrayList<>(shown);
    ranked.sort(LaneReport.RANK);
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
        matching,
        List.of());
  }

  private static LaneReport report(
      String laneKey, LaneFigures figures, WorkerHealth health, String node) {
    return new LaneReport(
        laneKey,
        figures.pending(),
        health,
        Optional.ofNullable(figures.runningId()),
        figures.completed(),
        figures.failed(),
        figures.restarts(),
        figures.averageMs(),
        node);
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
