package dev.parley.runtime.lane;

import dev.parley.runtime.EventListener;
import dev.parley.runtime.EventStatus;
import dev.parley.runtime.FinishedEvent;
import dev.parley.runtime.Handler;
import dev.parley.runtime.Outcome;
import dev.parley.runtime.Parley;
import dev.parley.runtime.Receipt;
import dev.parley.runtime.Reply;
import dev.parley.runtime.admission.Admission;
import dev.parley.runtime.internal.Counters;
import dev.parley.runtime.internal.LaneLogger;
import dev.parley.runtime.registry.EventRegistry;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.LongAdder;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out a {@link Decision}'s effects for the in-memory worker, one incarnation of it: calls
 * the handler (its own, fresh after a restart), arms timers, answers submitters through the lane's
 * {@link Outbox}, counts, publishes the lane's figures. Results of user code that are in at once
 * come back as commands in the shell's inbox, decided after the current decision's effects.
 */
final class EffectRunner {
  private static final Logger LOG = LoggerFactory.getLogger(Worker.class);
  private static final long JOURNAL_RETRY_AFTER_MS = 1000;

  private final LaneServices services;
  private final Lane lane; // its routing entry: where the lane's figures go, and its passivation
  private final Session session;
  private final Outbox outbox;
  private final ActorContext<LaneCommand> ctx;
  private final TimerScheduler<LaneCommand> timers;
  private ActorRef<Admission.Granted> permitAdapter; // made when the lane first asks for a permit
  private Handler handler;
  private HandlerCalls.Context context; // of the open attempt; null once its result is in
  private CompletionStage<Reply> stage;
  String restart; // why the handler context must restart, once the effects are done
  boolean passivated;

  EffectRunner(
      LaneServices services,
      Lane lane,
      Session session,
      Outbox outbox,
      ActorContext<LaneCommand> ctx,
      TimerScheduler<LaneCommand> timers) {
    this.services = services;
    this.lane = lane;
    this.session = session;
    this.outbox = outbox;
    this.ctx = ctx;
    this.timers = timers;
  }

  /** Carries out {@code decision}; what user code brought back at once goes to {@code inbox}. */
  void run(Decision decision, Queue<LaneCommand> inbox) {
    for (LaneEvent event : decision.events()) {
      if (event instanceof LaneEvent.Enqueued enqueued && enqueued.job().tracked()) {
        settled(enqueued.job());
      } else if (event instanceof LaneEvent.Ended ended) {
        handled(ended.handledNanos());
      } else if (event instanceof LaneEvent.RetryScheduled retry) {
        handled(retry.handledNanos());
      }
    }
    for (Effect effect : decision.effects()) {
      run(effect, inbox);
    }
    decision.publishFigures(lane);
    if (!session.attemptOpen) { // its result is in: the lane keeps nothing of it while idle
      context = null;
      stage = null;
    }
  }

  private void run(Effect effect, Queue<LaneCommand> inbox) {
    if (effect instanceof Effect.Deliver deliver) {
      deliver(deliver);
    } else if (effect instanceof Effect.RunAttempt attempt) {
      runAttempt(attempt, inbox);
    } else if (effect instanceof Effect.Accept accept) {
      outbox.add(() -> services.outcomes().receipt(accept.job(), accept.receipt()));
    } else if (effect instanceof Effect.StartTimer start) {
      timers.startSingleTimer(start.timer(), start.message(), start.delay());
    } else if (effect instanceof Effect.CancelTimer cancel) {
      timers.cancel(cancel.timer());
    } else if (effect instanceof Effect.InFlight inFlight) {
      services.counters().inFlight.add(inFlight.delta());
    } else if (effect instanceof Effect.RequestPermit request) {
      services.permits().request(lane.key(), request.priority(), request.tenant(), permitAdapter());
    } else if (effect == Effect.ReleasePermit.INSTANCE) {
      services.permits().release(lane.key());
    } else if (effect == Effect.WithdrawPermit.INSTANCE) {
      services.permits().withdraw(lane.key());
    } else if (effect instanceof Effect.Refuse refuse) {
      refuse(refuse);
    } else if (effect == Effect.CancelAttempt.INSTANCE) {
      cancelAttempt();
    } else if (effect instanceof Effect.RunRollback rollback) {
      runRollback(rollback.attempt(), inbox);
    } else if (effect instanceof Effect.Replaced replaced) {
      services.registry().replaced(replaced.before(), replaced.after());
    } else if (effect instanceof Effect.Reply<?> reply) {
      outbox.add(() -> tell(reply)); // after the answers it may report on
    } else if (effect instanceof Effect.ReportDrained drained) {
      LaneCommand.Drained done = new LaneCommand.Drained(ctx.getSelf());
      outbox.add(() -> drained.to().tell(done)); // once every outcome is out
    } else if (effect instanceof Effect.DeadLetterEvent letter) {
      services.deadLetters().add(letter.letter());
    } else if (effect instanceof Effect.RestartHandler restartHandler) {
      restart = restartHandler.why();
    } else if (effect == Effect.Passivate.INSTANCE) {
      passivate();
    } else if (effect instanceof Effect.Warn warn) {
      new LaneLogger(LOG, lane.key(), warn.eventId())
          .warn("lane {}: {}", lane.key(), warn.message(), warn.error());
    } else {
      throw new IllegalArgumentException("unknown effect " + effect);
    }
  }

