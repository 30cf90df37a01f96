package dev.parley.bench;

import com.sun.management.ThreadMXBean;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * Runs the workloads side by side: warm-up rounds taken in turns until each workload has done its
 * round count or spent its time budget (the JIT needs tens of rounds before Pekko's and Parley's
 * hot paths settle), then the measured rounds, also in turns and each after a full GC. Taking turns
 * spreads a passing load on the machine over every workload instead of one, which keeps the ratios
 * fair.
 */
final class Rounds {

  /** A started workload and how the table names it. */
  record Entry(char id, String label, Workload workload) {}

  /** Round durations in nanoseconds. */
  record Result(long firstRound, int warmups, long warmupNanos, long[] measured) {

    long median() {
      long[] sorted = measured.clone();
      Arrays.sort(sorted);
      int mid = sorted.length / 2;
      return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    long fastest() {
      return Arrays.stream(measured).min().orElseThrow();
    }

    long slowest() {
      return Arrays.stream(measured).max().orElseThrow();
    }
  }

  private final List<Entry> entries;
  private final BenchSettings settings;
  private final PrintStream progress;

  Rounds(List<Entry> entries, BenchSettings settings, PrintStream progress) {
    this.entries = entries;
    this.settings = settings;
    this.progress = progress;
  }

  Map<Character, Result> run() throws InterruptedException, ExecutionException, TimeoutException {
    int n = entries.size();
    long[] first = new long[n];
    int[] warmups = new int[n];
    long[] spent = new long[n];
    long budget = settings.warmupTime().toNanos();
    boolean warming = true;
    while (warming) {
      warming = false;
      for (int i = 0; i < n; i++) {
        if (warmups[i] >= settings.warmupRounds() || (warmups[i] > 0 && spent[i] >= budget)) {
          continue;
        }
        long start = System.nanoTime();
        long round = entries.get(i).workload().runRound();
        spent[i] += System.nanoTime() - start;
        if (warmups[i]++ == 0) {
          first[i] = round;
        }
        warming = true;
      }
    }
    for (int i = 0; i < n; i++) {
      progress.printf(
          Locale.ROOT,
          "%s: first round %.1f ms, %d warm-up rounds in %.1f s%n",
          entries.get(i).label(),
          millis(first[i]),
          warmups[i],
          spent[i] / 1e9);
    }
    long[][] measured = new long[n][settings.rounds()];
    long[][] allocated = new long[n][settings.rounds()];
    for (int round = 0; round < settings.rounds(); round++) {
      progress.printf(Locale.ROOT, "measured round %d of %d%n", round + 1, settings.rounds());
      for (int k = 0; k < n; k++) {
        int i = round % 2 == 0 ? k : n - 1 - k; // alternate the order: neither always goes first
        System.gc();
        long before = allocatedBytes();
        measured[i][round] = entries.get(i).workload().runRound();
        allocated[i][round] = allocatedBytes() - before;
      }
    }
    Map<Character, Result> results = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      progress.printf(Locale.ROOT, "%s, measured ms:", entries.get(i).label());
      for (long nanos : measured[i]) {
        progress.printf(Locale.ROOT, " %.1f", millis(nanos));
      }
      long[] bytes = allocated[i].clone();
      Arrays.sort(bytes);
      progress.printf(
          Locale.ROOT, "; allocated per round, median: %.1f MB%n", bytes[bytes.length / 2] / 1e6);
      results.put(entries.get(i).id(), new Result(first[i], warmups[i], spent[i], measured[i]));
    }
    return results;
  }

  /**
   * Bytes allocated so far by the live threads of this JVM: over a round, what the round's work
   * allocated (what a thread that ended meanwhile allocated is missing), however loaded the
   * machine: it drives the young collections a round pays for.
   */
  private static long allocatedBytes() {
    ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    long sum = 0;
    for (long bytes : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
      sum += Math.max(0, bytes);
    }
    return sum;
  }

  static double millis(long nanos) {
    return nanos / 1e6;
  }
}
