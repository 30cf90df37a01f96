package dev.parley.samples;

import dev.parley.runtime.Event;
import dev.parley.runtime.Outcome;
import dev.parley.runtime.Parley;
import dev.parley.runtime.Reply;
import dev.parley.runtime.Stats;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A slow echo bot in three lanes: two direct conversations, and two channels of one bot that share
 * a concurrency group. Prints when each event started and finished, then a timeline: the lanes
 * overlap, and inside each lane the events run one at a time, in order.
 *
 * <p>Run: {@code mvn -B -q install -DskipTests && mvn -B -q -pl samples exec:java}
 */
public final class EchoBotDemo {
  private static final long HANDLER_MILLIS = 120;
  private static final long MILLIS_PER_COLUMN = 20;

  private record Span(String lane, String label, long startMs, long endMs) {}

  private EchoBotDemo() {}

  public static void main(String[] args) {
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    long[] t0 = {System.nanoTime()}; // reset once the runtime is up
    ConcurrentLinkedQueue<Span> spans = new ConcurrentLinkedQueue<>();

    try (Parley parley =
        Parley.builder()
            .handler(
                (event, lane) -> {
                  long start = elapsedMs(t0[0]);
                  String label = event.spaceId() + ":" + event.payload();
                  System.out.printf("%5d ms  start   %-10s %s%n", start, lane.laneKey(), label);
                  CompletableFuture<Reply> reply = new CompletableFuture<>();
                  // A slow bot that does not block a thread: the answer comes from a timer.
                  timer.schedule(
                      () -> {
                        long end = elapsedMs(t0[0]);
                        spans.add(new Span(lane.laneKey(), label, start, end));
                        System.out.printf("%5d ms  finish  %-10s %s%n", end, lane.laneKey(), label);
                        reply.complete(Reply.of("echo: " + event.payload()));
                      },
                      HANDLER_MILLIS,
                      TimeUnit.MILLISECONDS);
                  return reply;
                })
            .build()) {

      t0[0] = System.nanoTime();
      List<CompletionStage<Outcome>> outcomes = new ArrayList<>();
      for (int i = 1; i <= 3; i++) {
        outcomes.add(parley.submit(Event.to("alice").payload("hello-" + i).build()));
        outcomes.add(parley.submit(Event.to("bob").payload("hi-" + i).build()));
        String channel = i % 2 == 1 ? "general" : "random";
        outcomes.add(
            parley.submit(Event.to(channel).group("discord-bot").payload("msg-" + i).build()));
      }
      outcomes.forEach(stage -> stage.toCompletableFuture().join());

      System.out.println();
      printTimeline(spans);
      System.out.println();
      Stats stats = parley.stats();
      System.out.printf(
          "completed %d of %d events in %d lanes; mean handler time %.0f ms%n",
          stats.totals().completed(),
          stats.totals().accepted(),
          stats.totalWorkers(),
          stats.processingTimeAvgMs());
    } finally {
      timer.shutdownNow();
    }
  }

  private static long elapsedMs(long t0) {
    return (System.nanoTime() - t0) / 1_000_000;
  }

  /** One row per lane, one column per 20 ms; each event is drawn with its own digit. */
  private static void printTimeline(Iterable<Span> spans) {
    Map<String, StringBuilder> rows = new TreeMap<>();
    Map<String, Integer> counts = new TreeMap<>();
    List<Span> ordered = new ArrayList<>();
    spans.forEach(ordered::add);
    ordered.sort((a, b) -> Long.compare(a.startMs(), b.startMs()));
    for (Span span : ordered) {
      StringBuilder row = rows.computeIfAbsent(span.lane(), k -> new StringBuilder());
      int n = counts.merge(span.lane(), 1, Integer::sum);
      int from = (int) (span.startMs() / MILLIS_PER_COLUMN);
      int to = (int) Math.max(from + 1, span.endMs() / MILLIS_PER_COLUMN);
      while (row.length() < to) {
        row.append(' ');
      }
      for (int c = from; c < to; c++) {
        row.setCharAt(c, Character.forDigit(n % 10, 10));
      }
    }
    System.out.println(
        "timeline (one column = " + MILLIS_PER_COLUMN + " ms; digits = event number in its lane)");
    rows.forEach((lane, row) -> System.out.printf("  %-12s |%s%n", lane, row));
  }
}