  /**
   * An attempt that ran to its end took {@code nanos} (not negative): for the runtime's moving
   * handling time. The lane event that ends it says so; none of an attempt cut short does.
   */
  private void handled(long nanos) {
    if (nanos >= 0) {
      services.counters().handledNanos.add(nanos);
      services.counters().handled.increment();
    }
  }

  private static <T> void tell(Effect.Reply<T> reply) {
    reply.to().tell(reply.message());
  }

  private void runAttempt(Effect.RunAttempt run, Queue<LaneCommand> inbox) {
    Attempt attempt = run.attempt();
    long runNumber = run.run();
    context = new HandlerCalls.Context(lane.key(), attempt);
    try {
      stage =
          HandlerCalls.handle(handler(), attempt.handled(), context, services.blockingExecutor());
    } catch (Exception error) { // the handler factory threw: this event fails, not the lane
      stage = CompletableFuture.failedFuture(error);
    } catch (Error crash) {
      inbox.add(new LaneCommand.AttemptDone(runNumber, null, crash));
      return;
    }
    if (stage instanceof CompletableFuture<Reply> future && future.isDone()) {
      inbox.add(doneNow(runNumber, future)); // no message round trip
    } else {
      inbox.add(new LaneCommand.AttemptWentAsync(runNumber));
      ctx.pipeToSelf(stage, (reply, error) -> new LaneCommand.AttemptDone(runNumber, reply, error));
    }
  }

  private static LaneCommand.AttemptDone doneNow(long run, CompletableFuture<Reply> done) {
    try {
      return new LaneCommand.AttemptDone(run, done.get(), null);
    } catch (ExecutionException e) {
      return new LaneCommand.AttemptDone(run, null, e.getCause());
    } catch (Exception e) { // cancelled or interrupted
      return new LaneCommand.AttemptDone(run, null, e);
    }
  }

  /**
   * Where Admission's grants reach the lane, made on first use: most lanes never wait for a permit,
   * and an adapter is a child of the worker (kept across restarts of its handler context).
   */
  private ActorRef<Admission.Granted> permitAdapter() {
    if (permitAdapter == null) {
      permitAdapter =
          ctx.messageAdapter(
              Admission.Granted.class, granted -> LaneCommand.PermitGranted.INSTANCE);
    }
    return permitAdapter;
  }

  /** The lane's handler, made on first use so a throwing factory fails one event, not the lane. */
  private Handler handler() throws Exception {
    if (handler == null) {
      handler = services.handlers().create(lane.key());
    }
    return handler;
  }

  /** Gives up on the running attempt: the handler sees it through its context and its stage. */
  private void cancelAttempt() {
    if (context == null) {
      return; // its result came in meanwhile (a journaled lane decides ahead of its effects)
    }
    context.cancel();
    try {
      stage.toCompletableFuture().cancel(true);
    } catch (UnsupportedOperationException e) {
      // a stage that cannot be cancelled: its late result is ignored all the same
    }
  }

  private void runRollback(Attempt attempt, Queue<LaneCommand> inbox) {
    CompletionStage<Void> undo;
    try {
      undo =
          HandlerCalls.rollback(
              handler(),
              attempt.handled(),
              new HandlerCalls.Context(lane.key(), attempt),
              services.blockingExecutor());
    } catch (Exception error) {
      undo = CompletableFuture.failedFuture(error);
    }
    if (undo instanceof CompletableFuture<Void> done && done.isDone()) {
      Throwable error = done.isCompletedExceptionally() ? failure(done) : null;
      inbox.add(new LaneCommand.RollbackDone(error));
    } else {
      ctx.pipeToSelf(undo, (ok, error) -> new LaneCommand.RollbackDone(error));
    }
  }

