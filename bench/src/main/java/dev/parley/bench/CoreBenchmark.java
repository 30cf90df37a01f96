package dev.parley.bench;

import com.typesafe.config.Config;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongToDoubleFunction;
import org.slf4j.LoggerFactory;

/**
 * Parley's core against the baselines it must stand next to, in one run on one machine: the same
 * 10,000 lanes × 100 no-op events through (a) {@code Parley.submit} with every outcome observed,
 * (b) raw Pekko typed {@code tell} to 10,000 counting actors (the ceiling), (c) a hand-rolled keyed
 * serial executor with a future per event (what a Java developer writes instead); and the makespan
 * of 10,000 spaces with one 100 ms async handler each through (d) Parley and (e) raw typed actors
 * with {@code pipeToSelf}. It prints a table of the medians and the ratios a/b, a/c and d/e next to
 * their targets.
 *
 * <p>The monitor's overhead, on request ({@code -Dbench.only=mn}): the workload of (a) with the
 * monitor on ({@code parley.monitor.enabled}, default interval) and one subscriber to its updates
 * (m), and with the monitor off (n); the ratio m/n is the throughput the monitor leaves.
 *
 * <p>With one submitting thread, on request ({@code -Dbench.only=st}): the workloads of (a) and (c)
 * sent by a single caller (s, t), as a simple application or a test harness submits; s/t is a/c for
 * it.
 *
 * <p>Run from the repository root (about two minutes on 2 cores):
 *
 * <pre>
 * mvn -B -q -pl bench -am package -DskipTests &amp;&amp; java -Xms2g -Xmx2g -jar bench/target/parley-bench.jar
 * </pre>
 *
 * <p>Knobs, as {@code -D} options before {@code -jar}: {@code bench.lanes} (10000), {@code
 * bench.events-per-lane} (100), {@code bench.callers} (2), {@code bench.warmup.rounds} (25), {@code
 * bench.warmup.seconds} (50, per measurement), {@code bench.rounds} (7, the median is reported),
 * {@code bench.delay-ms} (100), {@code bench.round-timeout-seconds} (120), {@code bench.only} (e.g.
 * {@code a} to profile Parley alone, {@code mn} for the monitor's overhead, {@code st} for one
 * submitting thread; default {@code abcde}). Every system under test runs its actors on a
 * dispatcher sized like {@code parley.worker-dispatcher} (one thread per core); {@code
 * -Dparley.worker-dispatcher.fork-join-executor.…} options change it for all of them alike.
 */
public final class CoreBenchmark {
  private static final double TARGET_EVENTS_PER_SECOND = 1_000_000;
  private static final double TARGET_A_OVER_B = 0.25;
  private static final double TARGET_A_OVER_C = 0.5;
  private static final double TARGET_D_OVER_E = 1.2;
  private static final double TARGET_M_OVER_N = 0.95;

  private final BenchSettings settings;
  private final PrintStream out;
  private final Map<Character, Rounds.Result> results = new TreeMap<>();

  private CoreBenchmark(BenchSettings settings, PrintStream out) {
    this.settings = settings;
    this.out = out;
  }

  public static void main(String[] args) throws Exception {
    // Start logging before any actor system does, from several threads at once.
    LoggerFactory.getILoggerFactory();
    new CoreBenchmark(BenchSettings.fromSystemProperties(), System.out).run();
  }

  /** Starts a measurement's system under test. */
  @FunctionalInterface
  private interface Start {
    Workload start(BenchSettings settings, Callers callers) throws Exception;
  }

