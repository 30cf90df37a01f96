package dev.parley.runtime.lane;

import dev.parley.runtime.Event;
import dev.parley.runtime.Handler;
import dev.parley.runtime.HandlerFactory;
import dev.parley.runtime.LaneContext;
import dev.parley.runtime.Outcome;
import dev.parley.runtime.Reply;
import dev.parley.runtime.WorkerHealth;
import dev.parley.runtime.internal.Counters;
import dev.parley.runtime.internal.LaneLogger;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns one lane: its queue ({@link LaneState}) and its handler. Runs one event at a time, in order,
 * and gives every event exactly one outcome. User code never runs on this actor's thread for longer
 * than the call that returns its stage: results come back through {@code pipeToSelf}, or at once
 * when the stage is already complete; blocking handlers run on the blocking dispatcher.
 */
public final class Worker extends AbstractBehavior<Worker.Command> {

  /** What a worker needs from the runtime; one instance is shared by all workers. */
  public record Setup(
      Lanes lanes,
      HandlerFactory handlers,
      Executor blockingExecutor,
      Duration idleTimeout,
      Counters counters) {

    boolean blocking() {
      return blockingExecutor != null;
    }
  }

  public sealed interface Command {}

  /** An accepted event and the promise of its outcome. */
  public record Submit(Event event, CompletableFuture<Outcome> outcome) implements Command {}

  /** Reply with {@link Drained} once nothing is pending or running. */
  public record Drain(ActorRef<Drained> replyTo) implements Command {}

  /** End the running and pending events {@link Outcome.Interrupted} with {@code reason}. */
  public record Interrupt(String reason) implements Command {}

  public record Drained(ActorRef<Command> worker) {}

  private record HandlerDone(long run, Reply reply, Throwable error) implements Command {}

  private enum IdleCheck implements Command {
    INSTANCE
  }

  private record Job(Event event, CompletableFuture<Outcome> outcome) {}

  private static final Logger HANDLER_LOG = LoggerFactory.getLogger(Handler.class);

  private final Setup setup;
  private final Lane lane;
  private final TimerScheduler<Command> timers;
  private final LaneState<Job> state = new LaneState<>(job -> job.event().id());
  private Handler handler;
  private long received;
  private long run;
  private long runStartedNanos;
  private long idleSinceNanos;
  private ActorRef<Drained> drainReplyTo;

  public static Behavior<Command> create(Setup setup, Lane lane) {
    return Behaviors.setup(
        ctx -> Behaviors.withTimers(timers -> new Worker(ctx, timers, setup, lane)));
  }

