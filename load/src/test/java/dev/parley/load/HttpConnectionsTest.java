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
    Set<String> peers = ConcurrentHashMap.newKeySet();
    HttpServer server = answering(false, peers);
    try {
      JsonNode report = run("--server", url(server), "--target", "healthz", "--concurrency", "3");
      long requests = report.get("requests").asLong();
      assertTrue(requests > 3, report.toString());
      assertEquals(requests, report.at("/statuses/200").asLong(), report.toString());
      assertTrue(
          peers.size() <= 3, "at most one connection per request in flight: " + peers.size());
    } finally {
      server.stop(0);
    }
  }

  @Test
  void aServerThatClosesEachConnectionAfterItsAnswerGetsANewOneForTheNext() throws Exception {
    Set<String> peers = ConcurrentHashMap.newKeySet();
    HttpServer server = answering(true, peers);
    try {
      JsonNode report = run("--server", url(server), "--target", "healthz", "--rate", "50");
      assertEquals(50, report.at("/statuses/200").asLong(), report.toString());
      assertEquals(0, report.get("errors").size(), report.toString());
      assertTrue(peers.size() >= 50, "a connection per request: " + peers.size());
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
              "200ms",
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
