package dev.parley.runtime.internal;

import dev.parley.runtime.lane.LaneCommand;
import dev.parley.runtime.lane.Scheduler;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
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
}
