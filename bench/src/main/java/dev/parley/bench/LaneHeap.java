package dev.parley.bench;

import dev.parley.runtime.Event;
import dev.parley.runtime.Outcome;
import dev.parley.runtime.Parley;
import dev.parley.runtime.Reply;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.LoggerFactory;

/**
 * Heap per lane: {@code bench.heap.lanes} lanes (1,000,000) get one no-op event each and then sit
 * idle. It reports the heap retained per lane after full collections while every worker lives (idle
 * timeout one hour), and again in a second runtime once every worker passivated (idle timeout
 * {@code bench.heap.idle-seconds}, 5). Each figure is the used heap after GC with the lanes, less
 * the same runtime's used heap after GC before its first event, divided by the lanes. It includes
 * what the runtime keeps per finished event (the dedup ids, {@code parley.dedup.max-ids}).
 *
 * <pre>
 * java -Xms4g -Xmx4g -cp bench/target/parley-bench.jar dev.parley.bench.LaneHeap
 * </pre>
 */
public final class LaneHeap {
  /** Events submitted and not yet ended, at most: the submitter waits beyond it. */
  private static final int OUTSTANDING = 10_000;

  private static final int COLLECTIONS = 3;
  private static final Duration POLL = Duration.ofSeconds(1);
  private static final Duration PASSIVATION_PATIENCE = Duration.ofMinutes(10);

  private final int lanes;
  private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();

  private LaneHeap(int lanes) {
    this.lanes = lanes;
  }

  public static void main(String[] args) throws Exception {
    LoggerFactory.getILoggerFactory();
    int lanes = BenchSettings.positive("bench.heap.lanes", 1_000_000);
    Duration idle = Duration.ofSeconds(BenchSettings.positive("bench.heap.idle-seconds", 5));
    System.out.printf(
        Locale.ROOT,
        "Parley heap per lane: %,d lanes x 1 event, heap max %,d MB, JVM options %s%n",
        lanes,
        Runtime.getRuntime().maxMemory() >> 20,
        ManagementFactory.getRuntimeMXBean().getInputArguments());
    LaneHeap bench = new LaneHeap(lanes);
    double live = bench.bytesPerLane("live", Duration.ofHours(1));
    double passivated = bench.bytesPerLane("passivated", idle);
    System.out.printf(
        Locale.ROOT,
        "%nheap per idle live lane:   %,8.0f bytes (%.2f KiB)%n"
            + "heap per passivated lane:  %,8.0f bytes (%.2f KiB)%n",
        live,
        live / 1024,
        passivated,
        passivated / 1024);
  }

  /**
   * Starts a runtime whose workers passivate after {@code idleTimeout}, gives every lane one event,
   * waits for its outcome (and, unless the timeout is an hour, for every worker to passivate), and
   * returns the retained heap per lane.
   */
  private double bytesPerLane(String label, Duration idleTimeout) throws InterruptedException {
    boolean passivate = idleTimeout.compareTo(Duration.ofHours(1)) < 0;
    Parley parley =
        Parley.builder()
            .config(BenchSettings.parleyConfig("bench-lane-heap-" + label, idleTimeout))
            .handler((event, lane) -> CompletableFuture.completedFuture(Reply.empty()))
            .build();
    try {
      long before = usedAfterGc();
      long started = System.nanoTime();
      oneEventPerLane(parley);
      System.out.printf(
          Locale.ROOT,
          "%s: %,d lanes got their event in %.1f s%n",
          label,
          lanes,
          (System.nanoTime() - started) / 1e9);
      int workers = passivate ? awaitPassivation(parley) : parley.stats().totalWorkers();
      long after = usedAfterGc();
      System.out.printf(
          Locale.ROOT,
          "%s: %,d live workers; used heap after GC %,d MB before, %,d MB after%n",
          label,
          workers,
          before >> 20,
          after >> 20);
      return (double) (after - before) / lanes;
    } finally {
      Reference.reachabilityFence(parley);
      parley.close();
    }
  }

  private void oneEventPerLane(Parley parley) throws InterruptedException {
    Semaphore outstanding = new Semaphore(OUTSTANDING);
    LongAdder notCompleted = new LongAdder();
    for (int lane = 0; lane < lanes; lane++) {
      outstanding.acquire();
      parley
          .submit(Event.to("lane-" + lane).build())
          .whenComplete(
              (outcome, error) -> {
                if (!(outcome instanceof Outcome.Completed)) {
                  notCompleted.increment();
                }
                outstanding.release();
              });
    }
    outstanding.acquire(OUTSTANDING);
    if (notCompleted.sum() > 0) {
      throw new IllegalStateException(notCompleted.sum() + " events did not complete");
    }
  }

  /** Polls until no worker is live; returns the live workers left (0). */
  private int awaitPassivation(Parley parley) throws InterruptedException {
    long deadline = System.nanoTime() + PASSIVATION_PATIENCE.toNanos();
    int workers = parley.stats().totalWorkers();
    while (workers > 0) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            workers + " workers still live after " + PASSIVATION_PATIENCE);
      }
      Thread.sleep(POLL.toMillis());
      workers = parley.stats().totalWorkers();
    }
    return workers;
  }

  /** The least used heap seen after each of a few full collections. */
  private long usedAfterGc() throws InterruptedException {
    long least = Long.MAX_VALUE;
    for (int i = 0; i < COLLECTIONS; i++) {
      System.gc();
      Thread.sleep(POLL.toMillis() / 4);
      least = Math.min(least, memory.getHeapMemoryUsage().getUsed());
    }
    return least;
  }
}
