package dev.parley.runtime;

import static dev.parley.runtime.ParleyTestKit.await;
import static dev.parley.runtime.ParleyTestKit.builder;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * User code never runs inside a lane's own message: an outcome callback or a listener that blocks
 * does not hold its lane, and a blocking handler's rollback runs where blocking code belongs.
 */
class UserCodeOffTheLaneTest {
  @RegisterExtension static final ParleyExtension parleys = new ParleyExtension();
  private static final Duration TEN_SECONDS = Duration.ofSeconds(10);

  /** Completes each event when the test says so, and counts down when "second" starts. */
  private static final class Script implements Handler {
    final CompletableFuture<Reply> first = new CompletableFuture<>();
    final CountDownLatch secondStarted = new CountDownLatch(1);

    @Override
    public CompletionStage<Reply> handle(Event event, LaneContext lane) {
      if ("first".equals(event.payload())) {
        return first;
      }
      secondStarted.countDown();
      return CompletableFuture.completedFuture(Reply.of(event.payload()));
    }
  }

  private static boolean awaitLatch(CountDownLatch latch) {
    try {
      return latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Test
  void anOutcomeCallbackThatBlocksDoesNotHoldItsLane() {
    Script script = new Script();
    Parley parley = parleys.start(builder("").handler(script));
    CompletionStage<Outcome> first = parley.submit(Event.to("s").payload("first").build());
    AtomicReference<Boolean> sawSecond = new AtomicReference<>();
    // Blocks until the lane's next event has started: on the lane's turn, that never happens.
    CompletableFuture<Void> callback =
        first
            .thenAccept(outcome -> sawSecond.set(awaitLatch(script.secondStarted)))
            .toCompletableFuture();
    CompletionStage<Outcome> second = parley.submit(Event.to("s").payload("second").build());

    script.first.complete(Reply.of("first"));

    assertInstanceOf(Outcome.Completed.class, await(second));
    await(callback);
    assertTrue(sawSecond.get(), "the lane ran its next event while the callback blocked");
  }

  @Test
  void aListenerThatBlocksDoesNotHoldItsLane() {
    Script script = new Script();
    AtomicReference<Boolean> sawSecond = new AtomicReference<>();
    CountDownLatch heardFirst = new CountDownLatch(1);
    Parley parley =
        parleys.start(
            builder("")
                .handler(script)
                .listener(
                    finished -> {
                      if ("first".equals(finished.event().payload())) {
                        sawSecond.set(awaitLatch(script.secondStarted));
                        heardFirst.countDown();
                      }
                    }));
    CompletionStage<Outcome> first = parley.submit(Event.to("s").payload("first").build());
    CompletionStage<Outcome> second = parley.submit(Event.to("s").payload("second").build());

    script.first.complete(Reply.of("first"));

    assertInstanceOf(Outcome.Completed.class, await(second));
    assertTrue(awaitLatch(heardFirst));
    assertTrue(sawSecond.get(), "the lane ran its next event while the listener blocked");
    assertInstanceOf(Outcome.Completed.class, await(first));
  }

  @Test
  void aBlockingHandlersRollbackRunsOnTheBlockingDispatcher() {
    AtomicReference<String> rollbackThread = new AtomicReference<>();
    AtomicReference<String> handlerThread = new AtomicReference<>();
    CountDownLatch started = new CountDownLatch(1);
    Parley parley =
        parleys.start(
            builder("")
                .blockingHandler(
                    new Handler() {
                      @Override
                      public CompletionStage<Reply> handle(Event event, LaneContext lane)
                          throws InterruptedException {
                        handlerThread.set(Thread.currentThread().getName());
                        if ("hold".equals(event.payload())) {
                          started.countDown();
                          Thread.sleep(60_000); // interrupted when the newer event interrupts it
                        }
                        return CompletableFuture.completedFuture(Reply.empty());
                      }

                      @Override
                      public CompletionStage<Void> onRollback(Event interrupted, LaneContext lane) {
                        rollbackThread.set(Thread.currentThread().getName());
                        return CompletableFuture.completedFuture(null);
                      }
                    }));
    parley.policy("s", DoubleTextPolicy.ROLLBACK);
    CompletionStage<Outcome> held = parley.submit(Event.to("s").id("held").payload("hold").build());
    assertTrue(awaitLatch(started));

    await(parley.submit(Event.to("s").id("newer").payload("go").build()));

    assertEquals(new Outcome.Interrupted("held", "interrupted", true), await(held));
    assertTrue(
        rollbackThread.get().contains("blocking-dispatcher"),
        "rollback ran on " + rollbackThread.get());
    assertTrue(handlerThread.get().contains("blocking-dispatcher"), handlerThread.get());
  }
}
