package dev.parley.runtime.internal;

import dev.parley.runtime.EventStatus;
import dev.parley.runtime.cluster.Answer;
import dev.parley.runtime.cluster.ClusterOutcomes;
import dev.parley.runtime.lane.LaneCommand;
import dev.parley.runtime.lane.Scheduler;
import dev.parley.runtime.registry.EventRegistry;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/** How the facade asks a lane, which it reaches only through the scheduler: with a timeout. */
public final class LaneAsks {
  private final ActorRef<Scheduler.Command> scheduler;
  private final Duration timeout;
  private final org.apache.pekko.actor.typed.Scheduler timers;

  public LaneAsks(
      ActorRef<Scheduler.Command> scheduler,
      Duration timeout,
      org.apache.pekko.actor.typed.Scheduler timers) {
    this.scheduler = scheduler;
    this.timeout = timeout;
    this.timers = timers;
  }

  /**
   * Asks the lane {@code laneKey} (started if needed, unless {@code ifLive}) what {@code query}
   * asks; a lane that is not live when {@code ifLive} answers {@code ifNotLive}.
   */
  public <T> CompletionStage<T> ask(
      String laneKey,
      Function<ActorRef<T>, LaneCommand.Routed> query,
      boolean ifLive,
      T ifNotLive) {
    return AskPattern.<Scheduler.Command, T>ask(
        scheduler,
        replyTo -> new Scheduler.Query<>(laneKey, query, ifLive, ifNotLive, replyTo),
        timeout,
        timers);
  }

  /** Asks the other nodes of a cluster what they know of the event {@code eventId}. */
  public CompletionStage<Answer.Found> find(ClusterOutcomes cluster, String eventId) {
    return cluster.find(eventId, timeout, timers);
  }

  /** Asks the other nodes of a cluster to answer once the event {@code eventId} has ended. */
  public CompletionStage<Answer.Found> awaitEnd(
      ClusterOutcomes cluster, String eventId, Duration within) {
    return cluster.awaitEnd(eventId, within, timers);
  }

  /** Where a registered event that had not ended when last looked at is now. */
  public CompletionStage<Optional<EventStatus>> status(EventRegistry.Entry entry) {
    String eventId = entry.event().id();
    CompletionStage<Optional<EventStatus>> live =
        ask(
            entry.event().laneKey(),
            replyTo -> new LaneCommand.GetStatus(eventId, replyTo),
            false,
            Optional.empty());
    // It may have ended between the two looks: then its final status answers.
    return live.thenApply(found -> found.or(() -> Optional.ofNullable(entry.finished())));
  }

  /**
   * Has the scheduler drain every lane within {@code timeout} (then interrupt what is left); the
   * stage completes when every event has its outcome, or fails {@code grace} after the timeout.
   */
  public CompletionStage<Done> drain(Duration timeout, Duration grace) {
    return AskPattern.<Scheduler.Command, Done>ask(
        scheduler, replyTo -> new Scheduler.Drain(timeout, replyTo), timeout.plus(grace), timers);
  }
}
