package dev.parley.runtime.lane;

import dev.parley.runtime.DeadLetter;
import dev.parley.runtime.Outcome;
import dev.parley.runtime.Reply;
import dev.parley.runtime.RetryPolicy;
import dev.parley.runtime.internal.Settings;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * The rules of a lane's attempts, part of {@link LaneDecider}: running one, its timeout, its end
 * (completed, retried, dead-lettered, timed out, failed, interrupted), the rollback of an
 * interrupted event, and the restart of an unhealthy lane's handler context with backoff.
 */
final class AttemptRules {
  private final LaneDecider lane;

  AttemptRules(LaneDecider lane) {
    this.lane = lane;
  }

  /** Calls the handler for the attempt that just started. */
  void run() {
    Session session = lane.session;
    session.run++;
    session.attemptOpen = true;
    session.attemptStartedNanos = lane.now;
    lane.effect(new Effect.RunAttempt(lane.state.running(), session.run));
  }

  void onWentAsync(LaneCommand.AttemptWentAsync async) {
    Session session = lane.session;
    if (async.run() != session.run || !session.attemptOpen) {
      return;
    }
    Duration timeout = timeoutOf(lane.state.running());
    session.attemptLive = true;
    session.deadlineNanos = session.attemptStartedNanos + timeout.toNanos();
    countInFlight();
    lane.effect(
        new Effect.StartTimer(
            Effect.Timer.TIMEOUT, new LaneCommand.AttemptTimedOut(session.run), timeout));
  }

  void onDone(LaneCommand.AttemptDone done) {
    Session session = lane.session;
    if (done.run() != session.run || !session.attemptOpen) {
      if (!(done.error() instanceof CancellationException)) { // not the echo of our own cancel
        lane.effect(
            new Effect.Warn(null, "ignoring a result that came after its attempt ended", null));
      }
      return;
    }
    if (session.attemptLive) {
      lane.effect(new Effect.CancelTimer(Effect.Timer.TIMEOUT));
    }
    Throwable error = unwrap(done.error());
    if (lane.state.running().interruptReason() != null && error != null) {
      closeAttempt(); // the handler honoured the interruption: Interrupted, not Failed
      finishInterrupted();
    } else {
      ended(done.reply(), error, false);
    }
    lane.runNext();
  }

  void on(LaneCommand command) {
    Session session = lane.session;
    if (command instanceof LaneCommand.AttemptTimedOut timedOut) {
      if (timedOut.run() == session.run && session.attemptLive) {
        Duration timeout = timeoutOf(lane.state.running());
        lane.effect(Effect.CancelAttempt.INSTANCE);
        lane.effect(
            new Effect.Warn(
                lane.state.running().id(),
                "timed out after " + timeout + "; restarting its handler context",
                null));
        ended(null, new TimeoutException("handler did not complete within " + timeout), true);
      }
    } else if (command instanceof LaneCommand.RetryDue due) {
      if (due.run() == session.run && retryPending() && !session.restarting) {
        // (during a restart's backoff the retry waits: BackoffOver runs it)
        retry();
        lane.runNext();
      }
    } else if (command instanceof LaneCommand.RollbackDone done) {
      if (lane.state.rollback() != null) { // else the lane was interrupted meanwhile
        session.rollingBack = false;
        rolledBack(done.error());
        lane.runNext();
      }
    } else if (command instanceof LaneCommand.Restarted) {
      onRestarted();
    } else if (command instanceof LaneCommand.BackoffOver) {
      session.restarting = false;
      if (retryPending()) {
        retry(); // the restart's backoff stood in for the retry's
      }
      lane.runNext();
    } else if (command instanceof LaneCommand.Interrupt interrupt) {
      onInterrupt(interrupt.reason());
    } else if (command instanceof LaneCommand.Recovered recovered) {
      onRecovered(recovered.runningId());
    } else {
      throw new IllegalArgumentException("not a lane command: " + command);
    }
  }

  private boolean retryPending() {
    Attempt running = lane.state.running();
    return running != null && running.retryPending();
  }

  private void retry() {
    Attempt running = lane.state.running();
    lane.event(new LaneEvent.Started(running.id(), running.number(), List.of(), lane.now));
    run();
  }

  /**
   * After the lane's state was recovered from its journal: the event that was running when the
   * runtime stopped runs again as a new attempt, marked redelivered (at least once); one that was
   * waiting for its retry runs it now; one being interrupted ends as it would have. A rollback that
   * was due runs through {@link LaneDecider#runNext}.
   */
  private void onRecovered(String runningId) {
    Attempt running = lane.state.running();
    // (what runs now may have been started by a command decided before this one)
    boolean cutShort = running != null && running.id().equals(runningId) && lane.session.run == 0;
    if (cutShort && running.interruptReason() != null) {
      finishInterrupted();
    } else if (cutShort) {
      if (!running.retryPending()) {
        lane.event(new LaneEvent.Redelivered(running.id(), running.number() + 1));
      }
      lane.session.resuming = true;
    }
    lane.runNext();
  }

