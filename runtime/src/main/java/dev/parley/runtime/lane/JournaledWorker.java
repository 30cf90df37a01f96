package dev.parley.runtime.lane;

import dev.parley.runtime.Event;
import dev.parley.runtime.Outcome;
import dev.parley.runtime.registry.EventRegistry;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.RecoveryFailed;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The journaled shell of one lane ({@code parley.durability = journal}): an event-sourced behavior
 * whose command handler is the {@link LaneDecider} and whose event handler is {@link
 * LaneState#apply}. A decision's lane events are written first; its effects (the receipt that says
 * "accepted", the handler call, the outcome) are carried out only once the write succeeded.
 *
 * <p>While live, the decider has applied the events to the state already, so the event handler
 * applies only what recovery replays. After recovery the lane resumes by itself: the event that was
 * running when the runtime stopped runs again, redelivered; finished events become answerable again
 * by id. A restart of the handler context (an unhealthy lane) is a fresh handler; the lane's state
 * stays as it is, in memory and in the journal.
 */
public final class JournaledWorker extends EventSourcedBehavior<LaneCommand, LaneEvent, LaneState> {
  private static final Logger LOG = LoggerFactory.getLogger(JournaledWorker.class);

  /** At most this many commands decided for one write. */
  static final int MAX_BATCH = 1000;

  /** The journal's persistence ids of lanes: {@code lane|<lane key>}. */
  public static final String ENTITY_TYPE = "lane";

  private final LaneServices services;
  private final Lane lane;
  private final ActorContext<LaneCommand> ctx;
  private final TimerScheduler<LaneCommand> timers;
  private final Session session = new Session();
  private final Outbox outbox;
  private final LaneDecider decider;
  private final ArrayDeque<LaneCommand> inbox = new ArrayDeque<>(1); // grows for a burst, once
  private final RecentlyEnded recent;
  private final OwnedIds ids;
  private EffectRunner runner;
  private boolean live; // recovered: events are applied as they are decided
  private List<Decision> writing = List.of(); // their events are being written

  public static Behavior<LaneCommand> create(LaneServices services, Lane lane) {
    return Behaviors.setup(
        ctx -> Behaviors.withTimers(timers -> new JournaledWorker(ctx, timers, services, lane)));
  }

  /** The journal's persistence id of the lane {@code laneKey}. */
  public static PersistenceId persistenceId(String laneKey) {
    return PersistenceId.of(ENTITY_TYPE, laneKey);
  }

  private JournaledWorker(
      ActorContext<LaneCommand> ctx,
      TimerScheduler<LaneCommand> timers,
      LaneServices services,
      Lane lane) {
    super(persistenceId(lane.key()));
    this.ctx = ctx;
    this.timers = timers;
    this.services = services;
    this.lane = lane;
    this.outbox = new Outbox(lane.key(), services.callbackExecutor(), services.outcomes());
    this.decider = new LaneDecider(lane.key(), services.environment());
    this.recent = new RecentlyEnded(services.registry());
    this.ids = new OwnedIds(services, outbox, recent);
    this.runner = newRunner();
  }

  private EffectRunner newRunner() {
    return new EffectRunner(services, lane, session, outbox, ctx, timers);
  }

  @Override
  public LaneState emptyState() {
    return new LaneState();
  }

