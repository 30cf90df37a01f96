package dev.parley.bench;

import dev.parley.runtime.Event;
import dev.parley.runtime.Outcome;
import dev.parley.runtime.Parley;
import dev.parley.runtime.Reply;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;

/**
 * (a) Events per second through {@link Parley#submit} with full outcome accounting: a no-op handler
 * that answers at once, every outcome stage observed. The caller builds each {@link Event}, as an
 * application would.
 */
final class ParleyThroughput implements Workload {
  private final BenchSettings settings;
  private final Callers callers;
  private final String[] laneKeys;
  private final Parley parley;

  ParleyThroughput(BenchSettings settings, Callers callers) {
    this.settings = settings;
    this.callers = callers;
    this.laneKeys = settings.laneKeys();
    this.parley =
        Parley.builder()
            .config(BenchSettings.parleyConfig("bench-parley-throughput"))
            .handler((event, lane) -> CompletableFuture.completedFuture(Reply.empty()))
            .build();
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
  }
}
