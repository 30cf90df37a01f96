package dev.parley.runtime;

import static org.junit.jupiter.api.Assertions.fail;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;

/** Shared helpers for tests that run a Parley inside the test kit's actor system. */
final class ParleyTestKit {
  static final Duration TIMEOUT = Duration.ofSeconds(30);

  private ParleyTestKit() {}

  static Parley.Builder builder(ActorTestKit testKit, String config) {
    return Parley.builder().actorSystem(testKit.system()).config(ConfigFactory.parseString(config));
  }

  static Config config(String hocon) {
    return ConfigFactory.parseString(hocon);
  }

  /** Retries {@code assertion} until it passes, for at most {@code max}. */
  static void eventually(ActorTestKit testKit, Duration max, Runnable assertion) {
    testKit
        .createTestProbe()
        .awaitAssert(
            max,
            () -> {
              assertion.run();
              return null;
            });
  }

  static Outcome await(CompletionStage<Outcome> stage) {
    try {
      return stage.toCompletableFuture().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    } catch (ExecutionException e) {
      throw new AssertionError("outcome stage failed", e.getCause());
    } catch (TimeoutException e) {
      return fail("no outcome within " + TIMEOUT);
    }
  }

  static List<Outcome> awaitAll(List<CompletionStage<Outcome>> stages) {
    return stages.stream().map(ParleyTestKit::await).toList();
  }

  static void awaitShutdown(Parley parley) {
    try {
      parley.shutdown().toCompletableFuture().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("shutdown did not complete", e);
    }
  }
}