  private void run() throws Exception {
    printHeader();
    List<Rounds.Entry> started = new ArrayList<>();
    try (Callers callers = new Callers(settings);
        Callers oneCaller = new Callers(settings, 1)) {
      start(started, 'a', "(a) Parley submit", ParleyThroughput::new, callers);
      start(started, 'b', "(b) raw typed tell", RawTellThroughput::new, callers);
      start(started, 'c', "(c) keyed serial executor", KeyedExecutorThroughput::new, callers);
      start(started, 'd', "(d) Parley makespan", ParleyMakespan::new, callers);
      start(started, 'e', "(e) raw pipeToSelf makespan", RawPipeToSelfMakespan::new, callers);
      start(
          started,
          'm',
          "(m) Parley submit, monitor on",
          (s, c) -> ParleyThroughput.monitored(s, c, true),
          callers);
      start(
          started,
          'n',
          "(n) Parley submit, monitor off",
          (s, c) -> ParleyThroughput.monitored(s, c, false),
          callers);
      start(started, 's', "(s) Parley submit, one caller", ParleyThroughput::new, oneCaller);
      start(
          started,
          't',
          "(t) keyed serial executor, one caller",
          KeyedExecutorThroughput::new,
          oneCaller);
      results.putAll(new Rounds(started, settings, out).run());
    } finally {
      for (int i = started.size() - 1; i >= 0; i--) {
        started.get(i).workload().close();
      }
    }
    printTable();
  }

  private void start(
      List<Rounds.Entry> started, char id, String label, Start start, Callers callers)
      throws Exception {
    if (settings.runs(id)) {
      started.add(new Rounds.Entry(id, label, start.start(settings, callers)));
    }
  }

  private void printHeader() {
    Runtime runtime = Runtime.getRuntime();
    out.printf(
        Locale.ROOT,
        "Parley core benchmark: %,d lanes x %,d events = %,d events per round, %d callers%n",
        settings.lanes(),
        settings.eventsPerLane(),
        settings.eventsPerRound(),
        settings.callers());
    out.printf(
        Locale.ROOT,
        "Java %s (%s), %d CPUs, heap max %,d MB, JVM options %s%n",
        System.getProperty("java.version"),
        System.getProperty("java.vm.name"),
        runtime.availableProcessors(),
        runtime.maxMemory() >> 20,
        ManagementFactory.getRuntimeMXBean().getInputArguments());
    out.printf(
        Locale.ROOT,
        "dispatcher of every system under test (Parley's workers, the raw actors): %s%n",
        describeDefaultDispatcher(runtime.availableProcessors()));
    out.printf(
        Locale.ROOT,
        "warm-up: up to %d rounds or %d s per measurement; reported: median of %d rounds%n%n",
        settings.warmupRounds(),
        settings.warmupTime().toSeconds(),
        settings.rounds());
  }

  /** The executor and thread count of Pekko's default dispatcher: it decides most figures here. */
  private static String describeDefaultDispatcher(int cores) {
    Config dispatcher = BenchSettings.pekkoConfig().getConfig("pekko.actor.default-dispatcher");
    String executor = dispatcher.getString("executor");
    if (executor.equals("default-executor")) {
      executor = dispatcher.getString("default-executor.fallback");
    }
    String threads = "";
    if (executor.equals("fork-join-executor")) {
      Config pool = dispatcher.getConfig(executor);
      int wanted = (int) Math.ceil(cores * pool.getDouble("parallelism-factor"));
      int clamped =
          Math.min(
              pool.getInt("parallelism-max"), Math.max(pool.getInt("parallelism-min"), wanted));
      threads = ", " + clamped + " threads";
    }
    return executor + threads + ", throughput " + dispatcher.getInt("throughput");
  }

  private void printTable() {
    out.println();
    out.printf(
        Locale.ROOT,
        "%-44s %14s %14s %14s %12s%n",
        "measurement",
        "median",
        "worst",
        "best",
        "first round");
    throughputRow('a', "(a) Parley submit + outcome, events/s");
    throughputRow('b', "(b) raw typed tell (ceiling), msgs/s");
    throughputRow('c', "(c) keyed serial executor + future, /s");
    makespanRow('d', "(d) Parley " + spaces() + " x " + delayMs() + " ms, ms");
    makespanRow('e', "(e) raw actors + pipeToSelf, ms");
    boolean monitor = settings.runs('m') || settings.runs('n');
    if (monitor) {
      throughputRow('m', "(m) as (a), monitor on + subscriber, /s");
      throughputRow('n', "(n) as (a), monitor off, events/s");
    }
    boolean oneCaller = settings.runs('s') || settings.runs('t');
    if (oneCaller) {
      throughputRow('s', "(s) as (a), one submitting thread, /s");
      throughputRow('t', "(t) as (c), one submitting thread, /s");
    }
    out.println();
    out.printf(Locale.ROOT, "%-44s %14s %14s %8s%n", "check", "value", "target", "result");
    Double a = rate('a');
    check("(a) events/s", a, ">=", TARGET_EVENTS_PER_SECOND, "%,.0f");
    check("a/b  Parley vs raw tell", ratio(a, rate('b')), ">=", TARGET_A_OVER_B, "%.3f");
    check("a/c  Parley vs keyed executor", ratio(a, rate('c')), ">=", TARGET_A_OVER_C, "%.3f");
    check(
        "d/e  Parley vs raw makespan",
        ratio(makespan('d'), makespan('e')),
        "<=",
        TARGET_D_OVER_E,
        "%.3f");
    if (oneCaller) {
      check(
          "s/t  as a/c, one submitting thread",
          ratio(rate('s'), rate('t')),
          ">=",
          TARGET_A_OVER_C,
          "%.3f");
    }
    if (monitor) {
      check("m/n  monitor on vs off", ratio(rate('m'), rate('n')), ">=", TARGET_M_OVER_N, "%.3f");
      roundByRound('m', 'n');
    }
  }

