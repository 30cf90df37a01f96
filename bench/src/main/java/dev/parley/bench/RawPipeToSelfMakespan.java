package dev.parley.bench;

import dev.parley.runtime.Reply;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * (e) The reference for (d): one typed actor per space starts the same delayed call and gets its
 * result back with {@code pipeToSelf}; the round ends when every actor has its result.
 */
final class RawPipeToSelfMakespan implements Workload {
  private final BenchSettings settings;
  private final Callers callers;
  private final AsyncDelay delay;
  private final AtomicReference<Tally> round = new AtomicReference<>();
  private final ActorSystem<Void> system;
  private final List<ActorRef<Caller.Command>> actors;

  RawPipeToSelfMakespan(BenchSettings settings, Callers callers)
      throws InterruptedException, ExecutionException, TimeoutException {
    this.settings = settings;
    this.callers = callers;
    this.delay = new AsyncDelay(settings.handlerDelay());
    CompletableFuture<List<ActorRef<Caller.Command>>> spawned = new CompletableFuture<>();
    this.system =
        ActorSystem.create(
            Behaviors.setup(
                ctx -> {
                  List<ActorRef<Caller.Command>> refs = new ArrayList<>(settings.lanes());
                  for (int i = 0; i < settings.lanes(); i++) {
                    refs.add(ctx.spawn(Caller.create(delay, round), "a-" + i));
                  }
                  spawned.complete(refs);
                  return Behaviors.empty();
                }),
            "bench-raw-pipe-to-self",
            BenchSettings.pekkoConfig());
    this.actors = spawned.get(settings.roundTimeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public long runRound() throws InterruptedException, ExecutionException, TimeoutException {
    Tally tally = new Tally(settings.lanes(), settings.lanes());
    round.set(tally);
    long start = System.nanoTime();
    callers.run(1, (lane, event) -> actors.get(lane).tell(Caller.Call.INSTANCE));
    tally.await(settings.roundTimeout(), "raw pipeToSelf makespan");
    return System.nanoTime() - start;
  }

  @Override
  public void close() {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().join();
    delay.close();
  }

  /** Makes the delayed call on request and reports its result to the current round's tally. */
  static final class Caller extends AbstractBehavior<Caller.Command> {

    sealed interface Command {}

    enum Call implements Command {
      INSTANCE
    }

    private record Answered(Reply reply, Throwable error) implements Command {}

    private final AsyncDelay delay;
    private final AtomicReference<Tally> round;

    static Behavior<Command> create(AsyncDelay delay, AtomicReference<Tally> round) {
      return Behaviors.setup(ctx -> new Caller(ctx, delay, round));
    }

    private Caller(ActorContext<Command> ctx, AsyncDelay delay, AtomicReference<Tally> round) {
      super(ctx);
      this.delay = delay;
      this.round = round;
    }

    @Override
    public Receive<Command> createReceive() {
      return newReceiveBuilder()
          .onMessage(Call.class, this::onCall)
          .onMessage(Answered.class, this::onAnswered)
          .build();
    }

    private Behavior<Command> onCall(Call call) {
      getContext().pipeToSelf(delay.reply(), Answered::new);
      return this;
    }

    private Behavior<Command> onAnswered(Answered answered) {
      round.get().record(answered.error() == null, true);
      return this;
    }
  }
}
