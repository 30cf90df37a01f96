package dev.parley.runtime;

import static org.junit.jupiter.api.Assertions.fail;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Static helpers for tests of the runtime, whether it runs in {@link ParleyExtension}'s test kit or
 * in an actor system of its own.
 */
final class ParleyTestKit {
  /** How long a test waits for something that must end: an outcome, a receipt, a shutdown. */
  static final Duration TIMEOUT = Duration.ofSeconds(30);

  private ParleyTestKit() {}

  static Config config(String hocon) {
    return ConfigFactory.parseString(hocon);
  }

  /** A runtime builder configured by {@code hocon}, over the actor system's configuration. */
  static ParleyBuilder builder(String hocon) {
    return Parley.builder().config(config(hocon));
  }

  /** The value of {@code stage}; fails the test if it fails or does not end within the timeout. */
  static <T> T await(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    } catch (ExecutionException e) {
      throw new AssertionError("stage failed", e.getCause());
    } catch (TimeoutException e) {
      return fail("stage did not complete within " + TIMEOUT);
    }
  }

  static <T> List<T> awaitAll(List<CompletionStage<T>> stages) {
    return stages.stream().map(ParleyTestKit::await).toList();
  }

  /** Submits the event numbered {@code seq} of lane number {@code lane}. */
  interface LaneSubmitter {
    void submit(int lane, int seq);
  }

  /**
   * Submits {@code eventsPerLane} events to each of {@code lanes} lanes from {@code threads}
   * threads: each thread owns every {@code threads}-th lane and interleaves its lanes event by
   * event, so the events of one lane are submitted in order by one thread.
   */
  static void submitFromOwningThreads(
      int threads, int lanes, int eventsPerLane, LaneSubmitter submitter) throws Exception {
    ExecutorService submitters = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        done.add(
            submitters.submit(
                () -> {
                  for (int seq = 0; seq < eventsPerLane; seq++) {
                    for (int lane = thread; lane < lanes; lane += threads) {
                      submitter.submit(lane, seq);
                    }
                  }
                }));
      }
      for (Future<?> f : done) {
        f.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
    } finally {
      submitters.shutdown();
    }
  }
}