  private static Throwable failure(CompletableFuture<?> failed) {
    try {
      failed.join();
      return null;
    } catch (RuntimeException e) {
      return e.getCause() != null ? e.getCause() : e;
    }
  }

  /** Refuses an event whose {@code Enqueued} the journal did not take: it was never accepted. */
  void refuseUnwritten(Job job) {
    refuse(new Effect.Refuse(job, true, Parley.JOURNAL_UNAVAILABLE, JOURNAL_RETRY_AFTER_MS));
  }

  /**
   * Tells a duplicate waiting for a tracked event that its lane has it: from now on the lane's
   * status answers for it.
   */
  private void settled(Job job) {
    EventRegistry.Entry entry = services.registry().accepted(job.event());
    if (entry != null) {
      outbox.add(() -> entry.settle(true));
    }
    if (job.replyTo() != null) {
      outbox.add(() -> services.outcomes().settled(job, true));
    }
  }

  /** Refuses an event that reached the lane: it was never accepted after all. */
  private void refuse(Effect.Refuse refuse) {
    Counters counters = services.counters();
    counters.accepted.decrement();
    counters.outstanding.decrement();
    counters.rejected.increment();
    Job job = refuse.job();
    // Not accepted: the same id may come again, and a duplicate waiting for it tries again.
    EventRegistry.Entry entry = job.tracked() ? services.registry().refused(job.event()) : null;
    Receipt receipt = Receipt.rejected(job.event(), refuse.reason(), refuse.retryAfterMs());
    Outcome outcome = new Outcome.Rejected(job.id(), refuse.reason());
    outbox.add(
        () -> {
          if (refuse.wantsReceipt()) {
            services.outcomes().receipt(job, receipt);
          }
          services.outcomes().outcome(job, outcome);
          if (entry != null) {
            entry.settle(false);
          }
          if (job.tracked() && job.replyTo() != null) {
            services.outcomes().settled(job, false);
          }
        });
  }

  private void deliver(Effect.Deliver deliver) {
    Job job = deliver.job();
    Outcome outcome = deliver.outcome();
    Counters counters = services.counters();
    counters.outstanding.decrement();
    counterOf(counters, outcome).increment();
    if (job.tracked() || (job.timed() && !services.listeners().isEmpty())) {
      FinishedEvent finished = finished(deliver);
      if (job.tracked()) { // before the outcome: whoever sees it can look the event up
        services
            .registry()
            .finished(
                job.event(), status(finished, deliver.redelivered()), deliver.finishedAtNanos());
      }
      if (job.timed()) {
        for (EventListener listener : services.listeners()) {
          outbox.add(() -> listener.onFinished(finished));
        }
      }
    }
    outbox.outcome(deliver);
  }

  private static FinishedEvent finished(Effect.Deliver deliver) {
    Job job = deliver.job();
    boolean started = deliver.startedAtNanos() >= 0;
    long queued =
        (started ? deliver.startedAtNanos() : deliver.finishedAtNanos()) - job.acceptedAtNanos();
    long handled = started ? Math.max(0, deliver.finishedAtNanos() - deliver.startedAtNanos()) : -1;
    return new FinishedEvent(
        job.event(), deliver.outcome(), deliver.attempts(), Math.max(0, queued), handled);
  }

  private static EventStatus status(FinishedEvent finished, boolean redelivered) {
    long handledMs = finished.started() ? LaneQueries.millis(finished.handledNanos()) : -1;
    return EventStatus.finished(
        finished.event(),
        finished.attempts(),
        LaneQueries.millis(finished.queuedNanos()),
        handledMs,
        finished.outcome(),
        redelivered);
  }

  private static LongAdder counterOf(Counters counters, Outcome outcome) {
    if (outcome instanceof Outcome.Completed) {
      return counters.completed;
    } else if (outcome instanceof Outcome.Failed) {
      return counters.failed;
    } else if (outcome instanceof Outcome.TimedOut) {
      return counters.timedOut;
    } else if (outcome instanceof Outcome.DeadLettered) {
      return counters.deadLettered;
    } else if (outcome instanceof Outcome.Cancelled) {
      return counters.cancelled;
    } else if (outcome instanceof Outcome.Interrupted) {
      return counters.interrupted;
    }
    return counters.rejected;
  }

  /** Stops the worker, unless a routed command is on its way (the lane then stays). */
  private void passivate() {
    if (services.lanes().passivate(lane, session.received)) {
      services.counters().passivated.increment();
      passivated = true;
    }
  }
}
