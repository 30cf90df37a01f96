package dev.parley.runtime.lane;

import dev.parley.runtime.DoubleTextPolicy;
import dev.parley.runtime.Event;
import dev.parley.runtime.Outcome;
import dev.parley.runtime.WorkerHealth;
import dev.parley.runtime.internal.GroupLanes;
import dev.parley.runtime.lane.LaneCommand.AttemptDone;
import dev.parley.runtime.lane.LaneCommand.Submit;
import java.time.Duration;
import java.util.List;

/**
 * Every rule of one lane: {@code decide(state, session, command, now)} turns a command into lane
 * events, applied to {@code state} as they are decided, and {@link Effect}s for the shell. Pure but
 * for {@code state} and {@code session}: the clock reading comes in as {@code now}, wall time and
 * randomness through the {@link LaneEnvironment}. The rules of attempts (retry, dead letter,
 * timeout, rollback, restarts) are in {@link AttemptRules}, those of operator controls in {@link
 * OperatorRules}.
 */
public final class LaneDecider {
  static final String QUEUE_FULL = "queue-full";
  static final String CANCELLED_BY_OPERATOR = "cancelled";
  static final String EMERGENCY_STOP = "emergency-stop";
  static final String LANE_BUSY = "lane-busy";
  static final String SUPERSEDED = "superseded";
  static final String INTERRUPTED = "interrupted";
  static final String PAUSED = "paused";

  final String laneKey;
  private final boolean inParallelGroup; // its group's permits bound it, even without a global cap
  final LaneEnvironment env;
  final LaneEnvironment.Rules rules;
  private final AttemptRules attempts;
  private LaneQueries queries; // made on first use, as are the operator rules: most of a million
  private OperatorRules operators; // lanes are never asked about nor controlled

  // The command being decided: set by decide, read by the rules it calls.
  LaneState state;
  Session session;
  Decision decision;
  long now;

  public LaneDecider(String laneKey, LaneEnvironment env) {
    this.laneKey = laneKey;
    this.inParallelGroup = GroupLanes.groupOf(laneKey) != null;
    this.env = env;
    this.rules = env.rules();
    this.attempts = new AttemptRules(this);
  }

  public String laneKey() {
    return laneKey;
  }

  private LaneQueries queries() {
    if (queries == null) {
      queries = new LaneQueries(this);
    }
    return queries;
  }

  private OperatorRules operators() {
    if (operators == null) {
      operators = new OperatorRules(this, attempts);
    }
    return operators;
  }

  /** Decides {@code command}; the events are applied to {@code state} already. */
  public Decision decide(LaneState state, Session session, LaneCommand command, long now) {
    begin(new Decision(), state, session, now);
    decideCommand(command);
    publish();
    return end();
  }

  /**
   * As {@link #decide}, into {@code into} (cleared first), but without the lane's figures: for the
   * in-memory worker, which decides the commands of one message in a row, runs each decision's
   * effects before the next, and then publishes the figures once, with {@link #publishInto}, before
   * anything it decided is seen.
   */
  Decision decideInto(
      Decision into, LaneState state, Session session, LaneCommand command, long now) {
    into.clear();
    begin(into, state, session, now);
    decideCommand(command);
    return end();
  }

  /** Into {@code into} (cleared first): the lane's figures, when they changed since last time. */
  Decision publishInto(Decision into, LaneState state, Session session, long now) {
    into.clear();
    begin(into, state, session, now);
    publish();
    return end();
  }

  private void decideCommand(LaneCommand command) {
    if (command instanceof LaneCommand.Routed) {
      session.received++;
    }
    on(command);
    if (state.isIdle() && !session.idleCheckScheduled) {
      scheduleIdleCheck(rules.idleTimeout()); // also retries a passivation a command prevented
    }
  }

  private void begin(Decision into, LaneState state, Session session, long now) {
    this.state = state;
    this.session = session;
    this.decision = into;
    this.now = now;
  }

  private Decision end() {
    Decision decided = decision;
    this.decision = null;
    return decided;
  }

