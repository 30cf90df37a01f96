package dev.parley.load;

import io.netty.handler.codec.http.FullHttpRequest;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongFunction;

/**
 * Sends a run's requests for its warm-up and then its measured duration, and records every answer
 * in the phase its request was meant to start in. Open model ({@link Model.Open}): request {@code
 * n} is due at {@code start + n / rate} whether or not earlier ones were answered, at most {@code
 * connections} in flight, and its latency counts from when it was due, so a slow server cannot hide
 * its queueing (no coordinated omission). Closed model ({@link Model.Closed}): {@code concurrency}
 * requests in flight, each sent as the previous one is answered, latency from the send.
 */
final class LoadDriver {

  /** How requests are started. */
  sealed interface Model {
    /** How many connections the client may open at most. */
    int connections();

    /** {@code rate} requests per second on a schedule, over at most {@code connections}. */
    record Open(int rate, int connections) implements Model {}

    /** {@code concurrency} requests always in flight, one connection each. */
    record Closed(int concurrency) implements Model {
      @Override
      public int connections() {
        return concurrency;
      }
    }
  }

  /** A request's timeout ends it; this much more is left for its failure to be reported. */
  private static final Duration DRAIN_MARGIN = Duration.ofSeconds(5);

  private final HttpConnections connections;
  private final LongFunction<FullHttpRequest> requests;
  private final Model model;
  private final Duration timeout;
  private final Phase warmup = new Phase();
  private final Phase measured = new Phase();
  private final AtomicLong next = new AtomicLong();
  private final long start;
  private final long measureStart;
  private final long end;

  /**
   * @param timeout a request's own timeout: how long the run waits, at most, for the last answers
   *     after its end
   */
  LoadDriver(
      HttpConnections connections,
      LongFunction<FullHttpRequest> requests,
      Model model,
      Duration warmup,
      Duration duration,
      Duration timeout) {
    this.connections = connections;
    this.requests = requests;
    this.model = model;
    this.timeout = timeout;
    this.start = System.nanoTime();
    this.measureStart = start + warmup.toNanos();
    this.end = measureStart + duration.toNanos();
  }

  /** Sends until the end of the run, then waits for the requests still in flight. */
  void run() throws InterruptedException {
    boolean drained;
    if (model instanceof Model.Open open) {
      drained = runOpen(open);
    } else {
      drained = runClosed((Model.Closed) model);
    }
    if (!drained) {
      throw new IllegalStateException(
          "requests still unanswered " + timeout.plus(DRAIN_MARGIN) + " after the run's end");
    }
  }

  private boolean runOpen(Model.Open open) throws InterruptedException {
    Semaphore slots = new Semaphore(open.connections());
    for (long n = 0; ; n++) {
      long due = start + (long) (n * 1e9 / open.rate());
      if (due >= end) {
        break;
      }
      for (long early = due - System.nanoTime(); early > 0; early = due - System.nanoTime()) {
        LockSupport.parkNanos(early);
      }
      slots.acquire();
      send(n, due, slots::release);
    }
    return slots.tryAcquire(open.connections(), drainNanos(), TimeUnit.NANOSECONDS);
  }

  private boolean runClosed(Model.Closed closed) throws InterruptedException {
    CountDownLatch users = new CountDownLatch(closed.concurrency());
    for (int i = 0; i < closed.concurrency(); i++) {
      sendNext(users);
    }
    return users.await(end - System.nanoTime() + drainNanos(), TimeUnit.NANOSECONDS);
  }

  /** One closed-model user: the next request as soon as the previous one is answered. */
  private void sendNext(CountDownLatch users) {
    long now = System.nanoTime();
    if (now >= end) {
      users.countDown();
      return;
    }
    send(next.getAndIncrement(), now, () -> sendNext(users));
  }

  private void send(long n, long due, Runnable then) {
    connections.send(
        requests.apply(n),
        (status, error) -> {
          long now = System.nanoTime();
          Phase phase = due < measureStart ? warmup : measured;
          if (error == null) {
            phase.answered(status, due, now);
          } else {
            phase.failed(error, due, now);
          }
          then.run();
        });
  }

  private long drainNanos() {
    return timeout.plus(DRAIN_MARGIN).toNanos();
  }

  Model model() {
    return model;
  }

  Phase warmup() {
    return warmup;
  }

  Phase measured() {
    return measured;
  }

  /** Whether the run is in its measured part at {@code nanos} ({@link System#nanoTime()}). */
  boolean measuring(long nanos) {
    return nanos >= measureStart;
  }

  /** How far the run is at {@code nanos}, from 0 to 1, warm-up included. */
  double done(long nanos) {
    return Math.min(1.0, Math.max(0.0, (double) (nanos - start) / (end - start)));
  }

  /** Measured seconds: from the measurement's start to its last answer. */
  double measuredSeconds() {
    long last = measured.lastEndNanos();
    return last == Long.MIN_VALUE ? 0 : (last - measureStart) / 1e9;
  }
}
