package dev.parley.bench;

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
 * (b) The ceiling: the same message count as (a), sent with a plain typed {@code tell} to one
 * counting actor per lane. A round is over when every actor has counted its share.
 */
final class RawTellThroughput implements Workload {
  private final BenchSettings settings;
  private final Callers callers;
  private final AtomicReference<Tally> round = new AtomicReference<>();
  private final ActorSystem<Void> system;
  private final List<ActorRef<Counter.Command>> counters;

  RawTellThroughput(BenchSettings settings, Callers callers)
      throws InterruptedException, ExecutionException, TimeoutException {
    this.settings = settings;
    this.callers = callers;
    CompletableFuture<List<ActorRef<Counter.Command>>> spawned = new CompletableFuture<>();
    this.system =
        ActorSystem.create(
            Behaviors.setup(
                ctx -> {
                  List<ActorRef<Counter.Command>> refs = new ArrayList<>(settings.lanes());
                  for (int i = 0; i < settings.lanes(); i++) {
                    refs.add(ctx.spawn(Counter.create(settings.eventsPerLane(), round), "c-" + i));
                  }
                  spawned.complete(refs);
                  return Behaviors.empty();
                }),
            "bench-raw-tell",
            BenchSettings.pekkoConfig());
    this.counters = spawned.get(settings.roundTimeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public long runRound() throws InterruptedException, ExecutionException, TimeoutException {
    Tally tally = new Tally(settings.lanes(), settings.lanes());
    round.set(tally);
    long start = System.nanoTime();
    callers.run(
        settings.eventsPerLane(), (lane, event) -> counters.get(lane).tell(Counter.Ping.INSTANCE));
    tally.await(settings.roundTimeout(), "raw tell");
    return System.nanoTime() - start;
  }

  @Override
  public void close() {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().join();
  }

  /** Counts pings; reports to the current round's tally at each {@code perRound}-th one. */
  static final class Counter extends AbstractBehavior<Counter.Command> {

    sealed interface Command {}

    enum Ping implements Command {
      INSTANCE
    }

    private final int perRound;
    private final AtomicReference<Tally> round;
    private long count;

    static Behavior<Command> create(int perRound, AtomicReference<Tally> round) {
      return Behaviors.setup(ctx -> new Counter(ctx, perRound, round));
    }

    private Counter(ActorContext<Command> ctx, int perRound, AtomicReference<Tally> round) {
      super(ctx);
      this.perRound = perRound;
      this.round = round;
    }

    @Override
    public Receive<Command> createReceive() {
      return newReceiveBuilder().onMessage(Ping.class, this::onPing).build();
    }

    private Behavior<Command> onPing(Ping ping) {
      if (++count % perRound == 0) {
        round.get().record(true, true);
      }
      return this;
    }
  }
}
