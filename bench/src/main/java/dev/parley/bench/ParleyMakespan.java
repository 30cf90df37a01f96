package dev.parley.bench;

import dev.parley.runtime.Event;
import dev.parley.runtime.Outcome;
import dev.parley.runtime.Parley;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;

/**
 * (d) Makespan of one slow async event in each of many spaces through Parley: every handler answers
 * after {@link BenchSettings#handlerDelay()}; the round ends at the last outcome. Ideal is one
 * delay: the spaces wait in parallel.
 */
final class ParleyMakespan implements Workload {
  private final BenchSettings settings;
  private final Callers callers;
  private final String[] laneKeys;
  private final AsyncDelay delay;
  private final Parley parley;

  ParleyMakespan(BenchSettings settings, Callers callers) {
    this.settings = settings;
    this.callers = callers;
    this.laneKeys = settings.laneKeys();
    this.delay = new AsyncDelay(settings.handlerDelay());
    this.parley =
        Parley.builder()
            .config(BenchSettings.parleyConfig("bench-parley-makespan"))
            .handler((event, lane) -> delay.reply())
            .build();
  }

  @Override
  public long runRound() throws InterruptedException, ExecutionException, TimeoutException {
    Tally tally = new Tally(settings.lanes(), settings.lanes());
    BiConsumer<Outcome, Throwable> counted =
        (outcome, error) -> tally.record(outcome instanceof Outcome.Completed, true);
    long start = System.nanoTime();
    callers.run(
        1, (lane, event) -> parley.submit(Event.to(laneKeys[lane]).build()).whenComplete(counted));
    tally.await(settings.roundTimeout(), "Parley makespan");
    return System.nanoTime() - start;
  }

  @Override
  public void close() {
    parley.close();
    delay.close();
  }
}
