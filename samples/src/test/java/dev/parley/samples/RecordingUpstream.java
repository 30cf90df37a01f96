package dev.parley.samples;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The agent a demo with {@code --forward} calls, on 127.0.0.1: it records every delivery (the
 * event, its space, whether Parley said redelivered), answers {@code {"ok":true}}, takes 20 ms
 * while {@link #slow}, holds its answers past a number of deliveries when asked ({@link
 * #holdAfter}), and counts deliveries of one space that overlapped.
 */
final class RecordingUpstream implements AutoCloseable {
  /** One delivery the upstream received. */
  record Delivery(String id, String space, boolean redelivered, long atNanos) {}

  private static final int HOLD_SECONDS = 5;

  final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
  final AtomicBoolean slow = new AtomicBoolean(true);
  private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
  private final AtomicInteger overlaps = new AtomicInteger();
  private final CountDownLatch released = new CountDownLatch(1);
  private volatile int holdAfter = Integer.MAX_VALUE;
  private final HttpServer server;

  RecordingUpstream() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
    server.setExecutor(Executors.newFixedThreadPool(16));
    server.createContext(
        "/chat",
        exchange -> {
          String space = exchange.getRequestHeaders().getFirst("X-Parley-Space");
          AtomicInteger running = inFlight.computeIfAbsent(space, s -> new AtomicInteger());
          if (running.incrementAndGet() > 1) {
            overlaps.incrementAndGet();
          }
          deliveries.add(
              new Delivery(
                  exchange.getRequestHeaders().getFirst("X-Parley-Event-Id"),
                  space,
                  "true".equals(exchange.getRequestHeaders().getFirst("X-Parley-Redelivered")),
                  System.nanoTime()));
          if (deliveries.size() > holdAfter) {
            await(released); // events stay pending in their lanes, however slow the test is
          } else if (slow.get()) {
            try {
              Thread.sleep(20); // a slow agent: events wait in their lanes
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          running.decrementAndGet();
          byte[] body = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
  }

  /**
   * From delivery {@code n + 1} on, answers only after {@link #release} or {@value #HOLD_SECONDS}
   * s, well inside the demo's {@code parley.forward.timeout}: however long a loaded machine takes
   * to submit, at most {@code n} deliveries and a few held ones come before it.
   */
  void holdAfter(int n) {
    holdAfter = n;
  }

  /** Answers the held deliveries, and every later one at once. */
  void release() {
    holdAfter = Integer.MAX_VALUE;
    released.countDown();
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(HOLD_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The URL to give {@code --forward}. */
  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/chat";
  }

  /** How many deliveries came while another of their space was still being answered. */
  int overlaps() {
    return overlaps.get();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
