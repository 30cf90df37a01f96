package dev.parley.runtime.lane;

import dev.parley.runtime.internal.LaneLogger;
import java.util.ArrayDeque;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-memory shell of one lane: every command goes to the {@link LaneDecider}, whose events are
 * applied to the lane's {@link LaneState} and whose effects an {@link EffectRunner} carries out.
 *
 * <p>Supervision restarts the handler context of an unhealthy lane (a timed-out event, {@code
 * unhealthy-after} failures in a row, an Error from the handler, an exception in the worker) with a
 * fresh handler. The lane's state, session and outbox are made once per spawn, outside the
 * supervised behavior, and the restart keeps the mailbox, so it neither loses nor reorders an
 * event; the backoff is the decider's: the lane waits it out before it starts the next event.
 */
public final class Worker extends AbstractBehavior<LaneCommand> {

  /** What a lane keeps across restarts of its handler context. Touched only by its worker. */
  private static final class Memory {
    final LaneState state = new LaneState();
    final Session session = new Session();
    final Outbox outbox;
    int incarnations;

    Memory(Outbox outbox) {
      this.outbox = outbox;
    }
  }

  /** Thrown to have supervision restart the handler context; the lane's state is consistent. */
  private static final class UnhealthyLane extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UnhealthyLane(String message) {
      super(message, null, false, false);
    }
  }

  private static final Logger LOG = LoggerFactory.getLogger(Worker.class);

  private final LaneServices services;
  private final String laneKey;
  private final Memory memory;
  private final LaneDecider decider;
  private final ArrayDeque<LaneCommand> inbox = new ArrayDeque<>();
  private final Decision decision = new Decision(); // reused: its effects run before the next
  private final EffectRunner runner;

  public static Behavior<LaneCommand> create(LaneServices services, Lane lane) {
    Memory memory =
        new Memory(new Outbox(lane.key(), services.callbackExecutor(), services.outcomes()));
    return Behaviors.supervise(
            Behaviors.<LaneCommand>setup(
                ctx ->
                    Behaviors.withTimers(
                        timers -> new Worker(ctx, timers, services, lane, memory))))
        .onFailure(
            Throwable.class,
            SupervisorStrategy.restart().withLoggingEnabled(false)); // the worker logs why, once
  }

  private Worker(
      ActorContext<LaneCommand> ctx,
      TimerScheduler<LaneCommand> timers,
      LaneServices services,
      Lane lane,
      Memory memory) {
    super(ctx);
    this.services = services;
    this.laneKey = lane.key();
    this.memory = memory;
    this.decider = new LaneDecider(lane.key(), services.environment());
    this.runner =
        new EffectRunner(
            services,
            lane.key(),
            lane,
            services.lanes().passivator(lane),
            memory.session,
            memory.outbox,
            ctx,
            timers,
            inbox);
    if (memory.incarnations++ == 0) {
      memory.session.idleSinceNanos = services.nanoClock().getAsLong();
    } else {
      services.counters().restarts.increment();
      ctx.getSelf().tell(LaneCommand.Restarted.INSTANCE); // after what arrived meanwhile
    }
  }

  @Override
  public Receive<LaneCommand> createReceive() {
    return newReceiveBuilder().onMessage(LaneCommand.class, this::onCommand).build();
  }

  /**
   * Decides {@code command}, then whatever its effects brought back at once (a handler that
   * completed in its call), publishes the lane's figures once for all of them, and hands the lane's
   * callbacks to its outbox.
   */
  private Behavior<LaneCommand> onCommand(LaneCommand command) {
    inbox.add(command);
    LaneCommand next;
    long now = 0;
    while ((next = inbox.poll()) != null) {
      now = services.nanoClock().getAsLong();
      runner.run(decider.decideInto(decision, memory.state, memory.session, next, now));
      if (runner.restart != null || runner.passivated) {
        break;
      }
    }
    runner.run(decider.publishInto(decision, memory.state, memory.session, now));
    memory.outbox.flush();
    if (runner.restart != null) {
      new LaneLogger(LOG, laneKey, null).debug("restarting: {}", runner.restart);
      throw new UnhealthyLane(runner.restart);
    }
    // same(), not this: a behavior returned as a new one would have supervision wrap it again
    return runner.passivated ? Behaviors.stopped() : Behaviors.same();
  }
}
