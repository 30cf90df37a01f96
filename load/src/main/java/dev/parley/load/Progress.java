package dev.parley.load;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * A one-line progress bar on stderr, redrawn four times a second while a run lasts: how far it is,
 * the last quarter second's rate and p99, non-2xx answers and errors so far. Its samples feed the
 * measured phase's totals, so it is the only caller of {@link Phase#sample()} while it runs.
 */
final class Progress implements AutoCloseable {
  private static final long TICK_MILLIS = 250;
  private static final int WIDTH = 30;

  private final LoadDriver driver;
  private final PrintStream err;
  private final ScheduledExecutorService ticker;

  private Progress(LoadDriver driver, PrintStream err) {
    this.driver = driver;
    this.err = err;
    this.ticker =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, "parley-load-progress");
              thread.setDaemon(true);
              return thread;
            });
    ticker.scheduleAtFixedRate(this::draw, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
  }

  /** Starts drawing on {@code err}. */
  static Progress start(LoadDriver driver, PrintStream err) {
    return new Progress(driver, err);
  }

  /**
   * Whether stderr is a terminal. Java tells only whether stdin and stdout both are ({@code
   * System.console()}), so on Linux this asks {@code /proc} where file descriptor 2 points.
   */
  static boolean stderrIsTerminal() {
    try {
      String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
      return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
    } catch (Exception e) {
      return System.console() != null;
    }
  }

  private void draw() {
    long now = System.nanoTime();
    boolean measuring = driver.measuring(now);
    Phase phase = measuring ? driver.measured() : driver.warmup();
    Histogram recent = phase.sample();
    double done = driver.done(now);
    int filled = (int) Math.round(done * WIDTH);
    err.printf(
        Locale.ROOT,
        "\r[%s%s] %3.0f%% %-8s %,9.0f req/s  p99 %8.3f ms  non-2xx %,d  errors %,d ",
        "#".repeat(filled),
        ".".repeat(WIDTH - filled),
        done * 100,
        measuring ? "measure" : "warm-up",
        recent.getTotalCount() * 1000.0 / TICK_MILLIS,
        recent.getValueAtPercentile(99) / 1000.0,
        phase.non2xx(),
        phase.errorCount());
    err.flush();
  }

  /** Stops drawing and ends the line. */
  @Override
  public void close() {
    ticker.shutdownNow();
    try {
      ticker.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    err.println();
  }
}