  /** Runs the recovered running event again, once the lane may start an event. */
  void resume() {
    Attempt running = lane.state.running();
    if (lane.session.restarting || lane.paused() || !lane.hasPermit(running.head().event())) {
      return; // BackoffOver, a Nudge on resume, or the permit calls runNext again
    }
    lane.session.resuming = false;
    countInFlight();
    retry();
  }

  /**
   * After supervision restarted the handler context: wait out the backoff, then go on where the
   * previous incarnation stopped. Its timers went with it.
   */
  private void onRestarted() {
    Session session = lane.session;
    session.restarts++;
    session.restarting = true;
    Settings.Restart restart = lane.rules.restart();
    double grown =
        restart.minBackoff().toNanos() * Math.pow(2, Math.min(30, session.restartsInRow));
    long nanos = (long) Math.min(restart.maxBackoff().toNanos(), grown);
    nanos += (long) (nanos * restart.randomFactor() * lane.env.random().getAsDouble());
    session.restartsInRow++;
    lane.effect(
        new Effect.StartTimer(
            Effect.Timer.BACKOFF, LaneCommand.BackoffOver.INSTANCE, Duration.ofNanos(nanos)));
    if (session.attemptLive) { // an attempt still runs: its timer went with the old incarnation
      long left = Math.max(0, session.deadlineNanos - lane.now);
      lane.effect(
          new Effect.StartTimer(
              Effect.Timer.TIMEOUT,
              new LaneCommand.AttemptTimedOut(session.run),
              Duration.ofNanos(left)));
    }
    session.idleCheckScheduled = false; // its timer went too: decide schedules it again
  }

  /**
   * Asks the running event to stop: its stage is cancelled and its context says so. It ends
   * Interrupted when its handler stops, or runs on to its timeout when the handler ignores it.
   *
   * @return whether an event was running
   */
  boolean interruptRunning(String reason, boolean rollback) {
    Attempt running = lane.state.running();
    if (running == null || running.interruptReason() != null) {
      return false;
    }
    lane.event(new LaneEvent.InterruptRequested(reason, rollback));
    if (running.retryPending()) { // between attempts: nothing to wait for
      lane.effect(new Effect.CancelTimer(Effect.Timer.RETRY));
      finishInterrupted();
    } else if (lane.session.attemptLive) {
      lane.effect(Effect.CancelAttempt.INSTANCE);
    }
    return true;
  }

  /** The interrupted event ends Interrupted, or first waits for its rollback. */
  private void finishInterrupted() {
    Attempt running = lane.state.running();
    if (running.rollback()) {
      lane.event(new LaneEvent.RollbackStarted(running.id()));
      release();
    } else {
      end(running, new Outcome.Interrupted(running.id(), running.interruptReason()), -1);
    }
  }

  /** Starts the pending rollback; true while the lane must wait for it. */
  boolean rollingBack() {
    Session session = lane.session;
    if (session.rollingBack) {
      return true;
    }
    Attempt rollback = lane.state.rollback();
    if (rollback == null) {
      return false;
    }
    session.rollingBack = true;
    lane.effect(new Effect.RunRollback(rollback));
    return true;
  }

  private void rolledBack(Throwable error) {
    Attempt rollback = lane.state.rollback();
    if (error != null) {
      lane.effect(new Effect.Warn(rollback.id(), "rollback failed", error));
    }
    Outcome outcome =
        new Outcome.Interrupted(rollback.id(), rollback.interruptReason(), error == null);
    lane.event(new LaneEvent.Ended(rollback.id(), outcome, -1));
    deliverAll(rollback, outcome);
  }

