package dev.parley.runtime.lane;

import dev.parley.runtime.DeadLetter;
import dev.parley.runtime.DoubleTextPolicy;
import dev.parley.runtime.Event;
import dev.parley.runtime.EventListener;
import dev.parley.runtime.EventStatus;
import dev.parley.runtime.FinishedEvent;
import dev.parley.runtime.Handler;
import dev.parley.runtime.HandlerFactory;
import dev.parley.runtime.LaneContext;
import dev.parley.runtime.LaneView;
import dev.parley.runtime.Outcome;
import dev.parley.runtime.Receipt;
import dev.parley.runtime.Reply;
import dev.parley.runtime.RetryPolicy;
import dev.parley.runtime.WorkerHealth;
import dev.parley.runtime.admission.Admission;
import dev.parley.runtime.internal.Counters;
import dev.parley.runtime.internal.DeadLetterStore;
import dev.parley.runtime.internal.LaneLogger;
import dev.parley.runtime.internal.Settings;
import dev.parley.runtime.monitor.LaneReport;
import dev.parley.runtime.monitor.StatsHub;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import org.apache.pekko.actor.typed.ActorRef;
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
 * Owns one lane: its queue ({@link LaneState}) and its handler context. Runs one event at a time,
 * in order, and gives every event exactly one outcome. User code never runs on this actor's thread
 * for longer than the call that returns its stage: results come back through {@code pipeToSelf}, or
 * at once when the stage is already complete; blocking handlers run on the blocking dispatcher.
 *
 * <p>Supervision restarts the handler context of an unhealthy lane (a timed-out event, {@code
 * unhealthy-after} failures in a row, or an exception in the worker itself) with backoff and a
 * fresh handler. The queue lives in {@link Memory}, made once per spawn outside the supervised
 * behavior, so a restart neither loses nor reorders pending events.
 */
public final class Worker extends AbstractBehavior<Worker.Command> {

  /** What a worker needs from the runtime; one instance is shared by all workers. */
  public record Setup(
      Settings settings,
      Lanes lanes,
      HandlerFactory handlers,
      Executor blockingExecutor,
      RetryPolicy retryPolicy,
      Counters counters,
      DeadLetterStore deadLetters,
      ActorRef<Admission.Command> admission,
      AtomicInteger admissionGate,
      AtomicReference<Admission.State> admissionState,
      Pauses pauses,
      Policies policies,
      EventRegistry registry,
      int maxQueue,
      DoubleSupplier averageMs,
      LongSupplier nanoClock,
      List<EventListener> listeners,
      ActorRef<StatsHub.Command> statsHub) {

    boolean blocking() {
      return blockingExecutor != null;
    }

    /** Whether events must wait for a permit of the global cap now. */
    boolean capped() {
      return admissionGate.get() > 0;
    }
  }

  public sealed interface Command {}

  /**
   * An accepted event: the message that brings it to its worker, then the worker's record of it, so
   * one object per event serves both. The fields after {@code tracked} belong to the worker.
   */
  public static final class Submit implements Command {
    final Event event;
    final CompletableFuture<Outcome> outcome;
    final CompletableFuture<Receipt> receipt; // null when nobody asked for one
    final boolean tracked; // in the EventRegistry
    // Times, kept for timed events: tracked ones, and those an EventListener hears of. Plain
    // fields: the caller writes acceptedAtNanos before the mailbox hands the event over, the worker
    // the others; other threads read them only once the outcome is done (after its completion).
    private boolean timed;
    long acceptedAtNanos;
    long startedAtNanos; // when its first attempt started; valid once started is true
    boolean started;
    long finishedAtNanos; // set just before the outcome
    int attempt;
    boolean countedInFlight; // only events that outlive one message are counted in flight
    Instant firstFailureAt;
    Context context;
    CompletionStage<Reply> stage;
    String interruptReason; // set when an operator or a newer event interrupted the attempt
    boolean rollback; // undo its effects once interrupted (ROLLBACK policy)
    Event handled; // what the handler gets: the event, or the batch it leads (COALESCE)
    List<Submit> batch; // the events a coalesced batch answers for, this one first

    public Submit(Event event, CompletableFuture<Outcome> outcome) {
      this(event, outcome, null, false);
    }

    public Submit(
        Event event,
        CompletableFuture<Outcome> outcome,
        CompletableFuture<Receipt> receipt,
        boolean tracked) {
      this.event = event;
      this.outcome = outcome;
      this.receipt = receipt;
      this.tracked = tracked;
    }

    public Event event() {
      return event;
    }

    public CompletableFuture<Outcome> outcome() {
      return outcome;
    }

    public CompletableFuture<Receipt> receipt() {
      return receipt;
    }

    public boolean tracked() {
      return tracked;
    }

    /** Attempts made so far (read by status queries once the event has ended). */
    public int attempts() {
      return attempt;
    }

    /** Times this event, from {@code nanos}, when it is accepted. */
    public void timeFrom(long nanos) {
      timed = true;
      acceptedAtNanos = nanos;
    }

    /** The status of this event once it has ended. */
    public EventStatus finishedStatus(Outcome outcome) {
      FinishedEvent finished = finished(outcome);
      long handledMs = finished.started() ? millis(finished.handledNanos()) : -1;
      return EventStatus.finished(
          event, attempt, millis(finished.queuedNanos()), handledMs, outcome);
    }