  private Worker(
      ActorContext<Command> ctx, TimerScheduler<Command> timers, Setup setup, Lane lane) {
    super(ctx);
    this.setup = setup;
    this.lane = lane;
    this.timers = timers;
    this.idleSinceNanos = System.nanoTime();
    scheduleIdleCheck(setup.idleTimeout());
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Submit.class, this::onSubmit)
        .onMessage(HandlerDone.class, this::onHandlerDone)
        .onMessage(Drain.class, this::onDrain)
        .onMessage(Interrupt.class, this::onInterrupt)
        .onMessageEquals(IdleCheck.INSTANCE, this::onIdleCheck)
        .build();
  }

  private Behavior<Command> onSubmit(Submit submit) {
    received++;
    state.enqueue(new Job(submit.event(), submit.outcome()));
    if (!state.isBusy()) {
      runNext();
    } else {
      lane.publish(state.pendingCount());
    }
    return this;
  }

  /** Starts pending events until one is still running or the queue is empty. */
  private void runNext() {
    Job job;
    while ((job = state.next()) != null) {
      lane.publish(state.pendingCount());
      lane.publish(WorkerHealth.BUSY);
      setup.counters().inFlight.increment();
      runStartedNanos = System.nanoTime();
      long thisRun = ++run;
      CompletionStage<Reply> stage = invoke(job);
      if (stage instanceof CompletableFuture<Reply> future && future.isDone()) {
        finish(future); // already complete: no message round trip
      } else {
        getContext().pipeToSelf(stage, (reply, error) -> new HandlerDone(thisRun, reply, error));
        return;
      }
    }
    becameIdle();
  }

  private CompletionStage<Reply> invoke(Job job) {
    Handler current;
    try {
      current = handler();
    } catch (VirtualMachineError fatal) {
      throw fatal;
    } catch (Throwable error) {
      return CompletableFuture.failedFuture(error);
    }
    Event event = job.event();
    LaneContext context = new Context(lane.key(), event);
    if (setup.blocking()) {
      return CompletableFuture.supplyAsync(
              () -> call(current, event, context), setup.blockingExecutor())
          .thenCompose(stage -> stage);
    }
    return call(current, event, context);
  }

  /** The lane's handler, made on first use so a throwing factory fails one event, not the lane. */
  private Handler handler() {
    if (handler == null) {
      handler = setup.handlers().create(lane.key());
    }
    return handler;
  }

  /** Calls the handler; whatever it throws or returns becomes a stage. */
  private static CompletionStage<Reply> call(Handler handler, Event event, LaneContext context) {
    try {
      CompletionStage<Reply> stage = handler.handle(event, context);
      if (stage == null) {
        return CompletableFuture.failedFuture(
            new NullPointerException("handler returned null instead of a CompletionStage"));
      }
      return stage;
    } catch (VirtualMachineError fatal) {
      throw fatal;
    } catch (Throwable error) {
      return CompletableFuture.failedFuture(error);
    }
  }

  private void finish(CompletableFuture<Reply> done) {
    try {
      finish(done.get(), null);
    } catch (ExecutionException e) {
      finish(null, e.getCause());
    } catch (CancellationException | InterruptedException e) {
      finish(null, e);
    }
  }

  private Behavior<Command> onHandlerDone(HandlerDone done) {
    if (done.run() != run || !state.isBusy()) { // abandoned, or a stage that called back twice
      getContext().getLog().warn("ignoring a late handler result in lane {}", lane.key());
      return this;
    }
    finish(done.reply(), unwrap(done.error()));
    runNext();
    return this;
  }

  private void finish(Reply reply, Throwable error) {
    Counters counters = setup.counters();
    counters.handledNanos.add(System.nanoTime() - runStartedNanos);
    counters.handled.increment();
    counters.inFlight.decrement();
    Job job;
    Outcome outcome;
    if (error == null) {
      job = state.complete();
      outcome = new Outcome.Completed(job.event().id(), reply == null ? Reply.empty() : reply);
      counters.completed.increment();
    } else {
      job = state.fail();
      outcome = new Outcome.Failed(job.event().id(), Outcome.Error.of(error));
      counters.failed.increment();
    }
    job.outcome().complete(outcome);
  }

  private static Throwable unwrap(Throwable error) {
    while ((error instanceof CompletionException || error instanceof ExecutionException)
        && error.getCause() != null) {
      error = error.getCause();
    }
    return error;
  }

  private void becameIdle() {
    lane.publish(0);
    lane.publish(WorkerHealth.HEALTHY);
    idleSinceNanos = System.nanoTime();
    if (drainReplyTo != null) {
      drainReplyTo.tell(new Drained(getContext().getSelf()));
      drainReplyTo = null;
    }
    if (!timers.isTimerActive(IdleCheck.INSTANCE)) {
      scheduleIdleCheck(setup.idleTimeout());
    }
  }

  private void scheduleIdleCheck(Duration delay) {
    timers.startSingleTimer(IdleCheck.INSTANCE, IdleCheck.INSTANCE, delay);
  }

  private Behavior<Command> onIdleCheck() {
    if (!state.isIdle() || drainReplyTo != null) {
      return this; // becameIdle() schedules the next check
    }
    Duration idle = Duration.ofNanos(System.nanoTime() - idleSinceNanos);
    if (idle.compareTo(setup.idleTimeout()) < 0) {
      scheduleIdleCheck(setup.idleTimeout().minus(idle));
      return this;
    }
    if (!lane.tryClose(received)) {
      return this; // a submit is on its way; becameIdle() schedules the next check
    }
    setup.lanes().remove(lane);
    setup.counters().passivated.increment();
    return Behaviors.stopped();
  }

  private Behavior<Command> onDrain(Drain drain) {
    if (state.isIdle()) {
      drain.replyTo().tell(new Drained(getContext().getSelf()));
    } else {
      drainReplyTo = drain.replyTo();
    }
    return this;
  }

  private Behavior<Command> onInterrupt(Interrupt interrupt) {
    Counters counters = setup.counters();
    if (state.isBusy()) {
      run++; // the abandoned stage's late result is ignored
      counters.inFlight.decrement();
      interrupt(state.fail(), interrupt.reason());
    }
    state.drainPending().forEach(job -> interrupt(job, interrupt.reason()));
    becameIdle();
    return this;
  }

  private void interrupt(Job job, String reason) {
    setup.counters().interrupted.increment();
    job.outcome().complete(new Outcome.Interrupted(job.event().id(), reason));
  }

  /** The handler's view of one attempt. */
  private static final class Context implements LaneContext {
    private final String laneKey;
    private final Event event;
    private Logger log;

    Context(String laneKey, Event event) {
      this.laneKey = laneKey;
      this.event = event;
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
      return 1;
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
