package dev.parley.runtime.admission;

import dev.parley.runtime.Priority;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Hands out the permits of the global in-flight cap ({@code parley.admission.max-in-flight}): a
 * lane with a ready event asks for one, runs the event, and gives it back. Waiting lanes are served
 * by {@link AdmissionQueue}'s order. With adaptive admission on, the effective cap halves under
 * memory or CPU pressure and comes back step by step. The lanes of a parallel group always ask:
 * they also need one of their group's permits, even when the global cap is unlimited.
 */
public final class Admission extends AbstractBehavior<Admission.Command> {

  /** The adaptive part of the configuration. */
  public record Adaptive(
      boolean enabled,
      double heapHighWatermark,
      double cpuHighWatermark,
      int cpuSustainedChecks,
      Duration checkInterval) {}

  public sealed interface Command {}

  /**
   * Ask for a permit for {@code lane}, whose next event has {@code priority} and {@code tenant};
   * {@code group} is its parallel group, or null.
   */
  public record Request(
      String lane, Priority priority, String tenant, String group, ActorRef<Granted> replyTo)
      implements Command {}

  /** Give back the permit held by {@code lane}. */
  public record Release(String lane) implements Command {}

  /** {@code lane} no longer wants a permit (paused, emptied). */
  public record Withdraw(String lane) implements Command {}

  /** Change the cap; 0 means unlimited. */
  public record SetMaxInFlight(int maxInFlight) implements Command {
    /**
     * @throws IllegalArgumentException when {@code maxInFlight} is negative
     */
    public SetMaxInFlight {
      if (maxInFlight < 0) {
        throw new IllegalArgumentException(
            "maxInFlight: must be 0 (unlimited) or more, got " + maxInFlight);
      }
    }
  }

  /** Set the permits of the parallel group {@code group} (at least 1). */
  public record SetGroupParallelism(String group, int maxParallel) implements Command {
    /**
     * @throws IllegalArgumentException when {@code maxParallel} is below 1
     */
    public SetGroupParallelism {
      if (maxParallel < 1) {
        throw new IllegalArgumentException("maxParallel: must be at least 1, got " + maxParallel);
      }
    }
  }

  /** The permit: run one event, then {@link Release}. */
  public enum Granted {
    INSTANCE
  }

  /**
   * @param maxInFlight the configured cap, 0 when unlimited
   * @param effectiveMaxInFlight the cap in force (lower than the configured one under load)
   */
  public record State(int maxInFlight, int effectiveMaxInFlight, int inFlight, int waiting) {
    /** Before the actor has published its own: the configured cap, no permits. */
    public static State initial(int maxInFlight) {
      return new State(maxInFlight, maxInFlight, 0, 0);
    }
  }

  private enum CheckLoad implements Command {
    INSTANCE
  }

  private final AtomicInteger gate;
  private final AtomicReference<State> published;
  private final LongSupplier nanoClock;
  private final Adaptive adaptive;
  private final LoadProbe probe;
  private final AdmissionQueue queue;
  private final Map<String, ActorRef<Granted>> waiting = new HashMap<>();
  private int configured;
  private int effective;
  private int cpuHighChecks;

  /**
   * @param gate shared with the workers: the cap in force, 0 when unlimited (workers then run
   *     without asking)
   */
  public static Behavior<Command> create(
      int maxInFlight,
      Duration agingInterval,
      Map<String, Integer> tenantWeights,
      Map<String, Integer> groups,
      Adaptive adaptive,
      LoadProbe probe,
      AtomicInteger gate,
      AtomicReference<State> published,
      LongSupplier nanoClock) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> {
                  if (adaptive.enabled()) {
                    timers.startTimerAtFixedRate(CheckLoad.INSTANCE, adaptive.checkInterval());
                  }
                  var queue =
                      new AdmissionQueue(
                          Math.max(1, maxInFlight), agingInterval.toNanos(), tenantWeights);
                  groups.forEach(queue::setGroupMax);
                  return new Admission(
                      ctx, maxInFlight, queue, adaptive, probe, gate, published, nanoClock);
                }));
  }

  private Admission(
      ActorContext<Command> ctx,
      int maxInFlight,
      AdmissionQueue queue,
      Adaptive adaptive,
      LoadProbe probe,
      AtomicInteger gate,
      AtomicReference<State> published,
      LongSupplier nanoClock) {
    super(ctx);
    this.gate = gate;
    this.published = published;
    this.nanoClock = nanoClock;
    this.adaptive = adaptive;
    this.probe = probe;
    this.queue = queue;
    setCap(maxInFlight, maxInFlight);
    publish();
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Request.class, this::onRequest)
        .onMessage(Release.class, this::onRelease)
        .onMessage(Withdraw.class, this::onWithdraw)
        .onMessage(SetMaxInFlight.class, this::onSetMaxInFlight)
        .onMessage(SetGroupParallelism.class, this::onSetGroupParallelism)
        .onMessageEquals(CheckLoad.INSTANCE, this::onCheckLoad)
        .build();
  }

  private Behavior<Command> onRequest(Request request) {
    if (configured == 0 && request.group() == null) {
      request.replyTo().tell(Granted.INSTANCE); // unlimited now: asked before the change
      return this;
    }
    waiting.put(request.lane(), request.replyTo());
    queue.request(
        request.lane(),
        request.priority(),
        request.tenant(),
        request.group(),
        nanoClock.getAsLong());
    return grant();
  }

  private Behavior<Command> onRelease(Release release) {
    if (queue.inFlight() > 0) {
      queue.release(release.lane());
    }
    return grant();
  }

  private Behavior<Command> onSetGroupParallelism(SetGroupParallelism set) {
    queue.setGroupMax(set.group(), set.maxParallel());
    return grant();
  }

  private Behavior<Command> onWithdraw(Withdraw withdraw) {
    queue.withdraw(withdraw.lane());
    waiting.remove(withdraw.lane());
    publish();
    return this;
  }

  private Behavior<Command> onSetMaxInFlight(SetMaxInFlight set) {
    setCap(set.maxInFlight(), set.maxInFlight());
    return grant(); // unlimited now: every waiting lane whose group has room goes
  }

  /** What {@code Parley.stats()} shows, refreshed after every change. */
  private void publish() {
    published.set(new State(configured, effective, queue.inFlight(), queue.waitingCount()));
  }

  private Behavior<Command> onCheckLoad() {
    if (configured == 0) {
      return this;
    }
    boolean heapHigh = probe.heapAfterGc() > adaptive.heapHighWatermark();
    cpuHighChecks = probe.processCpu() > adaptive.cpuHighWatermark() ? cpuHighChecks + 1 : 0;
    boolean cpuHigh = cpuHighChecks >= adaptive.cpuSustainedChecks();
    if (heapHigh || cpuHigh) {
      setCap(configured, Math.max(1, effective / 2));
    } else if (effective < configured) {
      setCap(configured, Math.min(configured, effective + Math.max(1, configured / 4)));
    }
    return grant();
  }

  private void setCap(int configuredCap, int effectiveCap) {
    this.configured = configuredCap;
    this.effective = configuredCap == 0 ? 0 : effectiveCap;
    queue.setMaxInFlight(effective > 0 ? effective : Integer.MAX_VALUE); // groups' lanes still ask
    gate.set(effective);
  }

  private Behavior<Command> grant() {
    long now = nanoClock.getAsLong();
    String lane;
    while ((lane = queue.grantNext(now)) != null) {
      waiting.remove(lane).tell(Granted.INSTANCE);
    }
    publish();
    return this;
  }
}