  /**
   * Ends one attempt: completes the event, schedules its retry, or dead-letters it; then, when the
   * lane has become unhealthy, restarts the handler context.
   */
  private void ended(Reply reply, Throwable error, boolean timedOut) {
    Session session = lane.session;
    long tookNanos = lane.now - session.attemptStartedNanos;
    closeAttempt(); // the lane event that ends it (Ended, RetryScheduled) carries tookNanos
    Attempt running = lane.state.running();
    String id = running.id();
    if (error == null) {
      session.restartsInRow = 0;
      end(running, new Outcome.Completed(id, reply == null ? Reply.empty() : reply), tookNanos);
      return;
    }
    boolean fatal = error instanceof Error;
    int unhealthyAfter = lane.rules.unhealthyAfter();
    boolean unhealthy = timedOut || fatal || lane.state.failureStreak() + 1 >= unhealthyAfter;
    Instant failedAt = lane.env.clock().instant();
    Instant firstFailure = running.firstFailureAt() == null ? failedAt : running.firstFailureAt();
    RetryPolicy policy = running.head().event().retryPolicy().orElse(lane.rules.retryPolicy());
    if (running.interruptReason() == null && policy.shouldRetry(running.number(), error)) {
      Duration backoff = policy.backoff(running.number(), lane.env.random().getAsDouble());
      lane.event(
          new LaneEvent.RetryScheduled(
              running.number() + 1, Outcome.Error.of(error), firstFailure, backoff, tookNanos));
      countInFlight();
      lane.effect(
          new Effect.StartTimer(
              Effect.Timer.RETRY, new LaneCommand.RetryDue(session.run), backoff));
    } else if (policy.retries() && policy.isRetryable(error)) {
      Outcome.Error cause = Outcome.Error.of(error);
      for (Job member : running.members()) {
        lane.effect(
            new Effect.DeadLetterEvent(
                new DeadLetter(
                    member.event(),
                    lane.laneKey,
                    cause,
                    running.number(),
                    firstFailure,
                    failedAt)));
      }
      end(running, new Outcome.DeadLettered(id, cause, running.number()), tookNanos);
    } else if (timedOut) {
      end(running, new Outcome.TimedOut(id, timeoutOf(running)), tookNanos);
    } else {
      end(running, new Outcome.Failed(id, Outcome.Error.of(error)), tookNanos);
    }
    if (unhealthy) {
      String why =
          timedOut
              ? "a handler timed out"
              : fatal ? "a handler threw " + error : unhealthyAfter + " failures in a row";
      lane.event(new LaneEvent.MarkedUnhealthy(why));
      if (!timedOut) { // a timeout was logged with its event
        lane.effect(new Effect.Warn(null, why + "; restarting its handler context", null));
      }
      lane.session.restarting = true; // nothing starts until the restart's backoff is over
      lane.effect(new Effect.RestartHandler("lane " + lane.laneKey + ": " + why));
    }
  }

  private void onInterrupt(String reason) {
    Attempt running = lane.state.running();
    if (running != null) {
      if (lane.session.attemptLive) {
        lane.effect(Effect.CancelAttempt.INSTANCE);
        lane.effect(new Effect.CancelTimer(Effect.Timer.TIMEOUT));
      }
      lane.effect(new Effect.CancelTimer(Effect.Timer.RETRY));
      closeAttempt();
      end(running, new Outcome.Interrupted(running.id(), reason), -1);
    }
    lane.endPending(reason, true);
    if (lane.state.rollback() != null) { // no time left to roll it back
      lane.session.rollingBack = false;
      rolledBack(new IllegalStateException("interrupted before its rollback finished"));
    }
    lane.becameIdle();
  }

  /** Ends the running event with {@code outcome}. */
  private void end(Attempt running, Outcome outcome, long handledNanos) {
    lane.event(new LaneEvent.Ended(running.id(), outcome, handledNanos));
    deliverAll(running, outcome);
    release();
  }

  /** Gives the outcome to every event of the attempt (a batch gives each its own copy). */
  private void deliverAll(Attempt attempt, Outcome outcome) {
    List<Job> members = attempt.members();
    for (int i = 0; i < members.size(); i++) { // no iterator: this runs for every event
      Job member = members.get(i);
      Outcome own = member == attempt.head() ? outcome : Outcomes.forEvent(outcome, member.id());
      lane.effect(
          new Effect.Deliver(
              member,
              own,
              attempt.number(),
              attempt.startedAtNanos(),
              lane.now,
              attempt.redelivered()));
    }
  }

  /** The event no longer runs: it leaves the in-flight count and gives back its permit. */
  private void release() {
    if (lane.session.countedInFlight) {
      lane.session.countedInFlight = false;
      lane.effect(new Effect.InFlight(-1));
    }
    lane.returnPermit(); // one permit per event: the next event asks again
  }

  private void countInFlight() {
    if (!lane.session.countedInFlight) {
      lane.session.countedInFlight = true;
      lane.effect(new Effect.InFlight(1));
    }
  }

  private void closeAttempt() {
    Session session = lane.session;
    session.attemptOpen = false;
    session.attemptLive = false;
    session.deadlineNanos = 0;
  }

  private Duration timeoutOf(Attempt attempt) {
    return attempt.head().event().timeout().orElse(lane.rules.handlerTimeout());
  }

  private static Throwable unwrap(Throwable error) {
    while ((error instanceof CompletionException || error instanceof ExecutionException)
        && error.getCause() != null) {
      error = error.getCause();
    }
    return error;
  }
}