    FinishedEvent finished(Outcome outcome) {
      long queuedNanos = (started ? startedAtNanos : finishedAtNanos) - acceptedAtNanos;
      long handledNanos = started ? Math.max(0, finishedAtNanos - startedAtNanos) : -1;
      return new FinishedEvent(event, outcome, attempt, Math.max(0, queuedNanos), handledNanos);
    }
  }

  private static long millis(long nanos) {
    return Math.max(0, nanos / 1_000_000);
  }

  /** Describe the lane: health, running and pending events, counters. */
  public record GetLaneView(CompletableFuture<LaneView> replyTo) implements Command {}

  /** Cancel a pending event; completes false when it is running, ended, or not in this lane. */
  public record Cancel(String eventId, CompletableFuture<Boolean> replyTo) implements Command {}

  /** Move a pending event to {@code newIndex} among the pending ones. */
  public record Move(String eventId, int newIndex, CompletableFuture<Boolean> replyTo)
      implements Command {}

  /** Look at the pause flags again: a lane or the whole runtime was resumed. */
  public enum Nudge implements Command {
    INSTANCE
  }

  /**
   * Cancel every pending event and interrupt the running one cooperatively; reply with how many of
   * each.
   */
  public record EmergencyStop(CompletableFuture<Stopped> replyTo) implements Command {}

  public record Stopped(int cancelled, int interrupted) {}

  /** Ask where a pending or running event is; completes empty when this lane does not have it. */
  public record GetStatus(String eventId, CompletableFuture<Optional<EventStatus>> replyTo)
      implements Command {}

  /** Reply with {@link Drained} once nothing is pending or running. */
  public record Drain(ActorRef<Drained> replyTo) implements Command {}

  /** End the running and pending events {@link Outcome.Interrupted} with {@code reason}. */
  public record Interrupt(String reason) implements Command {}

  public record Drained(ActorRef<Command> worker) {}

  private record HandlerDone(long run, Reply reply, Throwable error) implements Command {}

  private record HandlerTimedOut(long run) implements Command {}

  private record RetryDue(long run) implements Command {}

  private enum Resume implements Command {
    INSTANCE
  }

  private enum PermitGranted implements Command {
    INSTANCE
  }

  private record RollbackDone(Throwable error) implements Command {}

  private enum IdleCheck implements Command {
    INSTANCE
  }

  private enum ReportDue implements Command {
    INSTANCE
  }

  private static final String TIMEOUT_TIMER = "handler-timeout";
  private static final String QUEUE_FULL = "queue-full";
  private static final String CANCELLED_BY_OPERATOR = "cancelled";
  private static final String EMERGENCY_STOP = "emergency-stop";
  private static final String LANE_BUSY = "lane-busy";
  private static final String SUPERSEDED = "superseded";
  private static final String INTERRUPTED = "interrupted";

  /** Weight of the newest handler time in a lane's moving average. */
  private static final double LANE_AVERAGE_WEIGHT = 0.2;

  private static final String RETRY_TIMER = "retry";
  private static final String REPORT_TIMER = "report";
  private static final Logger HANDLER_LOG = LoggerFactory.getLogger(Handler.class);

  /** What a lane keeps across restarts of its handler context. Touched only by its worker. */
  private static final class Memory {
    final LaneState<Submit> state = new LaneState<>(job -> job.event.id());
    long received;
    long run;
    long deadlineNanos; // of the running async attempt; 0 when none is live
    boolean retryPending;
    boolean awaitingPermit;
    boolean holdsPermit;
    int consecutiveFailures;
    int incarnations;
    long restarts;
    double averageMs = Double.NaN; // this lane's moving handler time; NaN before the first
    long lastReportNanos; // when the monitor last had a report; valid once reported is true
    boolean reported;

    ActorRef<Drained> drainReplyTo;
    Submit rollback; // interrupted under ROLLBACK: its rollback runs before the next event
    boolean rollingBack;
  }