  /**
   * The throughput ratio of each measured round, whose two measurements ran back to back: the
   * spread shows how far the machine's load moved the ratio of the medians.
   */
  private void roundByRound(char numerator, char denominator) {
    Rounds.Result top = results.get(numerator);
    Rounds.Result bottom = results.get(denominator);
    if (top == null || bottom == null) {
      return;
    }
    double[] ratios = new double[top.measured().length];
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < ratios.length; i++) {
      ratios[i] = (double) bottom.measured()[i] / top.measured()[i]; // durations: inverse rates
      line.append(String.format(Locale.ROOT, " %.3f", ratios[i]));
    }
    Arrays.sort(ratios);
    int mid = ratios.length / 2;
    double median = ratios.length % 2 == 1 ? ratios[mid] : (ratios[mid - 1] + ratios[mid]) / 2;
    out.printf(
        Locale.ROOT,
        "%c/%c  round by round:%s (median %.3f)%n",
        numerator,
        denominator,
        line,
        median);
  }

  private String spaces() {
    return String.format(Locale.ROOT, "%,d", settings.lanes());
  }

  private long delayMs() {
    return settings.handlerDelay().toMillis();
  }

  private void throughputRow(char id, String label) {
    row(id, label, "%,.0f", this::perSecond);
  }

  private void makespanRow(char id, String label) {
    row(id, label, "%.1f", Rounds::millis);
  }

  /** One measurement's line: median, worst, best and first round, each as {@code cell}. */
  private void row(char id, String label, String cell, LongToDoubleFunction value) {
    Rounds.Result r = results.get(id);
    if (r == null) {
      out.printf(Locale.ROOT, "%-44s %14s%n", label, "not run");
      return;
    }
    out.printf(
        Locale.ROOT,
        "%-44s %14s %14s %14s %12s%n",
        label,
        String.format(Locale.ROOT, cell, value.applyAsDouble(r.median())),
        String.format(Locale.ROOT, cell, value.applyAsDouble(r.slowest())),
        String.format(Locale.ROOT, cell, value.applyAsDouble(r.fastest())),
        String.format(Locale.ROOT, cell, value.applyAsDouble(r.firstRound())));
  }

  private double perSecond(long nanos) {
    return settings.eventsPerRound() / (nanos / 1e9);
  }

  private Double rate(char id) {
    Rounds.Result r = results.get(id);
    return r == null ? null : perSecond(r.median());
  }

  private Double makespan(char id) {
    Rounds.Result r = results.get(id);
    return r == null ? null : Rounds.millis(r.median());
  }

  private static Double ratio(Double numerator, Double denominator) {
    return numerator == null || denominator == null ? null : numerator / denominator;
  }

  private void check(String label, Double value, String relation, double target, String format) {
    if (value == null) {
      out.printf(Locale.ROOT, "%-44s %14s%n", label, "n/a");
      return;
    }
    boolean met = relation.equals(">=") ? value >= target : value <= target;
    out.printf(
        Locale.ROOT,
        "%-44s %14s %14s %8s%n",
        label,
        String.format(Locale.ROOT, format, value),
        relation + " " + String.format(Locale.ROOT, format, target),
        met ? "PASS" : "MISS");
  }
}
