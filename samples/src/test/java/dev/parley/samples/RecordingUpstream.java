package dev.parley.samples;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The agent a demo with {@code --forward} calls, on 127.0.0.1: it records every delivery (the
 * event, its space, whether Parley said redelivered), answers {@code {"ok":true}}, takes 20 ms
 * while {@link #slow}, and counts deliveries of one space that overlapped.
 */
final class RecordingUpstream implements AutoCloseable {
  /** One delivery the upstream received. */
  record Delivery(String id, String space, boolean redelivered, long atNanos) {}

  final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
  final AtomicBoolean slow = new AtomicBoolean(true);
  private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
  private final AtomicInteger overlaps = new AtomicInteger();
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
          if (slow.get()) {
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
