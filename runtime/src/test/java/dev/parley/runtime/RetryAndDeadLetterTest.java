package dev.parley.runtime;

import static dev.parley.runtime.ParleyTestKit.await;
import static dev.parley.runtime.ParleyTestKit.awaitAll;
import static dev.parley.runtime.ParleyTestKit.builder;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RetryAndDeadLetterTest {
  @RegisterExtension static final ParleyExtension parleys = new ParleyExtension();
  private static final RetryPolicy THREE_FAST_ATTEMPTS =
      RetryPolicy.builder()
          .maxAttempts(3)
          .initialBackoff(Duration.ofMillis(5))
          .maxBackoff(Duration.ofMillis(20))
          .build();
  private static final String FAST_RESTARTS =
      """
      parley.worker.restart.min-backoff = 10ms
      parley.worker.restart.max-backoff = 50ms
      """;

  /** Per event id: how many attempts fail before one succeeds (absent: never fails). */
  private final Map<String, Integer> failuresBeforeSuccess = new ConcurrentHashMap<>();

  private final List<String> attemptsSeen = Collections.synchronizedList(new ArrayList<>());

  private Parley start(String config, RetryPolicy policy) {
    return parleys.start(
        builder(FAST_RESTARTS + config)
            .retryPolicy(policy)
            .handler(
                (event, lane) -> {
                  attemptsSeen.add(event.id() + "#" + lane.attempt());
                  if ("bad-input".equals(event.payload())) {
                    throw new IllegalArgumentException("bad input");
                  }
                  if ("non-retryable".equals(event.payload())) {
                    return CompletableFuture.failedFuture(new NonRetryableException("give up"));
                  }
                  if (lane.attempt() <= failuresBeforeSuccess.getOrDefault(event.id(), 0)) {
                    throw new IllegalStateException("attempt " + lane.attempt() + " failed");
                  }
                  return CompletableFuture.completedFuture(Reply.of(event.id()));
                }));
  }

  private static CompletionStage<Outcome> submit(Parley parley, String id, String payload) {
    return parley.submit(Event.to("s").id(id).payload(payload).build());
  }

  @Test
  void anEventThatFailsTwiceThenSucceedsCompletesOnItsThirdAttemptBeforeTheRestOfItsLane() {
    Parley parley = start("", THREE_FAST_ATTEMPTS);
    failuresBeforeSuccess.put("flaky", 2);

    List<Outcome> results =
        awaitAll(List.of(submit(parley, "flaky", "x"), submit(parley, "after", "x")));

    assertEquals(
        Reply.of("flaky"), assertInstanceOf(Outcome.Completed.class, results.get(0)).reply());
    assertInstanceOf(Outcome.Completed.class, results.get(1));
    assertEquals(List.of("flaky#1", "flaky#2", "flaky#3", "after#1"), attemptsSeen);
  }

  @Test
  void nonRetryableErrorsAreNotRetried() {
    Parley parley = start("", THREE_FAST_ATTEMPTS);

    List<Outcome> results =
        awaitAll(List.of(submit(parley, "a", "non-retryable"), submit(parley, "b", "bad-input")));

    assertEquals(
        NonRetryableException.class.getName(),
        assertInstanceOf(Outcome.Failed.class, results.get(0)).error().type());
    assertEquals(
        IllegalArgumentException.class.getName(),
        assertInstanceOf(Outcome.Failed.class, results.get(1)).error().type());
    assertEquals(List.of("a#1", "b#1"), attemptsSeen);
    assertTrue(parley.deadLetters().isEmpty(), "a non-retryable failure is not dead-lettered");
  }

  @Test
  void anEventThatFailsEveryAttemptIsDeadLetteredAndRedriveRunsItAgain() {
    Parley parley = start("", THREE_FAST_ATTEMPTS);
    failuresBeforeSuccess.put("doomed", Integer.MAX_VALUE);

    Outcome outcome = await(submit(parley, "doomed", "x"));

    Outcome.DeadLettered dead = assertInstanceOf(Outcome.DeadLettered.class, outcome);
    assertEquals(3, dead.attempts());
    assertEquals("attempt 3 failed", dead.error().message());
    DeadLetter letter = parley.deadLetters().get(0);
    assertEquals("doomed", letter.event().id());
    assertEquals("s", letter.laneKey());
    assertEquals(3, letter.attempts());
    assertEquals(IllegalStateException.class.getName(), letter.error().type());
    assertFalse(letter.lastFailureAt().isBefore(letter.firstFailureAt()));
    assertEquals(1, parley.stats().deadLetters());

    failuresBeforeSuccess.put("doomed", 1); // the upstream got better
    Outcome redriven = await(parley.redrive("doomed").orElseThrow());

    assertInstanceOf(Outcome.Completed.class, redriven);
    assertEquals(List.of("doomed#1", "doomed#2", "doomed#3", "doomed#1", "doomed#2"), attemptsSeen);
    assertTrue(parley.deadLetters().isEmpty());
    assertTrue(parley.redrive("doomed").isEmpty(), "a redriven dead letter is gone");
  }

  @Test
  void aPerEventRetryPolicyOverridesTheRuntimes() {
    Parley parley = start("", RetryPolicy.none());
    failuresBeforeSuccess.put("flaky", 1);

    Outcome withoutRetry = await(submit(parley, "plain", "x"));
    Outcome withRetry =
        await(
            parley.submit(
                Event.to("s").id("flaky").retryPolicy(THREE_FAST_ATTEMPTS).payload("x").build()));

    assertInstanceOf(Outcome.Completed.class, withoutRetry);
    assertInstanceOf(Outcome.Completed.class, withRetry);
    assertEquals(List.of("plain#1", "flaky#1", "flaky#2"), attemptsSeen);
  }

  @Test
  void withoutRetriesAFailureEndsFailedAndIsNotDeadLettered() {
    Parley parley = start("", RetryPolicy.none());
    failuresBeforeSuccess.put("once", 1);

    assertInstanceOf(Outcome.Failed.class, await(submit(parley, "once", "x")));
    assertTrue(parley.deadLetters().isEmpty());
  }

  @Test
  void theDeadLetterStoreIsBoundedDroppingTheOldestAndListsNewestFirst() {
    Parley parley =
        start(
            "parley.dead-letters.max-entries = 3",
            RetryPolicy.builder().maxAttempts(2).initialBackoff(Duration.ZERO).build());
    List<CompletionStage<Outcome>> outcomes = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      failuresBeforeSuccess.put("e" + i, Integer.MAX_VALUE);
      outcomes.add(submit(parley, "e" + i, "x"));
    }
    awaitAll(outcomes).forEach(o -> assertInstanceOf(Outcome.DeadLettered.class, o));

    assertEquals(
        List.of("e5", "e4", "e3"),
        parley.deadLetters().stream().map(letter -> letter.event().id()).toList());
    assertEquals(2, parley.stats().deadLettersDropped());
    assertEquals(3, parley.purgeDeadLetters());
    assertTrue(parley.deadLetters().isEmpty());
  }

  @Test
  void aTimedOutAttemptIsRetriedLikeAFailure() {
    AtomicInteger attempts = new AtomicInteger();
    Parley parley =
        parleys.start(
            builder(FAST_RESTARTS + "parley.worker.handler-timeout = 100ms")
                .retryPolicy(THREE_FAST_ATTEMPTS)
                .handler(
                    (event, lane) ->
                        attempts.incrementAndGet() == 1
                            ? new CompletableFuture<>()
                            : CompletableFuture.completedFuture(Reply.of(lane.attempt()))));

    Outcome outcome = await(parley.submit(Event.to("s").build()));

    assertEquals(Reply.of(2), assertInstanceOf(Outcome.Completed.class, outcome).reply());
    assertEquals(1, parley.stats().totals().restarts());
  }

  @Test
  void retryPolicyBuilderRejectsValuesOutOfRange() {
    assertTrue(
        assertThrows(
                IllegalArgumentException.class, () -> RetryPolicy.builder().maxAttempts(0).build())
            .getMessage()
            .startsWith("maxAttempts"));
    assertTrue(
        assertThrows(
                IllegalArgumentException.class, () -> RetryPolicy.builder().jitter(1.5).build())
            .getMessage()
            .startsWith("jitter"));
    assertTrue(
        assertThrows(
                IllegalArgumentException.class, () -> RetryPolicy.builder().multiplier(0.5).build())
            .getMessage()
            .startsWith("multiplier"));
    assertTrue(
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    RetryPolicy.builder()
                        .initialBackoff(Duration.ofSeconds(2))
                        .maxBackoff(Duration.ofSeconds(1))
                        .build())
            .getMessage()
            .startsWith("maxBackoff"));
  }

  @Test
  void backoffGrowsByTheMultiplierUpToTheMaximumWithinTheJitter() {
    RetryPolicy policy =
        RetryPolicy.builder()
            .initialBackoff(Duration.ofMillis(100))
            .maxBackoff(Duration.ofMillis(1000))
            .multiplier(2)
            .jitter(0.2)
            .build();

    assertEquals(Duration.ofMillis(100), policy.backoff(1, 0.5));
    assertEquals(Duration.ofMillis(200), policy.backoff(2, 0.5));
    assertEquals(Duration.ofMillis(400), policy.backoff(3, 0.5));
    assertEquals(Duration.ofMillis(1000), policy.backoff(10, 0.5));
    assertEquals(Duration.ofMillis(80), policy.backoff(1, 0.0));
    assertEquals(Duration.ofMillis(120), policy.backoff(1, 1.0));
    assertEquals(Duration.ofMillis(1000), policy.backoff(10, 1.0), "never above the maximum");
  }
}
