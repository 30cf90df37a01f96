package dev.parley.runtime.stats;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The runtime's live state as a stream ({@code Parley.monitor()}): one {@link StateUpdate} at once,
 * then one every {@code parley.monitor.interval}, shared by any number of subscribers. A slow
 * subscriber never holds the others back: its stream conflates to the newest update.
 */
public final class Monitor {
  /** The most lanes one update may show. */
  public static final int MAX_TOP = 10_000;

  private final ActorRef<StatsHub.Command> hub;
  private final Source<StateUpdate, NotUsed> broadcast;
  private final AtomicReference<StateUpdate> latest;
  private final Duration interval;
  private final int topLanes;

  public Monitor(
      ActorRef<StatsHub.Command> hub,
      Source<StateUpdate, NotUsed> broadcast,
      AtomicReference<StateUpdate> latest,
      Duration interval,
      int topLanes) {
    this.hub = hub;
    this.broadcast = broadcast;
    this.latest = latest;
    this.interval = interval;
    this.topLanes = topLanes;
  }

  /** How often an update is published ({@code parley.monitor.interval}). */
  public Duration interval() {
    return interval;
  }

  /** How many lanes an update shows unless a subscriber asks otherwise. */
  public int topLanes() {
    return topLanes;
  }

  /** The newest update; empty only in the moment before the hub publishes its first. */
  public Optional<StateUpdate> latest() {
    return Optional.ofNullable(latest.get());
  }

  /** Updates of all lanes, showing the top {@code parley.monitor.top-lanes} by depth. */
  public Source<StateUpdate, NotUsed> updates() {
    return updates("", topLanes);
  }

  /**
   * Updates whose lanes are those with keys starting with {@code prefix}, showing the top {@code
   * top} by depth; the totals are the whole runtime's. Completes when the runtime stops.
   *
   * @throws IllegalArgumentException when {@code top} is outside 1..{@value #MAX_TOP}
   */
  public Source<StateUpdate, NotUsed> updates(String prefix, int top) {
    Objects.requireNonNull(prefix, "prefix");
    checkTop(top);
    Source<StateUpdate, NotUsed> ticks = broadcast.conflate((older, newer) -> newer);
    if (prefix.isEmpty() && top == topLanes) {
      return Source.lazyCompletionStage(this::latestOrSnapshot).concat(ticks);
    }
    return Source.lazyCompletionStage(() -> snapshot(prefix, top))
        .concat(ticks.mapAsync(1, tick -> snapshot(prefix, top)));
  }

  /** The newest update; one built now while the hub has not published its first. */
  private CompletionStage<StateUpdate> latestOrSnapshot() {
    StateUpdate newest = latest.get();
    return newest != null ? CompletableFuture.completedFuture(newest) : snapshot("", topLanes);
  }

  /** An update built now for {@code prefix} and {@code top}. */
  public CompletionStage<StateUpdate> snapshot(String prefix, int top) {
    Objects.requireNonNull(prefix, "prefix");
    checkTop(top);
    CompletableFuture<StateUpdate> reply = new CompletableFuture<>();
    hub.tell(new StatsHub.View(prefix, top, reply));
    return reply.orTimeout(Math.max(5_000, 5 * interval.toMillis()), TimeUnit.MILLISECONDS);
  }

  private static void checkTop(int top) {
    if (top < 1 || top > MAX_TOP) {
      throw new IllegalArgumentException("top must be in 1.." + MAX_TOP + ", got " + top);
    }
  }
}
