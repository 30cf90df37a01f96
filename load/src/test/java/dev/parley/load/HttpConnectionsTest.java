package dev.parley.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * The client's connections against small servers of the JDK's: kept alive and reused, opened again
 * when the server closes them, and a request without an answer ends with its timeout.
 */
class HttpConnectionsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void requestsReuseKeptAliveConnectionsOneRequestInFlightEach() throws Exception {
    Served served = healthz(false, "--concurrency", "3");
    long requests = served.report().get("requests").asLong();
    assertTrue(requests > 3, served.report().toString());
    assertEquals(requests, served.report().at("/statuses/200").asLong(), served.toString());
    assertTrue(served.connections() <= 3, "at most one per request in flight: " + served);
  }

  @Test
  void aServerThatClosesEachConnectionAfterItsAnswerGetsANewOneForTheNext() throws Exception {
    Served served = healthz(true, "--rate", "50");
    assertEquals(50, served.report().at("/statuses/200").asLong(), served.toString());
    assertEquals(0, served.report().get("errors").size(), served.toString());
    assertTrue(served.connections() >= 50, "a connection per request: " + served);
  }

  /** A run's report, and how many connections the server saw. */
  private record Served(JsonNode report, int connections) {}

  /** Drives {@code GET /healthz} of a server that closes each connection when {@code close}. */
  private static Served healthz(boolean close, String... load) throws Exception {
    Set<String> peers = ConcurrentHashMap.newKeySet();
    HttpServer server = answering(close, peers);
    try {
      List<String> args = new ArrayList<>(List.of("--server", url(server), "--target", "healthz"));
      args.addAll(List.of(load));
      return new Served(run(args.toArray(String[]::new)), peers.size());
    } finally {
      server.stop(0);
    }
  }

  @Test
  void aRequestWithoutAnAnswerEndsWithItsTimeout() throws Exception {
    List<Socket> held = new CopyOnWriteArrayList<>();
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread acceptor =
          new Thread(
              () -> {
                try {
                  while (true) {
                    held.add(silent.accept()); // reads nothing, answers nothing
                  }
                } catch (IOException closed) {
                  // the test is over
                }
              });
      acceptor.setDaemon(true);
      acceptor.start();
      CliRun run =
          CliRun.of(
              "--server",
              "http://127.0.0.1:" + silent.getLocalPort(),
              "--rate",
              "10",
              "--duration",
              "300ms",
              "--warmup",
              "0s",
              "--timeout",
              "1s", // the connect, also bounded by it, is not what this test times
              "--json",
              "--no-progress");
      assertEquals(1, run.status(), run.err());
      JsonNode report = JSON.readTree(run.out());
      assertEquals(3, report.at("/errors/TimeoutException").asLong(), run.out());
    } finally {
      for (Socket socket : held) {
        socket.close();
      }
    }
  }

  /**
   * A server whose every route answers 200 {@code ok}, closing the connection when {@code close};
   * it adds each request's client address and port to {@code peers}.
   */
  private static HttpServer answering(boolean close, Set<String> peers) throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.createContext(
        "/",
        exchange -> {
          peers.add(exchange.getRemoteAddress().toString());
          byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
          if (close) {
            exchange.getResponseHeaders().add("Connection", "close");
          }
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
    return server;
  }

  private static String url(HttpServer server) {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Runs for 1 s after a 200 ms warm-up and returns the JSON report. */
  private static JsonNode run(String... options) throws Exception {
    List<String> args = new ArrayList<>(List.of(options));
    args.addAll(List.of("--duration", "1s", "--warmup", "200ms", "--json", "--no-progress"));
    CliRun run = CliRun.of(args.toArray(String[]::new));
    assertEquals(0, run.status(), run.err());
    return JSON.readTree(run.out());
  }
}