  /** Thrown to have supervision restart the handler context; the lane's state is consistent. */
  private static final class UnhealthyLane extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UnhealthyLane(String message) {
      super(message, null, false, false);
    }
  }

  private final Setup setup;
  private final Lane lane;
  private final TimerScheduler<Command> timers;
  private final Memory memory;
  private final LaneState<Submit> state;
  private final ActorRef<Admission.Granted> permits;
  private Handler handler;
  private long attemptStartedNanos;
  private long idleSinceNanos;
  private boolean idleCheckScheduled;
  private boolean reportScheduled;
  // What this incarnation last published to its Lane: the fast path writes only changes.
  private int publishedPending = -1;
  private WorkerHealth publishedHealth;

  public static Behavior<Command> create(Setup setup, Lane lane) {
    Memory memory = new Memory(); // outside the supervised behavior: restarts keep it
    Settings.Restart restart = setup.settings().restart();
    return Behaviors.supervise(
            Behaviors.<Command>setup(
                ctx ->
                    Behaviors.withTimers(timers -> new Worker(ctx, timers, setup, lane, memory))))
        .onFailure(
            Throwable.class,
            SupervisorStrategy.restartWithBackoff(
                    restart.minBackoff(), restart.maxBackoff(), restart.randomFactor())
                .withStashCapacity(restart.stashCapacity())
                .withLoggingEnabled(false)); // the worker logs why, once
  }

  private Worker(
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers,
      Setup setup,
      Lane lane,
      Memory memory) {
    super(ctx);
    this.setup = setup;
    this.lane = lane;
    this.timers = timers;
    this.memory = memory;
    this.state = memory.state;
    this.permits = ctx.messageAdapter(Admission.Granted.class, granted -> PermitGranted.INSTANCE);
    this.idleSinceNanos = setup.nanoClock().getAsLong();
    if (memory.incarnations++ > 0) {
      memory.restarts++;
      setup.counters().restarts.increment();
      lane.publishRestarts(memory.restarts);
      publish(WorkerHealth.STARTING);
      ctx.getSelf().tell(Resume.INSTANCE); // after the events stashed during the backoff
    }
    scheduleIdleCheck(setup.settings().idleTimeout());
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Submit.class, this::onSubmit)
        .onMessage(GetStatus.class, this::onGetStatus)
        .onMessage(GetLaneView.class, this::onGetLaneView)
        .onMessage(Cancel.class, this::onCancel)
        .onMessage(Move.class, this::onMove)
        .onMessage(EmergencyStop.class, this::onEmergencyStop)
        .onMessageEquals(Nudge.INSTANCE, this::onNudge)
        .onMessage(RollbackDone.class, this::onRollbackDone)
        .onMessage(HandlerDone.class, this::onHandlerDone)
        .onMessage(HandlerTimedOut.class, this::onHandlerTimedOut)
        .onMessage(RetryDue.class, this::onRetryDue)
        .onMessage(Drain.class, this::onDrain)
        .onMessage(Interrupt.class, this::onInterrupt)
        .onMessageEquals(Resume.INSTANCE, this::onResume)
        .onMessageEquals(PermitGranted.INSTANCE, this::onPermitGranted)
        .onMessageEquals(IdleCheck.INSTANCE, this::onIdleCheck)
        .onMessageEquals(ReportDue.INSTANCE, this::onReportDue)
        .build();
  }

  private Behavior<Command> onSubmit(Submit submit) {
    memory.received++;
    if (state.isBusy() || state.pendingCount() > 0 || memory.rollingBack) {
      DoubleTextPolicy policy = setup.policies().of(submit.event);
      if (policy == DoubleTextPolicy.REJECT) {
        refuse(submit, LANE_BUSY, Math.max(1, Math.round(laneAverageMs())));
        return this;
      }
      if (policy == DoubleTextPolicy.LATEST) {
        cancelPending(SUPERSEDED);
      } else if (policy == DoubleTextPolicy.INTERRUPT || policy == DoubleTextPolicy.ROLLBACK) {
        cancelPending(INTERRUPTED);
        interruptRunning(INTERRUPTED, policy == DoubleTextPolicy.ROLLBACK);
      }
    }
    if (state.pendingCount() >= setup.maxQueue()) {
      rejectQueueFull(submit);
      return this;
    }
    int position = state.enqueue(submit);
    if (submit.receipt != null) {
      submit.receipt.complete(receipt(submit, position));
    }
    runNext();
    return this;
  }

  /** The lane's queue is at {@code parley.worker.max-queue}: refuse, keep everything else. */
  private void rejectQueueFull(Submit submit) {
    refuse(submit, QUEUE_FULL, Math.max(1, Math.round(laneAverageMs())));
  }

  /** Refuses an event that reached the lane: it was never accepted after all. */
  private void refuse(Submit submit, String reason, long retryAfterMs) {
    Counters counters = setup.counters();
    counters.accepted.decrement();
    counters.outstanding.decrement();
    counters.rejected.increment();
    Event event = submit.event;
    if (submit.tracked) {
      // Before anyone hears of the refusal: it is not accepted, the same id may come again.
      setup.registry().forget(submit);
    }
    if (submit.receipt != null) {
      submit.receipt.complete(Receipt.rejected(event, reason, retryAfterMs));
    }
    submit.outcome.complete(new Outcome.Rejected(event.id(), reason));
  }

  private void cancelPending(String reason) {
    for (Submit job : state.drainPending()) {
      settle(job, new Outcome.Cancelled(job.event.id(), reason), setup.counters().cancelled);
    }
  }

  /**
   * Asks the running event to stop: its stage is cancelled and its context says so. It ends
   * Interrupted when its handler stops, or runs on to its timeout when the handler ignores it.
   *
   * @return whether an event was running
   */
  private boolean interruptRunning(String reason, boolean rollback) {
    Submit running = state.running().orElse(null);
    if (running == null || running.interruptReason != null) {
      return false;
    }
    running.interruptReason = reason;
    running.rollback = rollback;
    if (memory.retryPending) { // between attempts: nothing to wait for
      timers.cancel(RETRY_TIMER);
      memory.retryPending = false;
      attemptFinishedInterrupted(running);
    } else if (memory.deadlineNanos != 0) {
      cancel(running);
    }
    return true;
  }

  /**
   * ETA = (events ahead in the lane, counting the running one) × the lane's moving handler time +
   * the estimated wait for a permit of the global cap: lanes ahead in admission ÷ the cap × the
   * runtime's moving handler time.
   */
  private Receipt receipt(Submit submit, int position) {
    int ahead = position + (state.isBusy() ? 1 : 0);
    int admissionAhead = 0;
    double admissionWaitMs = 0;
    Admission.State permits = setup.admissionState().get();
    if (permits != null && permits.effectiveMaxInFlight() > 0 && !memory.holdsPermit) {
      admissionAhead = permits.waiting();
      admissionWaitMs =
          (double) admissionAhead / permits.effectiveMaxInFlight() * globalAverageMs();
    }
    long etaMs = Math.round(ahead * laneAverageMs() + admissionWaitMs);
    return new Receipt(
        submit.event.id(),
        lane.key(),
        Receipt.Status.ACCEPTED,
        position,
        admissionAhead,
        etaMs,
        null,
        0,
        false);
  }

  private double laneAverageMs() {
    return Double.isNaN(memory.averageMs) ? globalAverageMs() : memory.averageMs;
  }

  private double globalAverageMs() {
    return setup.averageMs().getAsDouble();
  }

  private Behavior<Command> onGetStatus(GetStatus query) {
    memory.received++;
    query.replyTo().complete(statusOf(query.eventId()));
    return this;
  }

  private Optional<EventStatus> statusOf(String eventId) {
    Submit running = state.running().orElse(null);
    if (running != null && running.event.id().equals(eventId)) {
      return Optional.of(runningStatus(running));
    }
    int position = state.position(eventId);
    if (position < 0) {
      return Optional.empty();
    }
    return Optional.of(pendingStatus(state.pendingView().get(position), position));
  }

  private EventStatus runningStatus(Submit running) {
    long now = setup.nanoClock().getAsLong();
    boolean timed = running.tracked && running.started;
    return new EventStatus(
        running.event.id(),
        running.event.spaceId(),
        lane.key(),
        EventStatus.State.RUNNING,
        -1,
        0,
        running.attempt,
        timed ? millis(running.startedAtNanos - running.acceptedAtNanos) : -1,
        timed ? millis(now - running.startedAtNanos) : -1,
        Optional.empty());
  }

  private EventStatus pendingStatus(Submit pending, int position) {
    long now = setup.nanoClock().getAsLong();
    return new EventStatus(
        pending.event.id(),
        pending.event.spaceId(),
        lane.key(),
        EventStatus.State.PENDING,
        position,
        receipt(pending, position).etaMs(),
        0,
        pending.tracked ? millis(now - pending.acceptedAtNanos) : -1,
        -1,
        Optional.empty());
  }

  private Behavior<Command> onGetLaneView(GetLaneView query) {
    memory.received++;
    List<Submit> pending = state.pendingView();
    List<EventStatus> statuses = new java.util.ArrayList<>(pending.size());
    for (int i = 0; i < pending.size(); i++) {
      statuses.add(pendingStatus(pending.get(i), i));
    }
    query
        .replyTo()
        .complete(
            new LaneView(
                lane.key(),
                true,
                lane.health(),
                setup.pauses().isPaused(lane.key()),
                state.running().map(this::runningStatus),
                statuses,
                state.completedCount(),
                state.failedCount(),
                memory.restarts));
    return this;
  }

  /**
   * Starts pending events until one is still running (or waiting to retry), the lane waits for a
   * permit of the global cap, or no event is left.
   */
  private void runNext() {
    while (!state.isBusy()) {
      if (rollingBack()) {
        break;
      }
      if (state.pendingCount() == 0) {
        becameIdle();
        return;
      }
      if (setup.pauses().isPaused(lane.key())) {
        returnPermit(); // a paused lane neither holds nor waits for a permit
        publish(WorkerHealth.PAUSED);
        break;
      }
      if (!hasPermit()) {
        break;
      }
      Submit job = state.next();
      job.attempt = 1;
      job.handled = job.event;
      if (state.pendingCount() > 0 && setup.policies().of(job.event) == DoubleTextPolicy.COALESCE) {
        coalesce(job);
      }
      runAttempt(job);
    }
    publish(state.pendingCount());
  }

  /** Makes {@code head} carry every pending event: the handler gets them as one batch. */
  private void coalesce(Submit head) {
    List<Submit> members = new java.util.ArrayList<>();
    members.add(head);
    members.addAll(state.drainPending());
    head.batch = members;
    head.handled = Event.coalesced(members.stream().map(member -> member.event).toList());
  }

  /** True when the next event may start; otherwise asks Admission (once) and waits for it. */
  private boolean hasPermit() {
    if (memory.holdsPermit || !setup.capped()) {
      return true;
    }
    if (!memory.awaitingPermit) {
      memory.awaitingPermit = true;
      setup
          .admission()
          .tell(new Admission.Request(lane.key(), state.peek().event.priority(), permits));
    }
    return false;
  }

  private Behavior<Command> onPermitGranted() {
    memory.awaitingPermit = false;
    memory.holdsPermit = true;
    runNext();
    return this;
  }

  /** Gives back the permit, or the request for one; the lane has nothing to run with it. */
  private void returnPermit() {
    if (memory.holdsPermit) {
      memory.holdsPermit = false;
      setup.admission().tell(new Admission.Release(lane.key()));
    }
    if (memory.awaitingPermit) {
      memory.awaitingPermit = false;
      setup.admission().tell(new Admission.Withdraw(lane.key()));
    }
  }

  private void runAttempt(Submit job) {
    long thisRun = ++memory.run;
    job.context = new Context(lane.key(), job.handled, job.attempt);
    attemptStartedNanos = setup.nanoClock().getAsLong();
    if (!job.started && job.timed) { // its first attempt
      job.startedAtNanos = attemptStartedNanos;
      job.started = true;
    }
    try {
      job.stage = invoke(job);
    } catch (Error crash) {
      // A handler threw an Error: fail the attempt first, then let supervision restart us.
      getContext()
          .getLog()
          .error("lane {}: handler threw; restarting the worker", lane.key(), crash);
      attemptEnded(job, null, crash, false);
      throw crash;
    }
    if (job.stage instanceof CompletableFuture<Reply> future && future.isDone()) {
      attemptEnded(job, future); // already complete: no message round trip
    } else {
      // Still running: only now is it worth showing (a completed stage was over at once).
      countInFlight(job);
      publish(state.pendingCount());
      publishedHealth = null; // the health check may have marked the previous attempt
      publish(WorkerHealth.BUSY);
      Duration timeout = timeoutOf(job);
      memory.deadlineNanos = attemptStartedNanos + timeout.toNanos();
      lane.publishDeadline(memory.deadlineNanos);
      timers.startSingleTimer(TIMEOUT_TIMER, new HandlerTimedOut(thisRun), timeout);
      getContext().pipeToSelf(job.stage, (reply, error) -> new HandlerDone(thisRun, reply, error));
    }
  }

  private CompletionStage<Reply> invoke(Submit job) {
    Handler current;
    try {
      current = handler();
    } catch (Exception error) {
      return CompletableFuture.failedFuture(error);
    }
    Context context = job.context;
    if (setup.blocking()) {
      return BlockingCall.start(
          () -> call(current, job.handled, context), setup.blockingExecutor());
    }
    return call(current, job.handled, context);
  }

  /** The lane's handler, made on first use so a throwing factory fails one event, not the lane. */
  private Handler handler() {
    if (handler == null) {
      handler = setup.handlers().create(lane.key());
    }
    return handler;
  }

  /** Calls the handler; whatever exception it throws or stage it returns becomes a stage. */
  private static CompletionStage<Reply> call(Handler handler, Event event, LaneContext context) {
    try {
      CompletionStage<Reply> stage = handler.handle(event, context);
      if (stage == null) {
        return CompletableFuture.failedFuture(
            new NullPointerException("handler returned null instead of a CompletionStage"));
      }
      return stage;
    } catch (Exception error) {
      return CompletableFuture.failedFuture(error);
    }
  }

  private Duration timeoutOf(Submit job) {
    return job.event.timeout().orElse(setup.settings().handlerTimeout());
  }

  private RetryPolicy retryPolicyOf(Submit job) {
    return job.event.retryPolicy().orElse(setup.retryPolicy());
  }

  private Behavior<Command> onHandlerDone(HandlerDone done) {
    if (done.run() != memory.run || memory.deadlineNanos == 0) {
      if (!(done.error() instanceof CancellationException)) { // not the echo of our own cancel
        getContext()
            .getLog()
            .warn("lane {}: ignoring a result that came after its attempt ended", lane.key());
      }
      return this;
    }
    timers.cancel(TIMEOUT_TIMER);
    Submit job = running();
    Throwable error = unwrap(done.error());
    if (job.interruptReason != null && error != null) {
      // The handler honoured the interruption: the event ends Interrupted, not Failed.
      attemptFinishedInterrupted(job);
    } else {
      attemptEnded(job, done.reply(), error, false);
    }
    runNext();
    return this;
  }

  private void attemptFinishedInterrupted(Submit job) {
    memory.deadlineNanos = 0;
    lane.publishDeadline(0);
    state.fail();
    if (job.rollback) {
      release(job);
      memory.rollback = job; // its outcome waits for the rollback, which runs before the next event
    } else {
      end(
          job,
          new Outcome.Interrupted(job.event.id(), job.interruptReason),
          setup.counters().interrupted);
    }
  }

  /** Runs the pending rollback; true when the lane must wait for it to finish. */
  private boolean rollingBack() {
    if (memory.rollingBack) {
      return true;
    }
    Submit job = memory.rollback;
    if (job == null) {
      return false;
    }
    CompletionStage<Void> undo;
    try {
      undo = handler().onRollback(job.handled, job.context);
      if (undo == null) {
        undo = CompletableFuture.completedFuture(null);
      }
    } catch (Exception error) {
      undo = CompletableFuture.failedFuture(error);
    }
    if (undo instanceof CompletableFuture<Void> done && done.isDone()) {
      rolledBack(
          done.isCompletedExceptionally() ? new IllegalStateException("rollback failed") : null);
      return false;
    }
    memory.rollingBack = true;
    getContext().pipeToSelf(undo, (ok, error) -> new RollbackDone(error));
    return true;
  }

  private Behavior<Command> onRollbackDone(RollbackDone done) {
    if (memory.rollback == null) {
      return this; // the lane was interrupted meanwhile and settled it
    }
    memory.rollingBack = false;
    rolledBack(done.error());
    runNext();
    return this;
  }

  private void rolledBack(Throwable error) {
    Submit job = memory.rollback;
    memory.rollback = null;
    if (error != null) {
      getContext()
          .getLog()
          .warn("lane {}: rollback of {} failed", lane.key(), job.event.id(), error);
    }
    settle(
        job,
        new Outcome.Interrupted(job.event.id(), job.interruptReason, error == null),
        setup.counters().interrupted);
  }

  private Behavior<Command> onCancel(Cancel cancel) {
    memory.received++;
    Optional<Submit> cancelled = state.cancel(cancel.eventId());
    cancelled.ifPresent(
        job ->
            settle(
                job,
                new Outcome.Cancelled(job.event.id(), CANCELLED_BY_OPERATOR),
                setup.counters().cancelled));
    cancel.replyTo().complete(cancelled.isPresent());
    afterQueueChange();
    return this;
  }

  private Behavior<Command> onMove(Move move) {
    memory.received++;
    move.replyTo().complete(state.move(move.eventId(), move.newIndex()));
    afterQueueChange();
    return this;
  }

  /** The head of the queue may have changed: its priority decides the lane's admission rank. */
  private void afterQueueChange() {
    if (memory.awaitingPermit) {
      memory.awaitingPermit = false;
      Submit head = state.peek();
      if (head == null) {
        setup.admission().tell(new Admission.Withdraw(lane.key()));
      } else {
        memory.awaitingPermit = true;
        setup.admission().tell(new Admission.Request(lane.key(), head.event.priority(), permits));
      }
    }
    runNext();
  }

  private Behavior<Command> onNudge() {
    memory.received++;
    publishedHealth = null;
    runNext();
    changed(); // a pause or resume changes what the monitor shows, if not what the lane publishes
    return this;
  }

  private Behavior<Command> onEmergencyStop(EmergencyStop stop) {
    memory.received++;
    int interrupted = interruptRunning(EMERGENCY_STOP, false) ? 1 : 0;
    int cancelled = state.pendingCount();
    cancelPending(EMERGENCY_STOP);
    stop.replyTo().complete(new Stopped(cancelled, interrupted));
    afterQueueChange();
    return this;
  }

  private Behavior<Command> onHandlerTimedOut(HandlerTimedOut timedOut) {
    if (timedOut.run() != memory.run || memory.deadlineNanos == 0) {
      return this; // that attempt already ended
    }
    Submit job = running();
    cancel(job);
    Duration timeout = timeoutOf(job);
    getContext()
        .getLog()
        .warn(
            "lane {}: event {} timed out after {}; restarting its handler context",
            lane.key(),
            job.event.id(),
            timeout);
    // Throws: a timeout always restarts the handler context, which then resumes the lane.
    attemptEnded(
        job, null, new TimeoutException("handler did not complete within " + timeout), true);
    return this;
  }

  private Behavior<Command> onRetryDue(RetryDue due) {
    if (due.run() == memory.run && memory.retryPending) {
      memory.retryPending = false;
      runAttempt(running());
      runNext();
    }
    return this;
  }

  /** After a restart: go on where the previous incarnation stopped. */
  private Behavior<Command> onResume() {
    if (memory.retryPending) {
      memory.retryPending = false; // the restart's backoff stood in for the retry's
      runAttempt(running());
    } else if (memory.deadlineNanos != 0) {
      // An attempt is still running; its timer went with the previous incarnation.
      long left = Math.max(0, memory.deadlineNanos - setup.nanoClock().getAsLong());
      timers.startSingleTimer(
          TIMEOUT_TIMER, new HandlerTimedOut(memory.run), Duration.ofNanos(left));
      publishedHealth = null; // the health check may have marked it meanwhile
      publish(WorkerHealth.BUSY);
    }
    runNext();
    return this;
  }

  private Submit running() {
    return state.running().orElseThrow();
  }

  private void attemptEnded(Submit job, CompletableFuture<Reply> done) {
    try {
      attemptEnded(job, done.get(), null, false);
    } catch (ExecutionException e) {
      attemptEnded(job, null, unwrap(e.getCause()), false);
    } catch (CancellationException | InterruptedException e) {
      attemptEnded(job, null, e, false);
    }
  }

  /**
   * Ends one attempt: completes the event, schedules its retry, or dead-letters it; then, when the
   * lane has become unhealthy, throws so that supervision restarts the handler context.
   */
  private void attemptEnded(Submit job, Reply reply, Throwable error, boolean timedOut) {
    Counters counters = setup.counters();
    idleSinceNanos =
        setup.nanoClock().getAsLong(); // if the lane goes idle now, it is idle since this moment
    long tookNanos = idleSinceNanos - attemptStartedNanos;
    counters.handledNanos.add(tookNanos);
    double tookMs = tookNanos / 1_000_000.0;
    memory.averageMs =
        Double.isNaN(memory.averageMs)
            ? tookMs
            : memory.averageMs + LANE_AVERAGE_WEIGHT * (tookMs - memory.averageMs);
    counters.handled.increment();
    if (memory.deadlineNanos != 0) {
      memory.deadlineNanos = 0;
      lane.publishDeadline(0);
    }
    if (error == null) {
      memory.consecutiveFailures = 0;
      state.complete();
      end(
          job,
          new Outcome.Completed(job.event.id(), reply == null ? Reply.empty() : reply),
          counters.completed);
      return;
    }
    memory.consecutiveFailures++;
    int unhealthyAfter = setup.settings().unhealthyAfter();
    boolean unhealthy = timedOut || memory.consecutiveFailures >= unhealthyAfter;
    if (unhealthy) {
      publish(WorkerHealth.RESTARTING); // before the outcome: whoever sees it sees this too
    }
    Instant now = Instant.now();
    if (job.firstFailureAt == null) {
      job.firstFailureAt = now;
    }
    RetryPolicy policy = retryPolicyOf(job);
    String id = job.event.id();
    if (job.interruptReason == null && policy.shouldRetry(job.attempt, error)) {
      memory.retryPending = true;
      countInFlight(job);
      Duration backoff = policy.backoff(job.attempt, ThreadLocalRandom.current().nextDouble());
      job.attempt++;
      timers.startSingleTimer(RETRY_TIMER, new RetryDue(memory.run), backoff);
    } else if (policy.retries() && policy.isRetryable(error)) {
      Outcome.Error cause = Outcome.Error.of(error);
      for (Submit member : job.batch == null ? List.of(job) : job.batch) {
        setup
            .deadLetters()
            .add(
                new DeadLetter(
                    member.event, lane.key(), cause, job.attempt, job.firstFailureAt, now));
      }
      state.fail();
      end(job, new Outcome.DeadLettered(id, cause, job.attempt), counters.deadLettered);
    } else if (timedOut) {
      state.fail();
      end(job, new Outcome.TimedOut(id, timeoutOf(job)), counters.timedOut);
    } else {
      state.fail();
      end(job, new Outcome.Failed(id, Outcome.Error.of(error)), counters.failed);
    }
    if (unhealthy) {
      memory.consecutiveFailures = 0;
      String why = timedOut ? "a handler timed out" : unhealthyAfter + " failures in a row";
      if (!timedOut) { // a timeout was logged with its event
        getContext().getLog().warn("lane {}: {}; restarting its handler context", lane.key(), why);
      }
      throw new UnhealthyLane("lane " + lane.key() + ": " + why);
    }
  }

  private void countInFlight(Submit job) {
    if (!job.countedInFlight) {
      job.countedInFlight = true;
      setup.counters().inFlight.increment();
    }
  }

  /** Ends an event that was taken from the queue. */
  private void end(Submit job, Outcome outcome, LongAdder counter) {
    release(job);
    settle(job, outcome, counter);
    changed();
  }

  /** The event no longer runs: it leaves the in-flight count and gives back its permit. */
  private void release(Submit job) {
    if (job.countedInFlight) {
      setup.counters().inFlight.decrement();
    }
    returnPermit(); // one permit per event: the next event asks again, behind the waiting lanes
  }

  /** Gives an event its outcome, once, and counts it; a batch gives it to each of its events. */
  private void settle(Submit job, Outcome outcome, LongAdder counter) {
    if (job.batch == null) {
      settleOne(job, outcome, counter);
    } else {
      for (Submit member : job.batch) {
        if (member != job) { // it ran as part of the batch its head led
          member.attempt = job.attempt;
          member.startedAtNanos = job.startedAtNanos;
          member.started = member.timed && job.started;
        }
        settleOne(member, forEvent(outcome, member.event.id()), counter);
      }
    }
  }

  private void settleOne(Submit job, Outcome outcome, LongAdder counter) {
    if (job.timed) {
      job.finishedAtNanos = setup.nanoClock().getAsLong();
    }
    if (job.tracked) {
      setup.registry().finished(job);
    }
    setup.counters().outstanding.decrement();
    counter.increment();
    if (job.timed && !setup.listeners().isEmpty()) {
      tellListeners(job.finished(outcome));
    }
    job.outcome.complete(outcome);
  }

  private void tellListeners(FinishedEvent finished) {
    for (EventListener listener : setup.listeners()) {
      try {
        listener.onFinished(finished);
      } catch (RuntimeException e) {
        getContext().getLog().warn("event listener {} failed", listener, e);
      }
    }
  }

  /** The batch's outcome, told to one of its events. */
  private static Outcome forEvent(Outcome outcome, String id) {
    if (outcome instanceof Outcome.Completed c) {
      return new Outcome.Completed(id, c.reply());
    } else if (outcome instanceof Outcome.Failed f) {
      return new Outcome.Failed(id, f.error());
    } else if (outcome instanceof Outcome.TimedOut t) {
      return new Outcome.TimedOut(id, t.timeout());
    } else if (outcome instanceof Outcome.DeadLettered d) {
      return new Outcome.DeadLettered(id, d.error(), d.attempts());
    } else if (outcome instanceof Outcome.Cancelled c) {
      return new Outcome.Cancelled(id, c.reason());
    } else if (outcome instanceof Outcome.Interrupted i) {
      return new Outcome.Interrupted(id, i.reason(), i.rolledBack());
    }
    Outcome.Rejected r = (Outcome.Rejected) outcome;
    return new Outcome.Rejected(id, r.reason());
  }

  /** Gives up on the running attempt: the handler sees it through its context and its stage. */
  private static void cancel(Submit job) {
    job.context.cancelled = true;
    try {
      job.stage.toCompletableFuture().cancel(true);
    } catch (UnsupportedOperationException e) {
      // a stage that cannot be cancelled: its late result is ignored all the same
    }
  }

  private static Throwable unwrap(Throwable error) {
    while ((error instanceof CompletionException || error instanceof ExecutionException)
        && error.getCause() != null) {
      error = error.getCause();
    }
    return error;
  }

  private void becameIdle() {
    returnPermit();
    publish(0);
    publish(WorkerHealth.HEALTHY);
    if (memory.drainReplyTo != null) {
      memory.drainReplyTo.tell(new Drained(getContext().getSelf()));
      memory.drainReplyTo = null;
    }
    if (!idleCheckScheduled) {
      scheduleIdleCheck(setup.settings().idleTimeout());
    }
  }

  private void scheduleIdleCheck(Duration delay) {
    idleCheckScheduled = true;
    timers.startSingleTimer(IdleCheck.INSTANCE, IdleCheck.INSTANCE, delay);
  }

  private void publish(int pending) {
    if (pending != publishedPending) {
      publishedPending = pending;
      lane.publish(pending);
      changed();
    }
  }

  private void publish(WorkerHealth health) {
    if (health != publishedHealth) {
      publishedHealth = health;
      lane.publish(health);
      changed();
    }
  }

  /**
   * Something the monitor shows has changed: report now when the last report is an interval old,
   * else once the interval is over. So the monitor gets at most one report per lane per interval.
   */
  private void changed() {
    if (setup.statsHub() == null || reportScheduled) {
      return;
    }
    long now = setup.nanoClock().getAsLong();
    long wait = memory.lastReportNanos + setup.settings().monitor().interval().toNanos() - now;
    if (!memory.reported || wait <= 0) {
      report(now);
    } else {
      reportScheduled = true;
      timers.startSingleTimer(REPORT_TIMER, ReportDue.INSTANCE, Duration.ofNanos(wait));
    }
  }

  private Behavior<Command> onReportDue() {
    reportScheduled = false;
    report(setup.nanoClock().getAsLong());
    return this;
  }

  private void report(long now) {
    memory.reported = true;
    memory.lastReportNanos = now;
    setup.counters().monitorReports.increment();
    setup
        .statsHub()
        .tell(
            new StatsHub.Report(
                lane,
                new LaneReport(
                    lane.key(),
                    state.pendingCount(),
                    setup.pauses().shown(lane.key(), lane.health()),
                    state.running().map(job -> job.event.id()),
                    state.completedCount(),
                    state.failedCount(),
                    memory.restarts,
                    memory.averageMs)));
  }

  private Behavior<Command> onIdleCheck() {
    idleCheckScheduled = false;
    if (!idle() || memory.drainReplyTo != null) {
      return this; // becameIdle() schedules the next check
    }
    Duration idleTimeout = setup.settings().idleTimeout();
    Duration idle = Duration.ofNanos(setup.nanoClock().getAsLong() - idleSinceNanos);
    if (idle.compareTo(idleTimeout) < 0) {
      scheduleIdleCheck(idleTimeout.minus(idle));
      return this;
    }
    if (!lane.tryClose(memory.received)) {
      return this; // a submit is on its way; becameIdle() schedules the next check
    }
    setup.lanes().remove(lane);
    setup.counters().passivated.increment();
    if (setup.statsHub() != null) {
      setup.statsHub().tell(new StatsHub.Closed(lane.key(), lane));
    }
    return Behaviors.stopped();
  }

  private Behavior<Command> onDrain(Drain drain) {
    if (idle()) {
      drain.replyTo().tell(new Drained(getContext().getSelf()));
    } else {
      memory.drainReplyTo = drain.replyTo();
    }
    return this;
  }

  private Behavior<Command> onInterrupt(Interrupt interrupt) {
    Counters counters = setup.counters();
    if (state.isBusy()) {
      Submit job = running();
      if (memory.deadlineNanos != 0) {
        cancel(job);
      }
      timers.cancel(TIMEOUT_TIMER);
      timers.cancel(RETRY_TIMER);
      memory.deadlineNanos = 0;
      memory.retryPending = false;
      lane.publishDeadline(0);
      state.fail();
      end(job, new Outcome.Interrupted(job.event.id(), interrupt.reason()), counters.interrupted);
    }
    for (Submit job : state.drainPending()) {
      settle(
          job, new Outcome.Interrupted(job.event.id(), interrupt.reason()), counters.interrupted);
    }
    if (memory.rollback != null) { // no time left to roll it back
      memory.rollingBack = false;
      rolledBack(new IllegalStateException("interrupted before its rollback finished"));
    }
    becameIdle();
    return this;
  }

  /** Nothing running, pending, or waiting for its rollback. */
  private boolean idle() {
    return state.isIdle() && memory.rollback == null;
  }

  /** The handler's view of one attempt. */
  private static final class Context implements LaneContext {
    private final String laneKey;
    private final Event event;
    private final int attempt;
    private volatile boolean cancelled;
    private Logger log;

    Context(String laneKey, Event event, int attempt) {
      this.laneKey = laneKey;
      this.event = event;
      this.attempt = attempt;
    }

    @Override
    public String laneKey() {
      return laneKey;
    }

    @Override
    public String spaceId() {
      return event.spaceId();
    }

    @Override
    public int attempt() {
      return attempt;
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }

    @Override
    public Logger log() {
      if (log == null) {
        log = new LaneLogger(HANDLER_LOG, laneKey, event.id());
      }
      return log;
    }
  }
}