  /** A snapshot every {@code parley.journal.snapshot-every} events; the older events deleted. */
  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(services.journal().snapshotEvery(), 1)
        .withDeleteEventsOnSnapshot();
  }

  @Override
  public SnapshotAdapter<LaneState> snapshotAdapter() {
    return new SnapshotAdapter<>() {
      @Override
      public Object toJournal(LaneState state) {
        return state.snapshot(recent.list());
      }

      @Override
      public LaneState fromJournal(Object from) {
        LaneSnapshot snapshot = (LaneSnapshot) from;
        recent.restore(snapshot.ended());
        return LaneState.of(snapshot);
      }
    };
  }

  @Override
  public CommandHandler<LaneCommand, LaneEvent, LaneState> commandHandler() {
    return newCommandHandlerBuilder().forAnyState().onAnyCommand(this::onCommand);
  }

  @Override
  public EventHandler<LaneState, LaneEvent> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onAnyEvent(
            (state, event) -> {
              if (!live) {
                recent.replay(state, event);
              }
              return state;
            });
  }

  @Override
  public SignalHandler<LaneState> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), this::onRecovered)
        .onSignal(
            RecoveryFailed.class,
            (state, failed) -> {
              LOG.error(
                  "lane {}: recovery from the journal failed", lane.key(), failed.getFailure());
              services.journalSignals().failed(failed.getFailure());
            })
        .onSignal(PostStop.instance(), state -> onStopped())
        .build();
  }

  private Effect<LaneEvent, LaneState> onCommand(LaneState state, LaneCommand command) {
    if (command instanceof LaneCommand.Interrupt) {
      // The drain ran out of time: what is left stays in the journal and resumes at the next start.
      return Effect().stop();
    }
    if (command != LaneCommand.Pull.INSTANCE) {
      inbox.add(command); // decided with whatever else waits, in one write
    }
    return onPull(state);
  }

  /**
   * Decides what waits (results of user code, timers and permits first, then the commands in the
   * lane's routing entry, in order; up to {@value #MAX_BATCH}) and writes their events at once: one
   * write however many submits came in meanwhile. An idle check is decided alone, so that a lane
   * passivates only between writes.
   */
  private Effect<LaneEvent, LaneState> onPull(LaneState state) {
    lane.pulled();
    List<Decision> decisions = new ArrayList<>();
    while (decisions.size() < MAX_BATCH) {
      LaneCommand next = inbox.peek();
      if (next == LaneCommand.IdleCheck.INSTANCE && !decisions.isEmpty()) {
        break;
      }
      next = next != null ? inbox.poll() : lane.nextInBatch();
      if (next == null) {
        break;
      }
      if (ids.answeredHere(state, next)) {
        session.received++; // a routed command, as if decided
        continue;
      }
      Decision decision = decide(state, next);
      recent.delivered(decision); // before the write: a snapshot it triggers must hold them
      decisions.add(decision);
      if (next == LaneCommand.IdleCheck.INSTANCE) {
        break;
      }
    }
    List<LaneEvent> events = new ArrayList<>();
    decisions.forEach(decision -> events.addAll(decision.events()));
    if (events.isEmpty()) {
      carryOut(decisions);
      return runner.passivated ? Effect().stop() : Effect().none();
    }
    writing = decisions;
    long writeStarted = System.nanoTime();
    return Effect()
        .persist(events)
        .thenRun(
            written -> {
              services.journalSignals().wrote(events.size(), System.nanoTime() - writeStarted);
              writing = List.of();
              carryOut(decisions);
              if (runner.passivated) { // an idle check is decided alone, and decides no event
                throw new IllegalStateException("lane " + lane.key() + " passivated mid-write");
              }
            });
  }

  private Decision decide(LaneState state, LaneCommand command) {
    return decider.decide(state, session, command, services.nanoClock().getAsLong());
  }

  /**
   * Carries out the effects of decisions whose events are written, in order; then pulls again when
   * something waits: what user code brought back at once (a handler that completed in its call), or
   * commands that came in meanwhile.
   */
  private void carryOut(List<Decision> decisions) {
    for (Decision decision : decisions) {
      for (LaneEvent event : decision.events()) {
        if (event instanceof LaneEvent.Redelivered redelivered) {
          services.journalSignals().redelivered(lane.key(), redelivered.eventId());
        }
      }
      runner.run(decision, inbox);
      if (runner.restart != null) {
        LOG.debug("lane {}: restarting its handler context: {}", lane.key(), runner.restart);
        services.counters().restarts.increment();
        runner = newRunner(); // a fresh handler; the state and the session stay
        inbox.add(LaneCommand.Restarted.INSTANCE);
      }
    }
    outbox.flush();
    if (!runner.passivated) {
      lane.pullAgainIfWaiting(ctx.getSelf(), !inbox.isEmpty());
    }
  }

  /**
   * Recovery is over: makes the jobs of this JVM again (tickets, clock readings), registers what
   * ended before the restart, and has the decider resume the lane.
   */
  private void onRecovered(LaneState state) {
    live = true;
    long now = services.nanoClock().getAsLong();
    recent.register(now);
    state.rebase(job -> recovered(job, now), now);
    session.idleSinceNanos = now;
    Attempt running = state.running();
    ctx.getSelf().tell(new LaneCommand.Recovered(running == null ? null : running.id()));
  }

  /** A job recovered from the journal: waiters of this JVM find it by id and get its outcome. */
  private Job recovered(Job job, long now) {
    services.counters().outstanding.increment();
    boolean cluster = job.replyTo() != null; // the node it was submitted through still waits
    CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    Event event = job.event();
    if (job.tracked()) {
      EventRegistry.Entry known =
          services.registry().register(new EventRegistry.Entry(event, outcome));
      if (known != null) { // registered by this JVM before: its submit, or a passivated lane
        outcome = known.outcome();
        event = known.event(); // the registry finishes an entry by its own event
        known.settle(true); // the journal has it: it was accepted
      }
    }
    if (cluster) {
      return new Job(event, job.ticket(), now, job.tracked(), job.timed(), job.replyTo());
    }
    long ticket = services.outcomes().open(outcome, null);
    return new Job(event, ticket, now, job.tracked(), job.timed());
  }

  /**
   * The lane stopped: answers a drain that waits for it, gives back its permit, and refuses the
   * events that were never accepted: those of a write that did not complete (the journal failed)
   * and those still waiting to be decided.
   */
  private void onStopped() {
    if (session.drainReplyTo != null) { // the drain waits for it: nothing runs here any more
      session.drainReplyTo.tell(new LaneCommand.Drained(ctx.getSelf()));
      session.drainReplyTo = null;
    }
    if (session.holdsPermit) {
      session.holdsPermit = false;
      services.permits().release(lane.key());
    }
    if (session.awaitingPermit) {
      session.awaitingPermit = false;
      services.permits().withdraw(lane.key());
    }
    List<Decision> failed = writing;
    writing = List.of();
    if (!failed.isEmpty()) {
      LOG.warn(
          "lane {}: the journal did not take its last write; refusing its new events", lane.key());
      services.journalSignals().failed(null);
    }
    for (Decision decision : failed) {
      for (LaneEvent event : decision.events()) {
        if (event instanceof LaneEvent.Enqueued enqueued) {
          runner.refuseUnwritten(enqueued.job());
        }
      }
    }
    for (LaneCommand.Routed waiting : services.lanes().evict(lane)) {
      if (waiting instanceof LaneCommand.Submit submit) {
        runner.refuseUnwritten(submit.job());
      } else if (waiting instanceof LaneCommand.Drain drain) {
        drain.replyTo().tell(new LaneCommand.Drained(ctx.getSelf()));
      }
    }
    outbox.flush();
  }
}
