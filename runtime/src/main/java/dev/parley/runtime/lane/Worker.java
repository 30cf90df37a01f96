package dev.parley.runtime.lane;

import dev.parley.runtime.internal.LaneLogger;
import java.util.ArrayDeque;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ExtensibleBehavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.Signal;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
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
public final class Worker extends ExtensibleBehavior<LaneCommand> {
  /** Supervision of every worker: restart, whatever was thrown. */
  private static final SupervisorStrategy RESTART =
      SupervisorStrategy.restart().withLoggingEnabled(false); // the worker logs why, once

  /** Thrown to have supervision restart the handler context; the lane's state is consistent. */
  private static final class UnhealthyLane extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UnhealthyLane(String message) {
      super(message, null, false, false);
    }
  }

  private static final Logger LOG = LoggerFactory.getLogger(Worker.class);

  /**
   * What one turn of a worker (one message) works with and leaves for the next: the decision it
   * reuses for each command, and the inbox of what effects brought back at once. A turn never runs
   * inside another, so one per thread serves every lane that runs on it, and a million idle lanes
   * keep none.
   */
  private static final class Turn {
    final Decision decision = new Decision();
    final ArrayDeque<LaneCommand> inbox = new ArrayDeque<>();
  }

  private static final ThreadLocal<Turn> TURNS = ThreadLocal.withInitial(Turn::new);

  private final LaneServices services;
  private final LaneState state;
  private final Session session;
  private final Outbox outbox;
  private final LaneDecider decider;
  private final EffectRunner runner;

  /**
   * The lane's state, session and outbox are made here, once per spawn: every incarnation of the
   * supervised behavior shares them.
   */
  public static Behavior<LaneCommand> create(LaneServices services, Lane lane) {
    LaneState state = new LaneState();
    Session session = new Session();
    Outbox outbox = new Outbox(lane.key(), services.callbackExecutor(), services.outcomes());
    return Behaviors.supervise(
            Behaviors.<LaneCommand>setup(
                ctx ->
                    Behaviors.withTimers(
                        timers -> new Worker(ctx, timers, services, lane, state, session, outbox))))
        .onFailure(Throwable.class, RESTART);
  }

  private Worker(
      ActorContext<LaneCommand> ctx,
      TimerScheduler<LaneCommand> timers,
      LaneServices services,
      Lane lane,
      LaneState state,
      Session session,
      Outbox outbox) {
    this.services = services;
    this.state = state;
    this.session = session;
    this.outbox = outbox;
    this.decider = new LaneDecider(lane.key(), services.environment());
    this.runner = new EffectRunner(services, lane, session, outbox, ctx, timers);
    if (!session.started) {
      session.started = true;
      session.idleSinceNanos = services.nanoClock().getAsLong();
    } else {
      services.counters().restarts.increment();
      ctx.getSelf().tell(LaneCommand.Restarted.INSTANCE); // after what arrived meanwhile
    }
  }

  /**
   * Every command goes to {@link #onCommand}. Not an {@code AbstractBehavior}: its receive table of
   * one entry would cost each of a million lanes a hundred bytes.
   */
  @Override
  public Behavior<LaneCommand> receive(TypedActorContext<LaneCommand> ctx, LaneCommand command) {
    return onCommand(command);
  }

  /** A worker that stops while a drain waits for it (it failed) answers: nothing runs any more. */
  @Override
  public Behavior<LaneCommand> receiveSignal(TypedActorContext<LaneCommand> ctx, Signal signal) {
    if (signal == PostStop.instance() && session.drainReplyTo != null) {
      session.drainReplyTo.tell(new LaneCommand.Drained(ctx.asJava().getSelf()));
      session.drainReplyTo = null;
    }
    return Behaviors.unhandled();
  }

  /**
   * Decides {@code command}, then whatever its effects brought back at once (a handler that
   * completed in its call), publishes the lane's figures once for all of them, and hands the lane's
   * callbacks to its outbox.
   */
  private Behavior<LaneCommand> onCommand(LaneCommand command) {
    Turn turn = TURNS.get();
    Decision decision = turn.decision; // its effects run before the next command is decided
    ArrayDeque<LaneCommand> inbox = turn.inbox;
    inbox.clear(); // what a turn that restarted or passivated left: not this lane's
    inbox.add(command);
    LaneCommand next;
    long now = 0;
    while ((next = inbox.poll()) != null) {
      now = services.nanoClock().getAsLong();
      runner.run(decider.decideInto(decision, state, session, next, now), inbox);
      if (runner.restart != null || runner.passivated) {
        break;
      }
    }
    runner.run(decider.publishInto(decision, state, session, now), inbox);
    outbox.flush();
    if (runner.restart != null) {
      new LaneLogger(LOG, decider.laneKey(), null).debug("restarting: {}", runner.restart);
      throw new UnhealthyLane(runner.restart);
    }
    // same(), not this: a behavior returned as a new one would have supervision wrap it again
    return runner.passivated ? Behaviors.stopped() : Behaviors.same();
  }
}
