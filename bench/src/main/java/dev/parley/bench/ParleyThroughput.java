package dev.parley.bench;

import com.typesafe.config.ConfigFactory;
import dev.parley.runtime.Event;
import dev.parley.runtime.Outcome;
import dev.parley.runtime.Parley;
import dev.parley.runtime.ParleyBuilder;
import dev.parley.runtime.Reply;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * (a) Events per second through {@link Parley#submit} with full outcome accounting: a no-op handler
 * that answers at once, every outcome stage observed. The caller builds each {@link Event}, as an
 * application would.
 *
 * <p>{@link #monitored} makes the same workload for (m) and (n): the monitor on, with one
 * subscriber to its updates as the monitor's WebSocket would have, or off ({@code
 * parley.monitor.enabled}). There Parley runs in an actor system of the benchmark's own, as it does
 * in {@code ParleyServer}, so that the subscriber's stream runs in it too.
 */
final class ParleyThroughput implements Workload {
  private final BenchSettings settings;
  private final Callers callers;
  private final String[] laneKeys;
  private final Parley parley;
  private final ActorSystem<Void> system; // null when Parley owns its system

  ParleyThroughput(BenchSettings settings, Callers callers) {
    this(
        settings,
        callers,
        Parley.builder().config(BenchSettings.parleyConfig("bench-parley-throughput")),
        null);
  }

  private ParleyThroughput(
      BenchSettings settings, Callers callers, ParleyBuilder builder, ActorSystem<Void> system) {
    this.settings = settings;
    this.callers = callers;
    this.laneKeys = settings.laneKeys();
    this.system = system;
    this.parley =
        builder.handler((event, lane) -> CompletableFuture.completedFuture(Reply.empty())).build();
  }

  /** (m) with the monitor {@code on} and one subscriber, (n) with the monitor off. */
  static ParleyThroughput monitored(BenchSettings settings, Callers callers, boolean on) {
    String name = "bench-parley-monitor-" + (on ? "on" : "off");
    ActorSystem<Void> system =
        ActorSystem.create(
            Behaviors.empty(),
            name,
            ConfigFactory.parseString("parley.monitor.enabled = " + on)
                .withFallback(BenchSettings.parleyConfig(name)));
    try {
      ParleyThroughput workload =
          new ParleyThroughput(settings, callers, Parley.builder().actorSystem(system), system);
      if (on) {
        workload.parley.monitor().updates().runWith(Sink.ignore(), system);
      }
      return workload;
    } catch (RuntimeException e) {
      system.terminate(); // its threads would keep the JVM alive
      throw e;
    }
  }

  @Override
  public long runRound() throws InterruptedException, ExecutionException, TimeoutException {
    int last = settings.eventsPerLane() - 1;
    Tally tally = new Tally(settings.lanes(), settings.eventsPerRound());
    BiConsumer<Outcome, Throwable> counted =
        (outcome, error) -> tally.record(outcome instanceof Outcome.Completed, false);
    BiConsumer<Outcome, Throwable> lastOfLane =
        (outcome, error) -> tally.record(outcome instanceof Outcome.Completed, true);
    long start = System.nanoTime();
    callers.run(
        settings.eventsPerLane(),
        (lane, event) ->
            parley
                .submit(Event.to(laneKeys[lane]).build())
                .whenComplete(event == last ? lastOfLane : counted));
    tally.await(settings.roundTimeout(), "Parley submit");
    return System.nanoTime() - start;
  }

  @Override
  public void close() {
    parley.close();
    if (system != null) {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().join();
    }
  }
}
