package dev.parley.runtime.internal;

import dev.parley.runtime.cluster.HandOver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * How a runtime ends: the drain (stop accepting, let what was accepted finish, interrupt what is
 * left past the drain timeout), then the stop of its actors, or of its actor system when it started
 * one. Registered with Pekko's CoordinatedShutdown, so that a SIGTERM drains first.
 */
public final class Lifecycle {
  private final Settings settings;
  private final Intake intake;
  private final LaneAsks asks;
  private final ParleyGuardian.Launched launched;
  private final CompletableFuture<Done> stopped;
  private final List<Supplier<CompletionStage<?>>> flushes = new CopyOnWriteArrayList<>();
  private CompletableFuture<Done> drain;
  private CompletableFuture<Done> shutdown;

  public Lifecycle(
      Settings settings,
      Intake intake,
      LaneAsks asks,
      ParleyGuardian.Launched launched,
      CompletableFuture<Done> stopped) {
    this.settings = settings;
    this.intake = intake;
    this.asks = asks;
    this.launched = launched;
    this.stopped = stopped;
    // JVM termination (SIGTERM) and the system's own shutdown drain Parley first.
    CoordinatedShutdown.get(launched.system())
        .addTask(
            CoordinatedShutdown.PhaseServiceRequestsDone(),
            "parley-drain-" + launched.guardian().path().name(),
            this::drain);
    CoordinatedShutdown.get(launched.system())
        .addTask(
            CoordinatedShutdown.PhaseBeforeActorSystemTerminate(),
            "parley-flush-" + launched.guardian().path().name(),
            this::flush);
  }

  /**
   * Has {@code flush} run after the drain, before the runtime stops: e.g. to let the journal take
   * the writes still on their way. Its stage's failure does not stop the shutdown.
   */
  public void beforeStop(Supplier<CompletionStage<?>> flush) {
    flushes.add(flush);
  }

  private CompletionStage<Done> flush() {
    CompletableFuture<?>[] all =
        flushes.stream().map(f -> f.get().toCompletableFuture()).toArray(CompletableFuture[]::new);
    return CompletableFuture.allOf(all).handle((done, error) -> Done.getInstance());
  }

  private Duration grace() {
    return settings.startupTimeout();
  }

  /**
   * {@code Parley.drain()}: idempotent. In cluster mode this node's lanes are handed over to the
   * others instead (their running events finish here, their pending ones run there).
   */
  public synchronized CompletionStage<Done> drain() {
    if (drain == null) {
      intake.close();
      Duration timeout = settings.drainTimeout();
      drain =
          launched
              .actors()
              .lanesRegion()
              .map(region -> HandOver.start(launched.system(), region, timeout.plus(grace())))
              .orElseGet(() -> asks.drain(timeout, grace()))
              .toCompletableFuture();
    }
    return drain;
  }

  /** {@code Parley.shutdown()}: drains, then stops. Idempotent. */
  public synchronized CompletionStage<Done> shutdown() {
    if (shutdown == null) {
      shutdown =
          drain()
              .handle((done, error) -> Done.getInstance())
              .thenCompose(done -> flush())
              .thenCompose(done -> stopNow())
              .toCompletableFuture();
    }
    return shutdown;
  }

  /** In cluster mode, whether this node is an {@code Up} member; always true in one JVM. */
  public boolean memberUp() {
    return launched.actors().lanesRegion().isEmpty()
        || Cluster.get(launched.system()).selfMember().status() == MemberStatus.up();
  }

  /** Completes once the runtime's actors have stopped. */
  public CompletionStage<Done> whenStopped() {
    return stopped;
  }

  /** Stops the runtime without a drain (a start that failed); completes once it has stopped. */
  public CompletionStage<Done> stopNow() {
    if (launched.ownsSystem()) {
      launched.system().terminate();
      return launched.system().getWhenTerminated();
    }
    launched.guardian().tell(ParleyGuardian.Stop.INSTANCE);
    return stopped;
  }
}