  private void on(LaneCommand command) {
    if (command instanceof Submit submit) {
      onSubmit(submit);
    } else if (command instanceof AttemptDone done) {
      attempts.onDone(done);
    } else if (command instanceof LaneCommand.AttemptWentAsync async) {
      attempts.onWentAsync(async);
    } else if (command instanceof LaneCommand.PermitGranted) {
      session.awaitingPermit = false;
      session.holdsPermit = true;
      runNext();
    } else if (command instanceof LaneCommand.GetStatus query) {
      effect(new Effect.Reply<>(query.replyTo(), queries().statusOf(query.eventId())));
    } else if (command instanceof LaneCommand.GetLaneView query) {
      effect(new Effect.Reply<>(query.replyTo(), queries().view()));
    } else if (command instanceof LaneCommand.Control control) {
      operators().on(control);
    } else if (command instanceof LaneCommand.Nudge) {
      runNext();
    } else if (command instanceof LaneCommand.IdleCheck) {
      onIdleCheck();
    } else if (command instanceof LaneCommand.Drain drain) {
      session.drainReplyTo = drain.replyTo(); // answered once the lane is idle
      runNext();
    } else if (command instanceof LaneCommand.HandOff handOff) {
      session.handingOff = true; // as a paused lane: answered once nothing runs
      session.drainReplyTo = handOff.replyTo();
      runNext();
    } else {
      attempts.on(command);
    }
  }

  private void onSubmit(Submit submit) {
    Job job = submit.job();
    if (state.isBusy() || state.pendingCount() > 0 || state.rollback() != null) {
      DoubleTextPolicy policy = env.policyOf(job.event());
      if (policy == DoubleTextPolicy.REJECT) {
        refuse(submit, LANE_BUSY);
        return;
      }
      if (policy == DoubleTextPolicy.LATEST) {
        cancelPending(SUPERSEDED);
      } else if (policy == DoubleTextPolicy.INTERRUPT || policy == DoubleTextPolicy.ROLLBACK) {
        cancelPending(INTERRUPTED);
        attempts.interruptRunning(INTERRUPTED, policy == DoubleTextPolicy.ROLLBACK);
      }
    }
    if (state.pendingCount() >= rules.maxQueue()) {
      refuse(submit, QUEUE_FULL);
      return;
    }
    event(new LaneEvent.Enqueued(job));
    if (submit.wantsReceipt()) {
      effect(new Effect.Accept(job, queries().receipt(state.pendingCount() - 1)));
    }
    runNext();
  }

  private void refuse(Submit submit, String reason) {
    long retryAfterMs = Math.max(1, Math.round(queries().laneAverageMs()));
    effect(new Effect.Refuse(submit.job(), submit.wantsReceipt(), reason, retryAfterMs));
  }

  /** Cancels every pending event with {@code reason}; returns how many. */
  int cancelPending(String reason) {
    return endPending(reason, false);
  }

  /**
   * Takes every pending event out of the queue unstarted: each ends {@code Cancelled}, or {@code
   * Interrupted} when {@code interrupted}, with {@code reason}. Returns how many.
   */
  int endPending(String reason, boolean interrupted) {
    List<Job> pending = state.pending();
    endUnstarted(pending, reason, interrupted);
    return pending.size();
  }

  /** Takes {@code jobs}, pending, out of the queue unstarted, as {@link #endPending} does all. */
  void endUnstarted(List<Job> jobs, String reason, boolean interrupted) {
    if (jobs.isEmpty()) {
      return;
    }
    event(new LaneEvent.Cancelled(jobs.stream().map(Job::id).toList(), reason));
    for (Job job : jobs) {
      Outcome outcome =
          interrupted
              ? new Outcome.Interrupted(job.id(), reason)
              : new Outcome.Cancelled(job.id(), reason);
      deliver(job, outcome);
    }
  }

  /** The head of the queue may have changed: its priority decides the lane's admission rank. */
  void afterQueueChange() {
    if (session.awaitingPermit) {
      Job head = state.peek();
      if (head == null) {
        session.awaitingPermit = false;
        effect(Effect.WithdrawPermit.INSTANCE);
      } else {
        effect(Effect.RequestPermit.of(head.event()));
      }
    }
    runNext();
  }

  /**
   * Starts the next pending event unless one runs (or waits for its retry or rollback), the lane
   * waits for a permit or a restart backoff, or is paused; goes idle when nothing is left.
   */
  void runNext() {
    if (state.isBusy()) {
      if (session.resuming) {
        attempts.resume();
        if (session.resuming && paused() && session.drainReplyTo != null && rules.journaled()) {
          becameIdle(); // the recovered event did not run again here: it stays for the next start
        }
      }
      return;
    }
    if (attempts.rollingBack()) {
      return;
    }
    if (state.pendingCount() == 0) {
      becameIdle();
      return;
    }
    if (session.restarting) {
      return;
    }
    if (paused()) {
      returnPermit(); // a paused lane neither holds nor waits for a permit
      if (session.drainReplyTo != null) { // a drain does not wait for a lane nobody will resume
        if (!rules.journaled()) { // journaled, they stay pending for the next start
          endPending(PAUSED, true);
        }
        becameIdle();
      }
      return;
    }
    Job head = state.peek();
    if (!hasPermit(head.event())) {
      return;
    }
    List<String> batch = List.of();
    if (state.pendingCount() > 1 && env.policyOf(head.event()) == DoubleTextPolicy.COALESCE) {
      List<Job> rest = state.pending();
      batch = rest.subList(1, rest.size()).stream().map(Job::id).toList();
    }
    event(new LaneEvent.Started(head.id(), 1, batch, now));
    attempts.run();
  }

  /**
   * True when an event of {@code priority} may start; otherwise asks Admission (once) and waits for
   * it. A lane of a parallel group always asks: its group's permits bound it.
   */
  boolean hasPermit(Event next) {
    if (session.holdsPermit || (!env.capped() && !inParallelGroup)) {
      return true;
    }
    if (!session.awaitingPermit) {
      session.awaitingPermit = true;
      effect(Effect.RequestPermit.of(next));
    }
    return false;
  }

  /** Gives back the permit, or the request for one. */
  void returnPermit() {
    if (session.holdsPermit) {
      session.holdsPermit = false;
      effect(Effect.ReleasePermit.INSTANCE);
    }
    if (session.awaitingPermit) {
      session.awaitingPermit = false;
      effect(Effect.WithdrawPermit.INSTANCE);
    }
  }

  void becameIdle() {
    returnPermit();
    if (session.drainReplyTo != null) {
      effect(new Effect.ReportDrained(session.drainReplyTo));
      session.drainReplyTo = null;
    }
  }

  void scheduleIdleCheck(Duration delay) {
    session.idleCheckScheduled = true;
    effect(new Effect.StartTimer(Effect.Timer.IDLE, LaneCommand.IdleCheck.INSTANCE, delay));
  }

  private void onIdleCheck() {
    session.idleCheckScheduled = false;
    if (!state.isIdle() || session.drainReplyTo != null) {
      return; // becameIdle() schedules the next check
    }
    Duration idle = Duration.ofNanos(now - session.idleSinceNanos);
    if (idle.compareTo(rules.idleTimeout()) < 0) {
      scheduleIdleCheck(rules.idleTimeout().minus(idle));
    } else {
      effect(Effect.Passivate.INSTANCE); // refused by the shell when a submit is on its way
    }
  }

  /** Gives an event that never started its outcome. */
  void deliver(Job job, Outcome outcome) {
    effect(new Effect.Deliver(job, outcome, 0, -1, now, false));
  }

  /** The lane's health now: one rule for stats, the monitor and the lane view. */
  WorkerHealth health() {
    if (session.restarting) {
      return WorkerHealth.RESTARTING;
    }
    if (session.attemptLive) {
      return now - session.deadlineNanos > 0 ? WorkerHealth.UNHEALTHY : WorkerHealth.BUSY;
    }
    if (state.isBusy() || state.rollback() != null) {
      return WorkerHealth.BUSY; // between attempts, rolling back, or a call that completes at once
    }
    return paused() ? WorkerHealth.PAUSED : WorkerHealth.HEALTHY;
  }

  /** Whether the lane starts nothing: an operator paused it, or it is being handed over. */
  boolean paused() {
    return session.handingOff || env.paused(laneKey);
  }

  /** Publishes the lane's figures when what the monitor shows has changed. */
  private void publish() {
    WorkerHealth health = health();
    int pending = state.pendingCount();
    long deadline = session.attemptLive ? session.deadlineNanos : 0;
    if (health == session.shownHealth
        && pending == session.shownPending
        && deadline == session.shownDeadline
        && session.restarts == session.shownRestarts
        && !session.changedSincePublished) {
      return;
    }
    session.changedSincePublished = false;
    session.shownHealth = health;
    session.shownPending = pending;
    session.shownDeadline = deadline;
    session.shownRestarts = session.restarts;
    Attempt running = state.running();
    decision.figures(
        pending,
        health,
        running == null ? null : running.id(),
        deadline,
        state.completedCount(),
        state.failedCount(),
        session.restarts,
        state.averageMs());
  }

  void event(LaneEvent event) {
    session.idleSinceNanos = now; // a lane that goes idle now is idle since its last change
    session.changedSincePublished = true;
    state.apply(event);
    decision.event(event);
  }

  void effect(Effect effect) {
    decision.effect(effect);
  }
}
