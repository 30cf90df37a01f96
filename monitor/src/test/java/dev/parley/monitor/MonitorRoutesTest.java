package dev.parley.monitor;

import static dev.parley.monitor.TestMonitor.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.runtime.Event;
import dev.parley.runtime.Handler;
import dev.parley.runtime.LaneContext;
import dev.parley.runtime.Outcome;
import dev.parley.runtime.Parley;
import dev.parley.runtime.Reply;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Directives;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The WebSocket feed and the dashboard's files, on a real server with a real client. */
class MonitorRoutesTest {
  private static final List<String> LANES = List.of("s1", "s2", "s3", "team");

  /** A handler whose events end only when the test says so. */
  private static final class Gate implements Handler {
    final Queue<CompletableFuture<Reply>> open = new ConcurrentLinkedQueue<>();

    @Override
    public CompletionStage<Reply> handle(Event event, LaneContext lane) {
      CompletableFuture<Reply> reply = new CompletableFuture<>();
      open.add(reply);
      return reply;
    }

    void releaseUntilDone(List<CompletionStage<Outcome>> outcomes) {
      while (!outcomes.stream().allMatch(o -> o.toCompletableFuture().isDone())) {
        for (CompletableFuture<Reply> reply; (reply = open.poll()) != null; ) {
          reply.complete(Reply.of("done"));
        }
        Thread.onSpinWait();
      }
    }
  }

  private final Gate gate = new Gate();
  private TestMonitor monitor;

  @AfterEach
  void stop() {
    if (monitor != null) {
      monitor.close();
    }
  }

  @Test
  void theFirstUpdateComesAtOnceWithEveryField() {
    monitor = TestMonitor.start(Parley.builder().handler(gate), "parley.monitor.interval = 1h");
    // With an hour between updates, only the one sent on connect can arrive.
    JsonNode update = monitor.connect("/monitor/ws").await(u -> true);

    assertEquals("state", update.get("type").asText());
    for (String field :
        List.of(
            "ts",
            "queueLength",
            "isRunning",
            "workerPool",
            "admission",
            "throughput",
            "latency",
            "totals",
            "deadLetters",
            "lanesShown",
            "lanesTotal")) {
      assertTrue(update.has(field), "missing " + field + " in " + update);
    }
    for (String field :
        List.of("totalWorkers", "activeWorkers", "queueLengths", "workerHealth", "byHealth")) {
      assertTrue(update.get("workerPool").has(field), "missing workerPool." + field);
    }
    assertTrue(update.get("admission").get("maxInFlight").isNull()); // unlimited
    assertTrue(update.get("isRunning").asBoolean());
    assertTrue(update.get("ts").asLong() > 0);
  }

  @Test
  void lanesFillAndDrainAndWorkersGoBusyThenHealthy() {
    monitor = TestMonitor.start(Parley.builder().handler(gate), "");
    TestMonitor.Feed feed = monitor.connect("/monitor/ws");
    List<CompletionStage<Outcome>> outcomes = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      outcomes.add(monitor.parley.submit(Event.to("s1").build()));
      outcomes.add(monitor.parley.submit(Event.to("s2").build()));
      outcomes.add(monitor.parley.submit(Event.to("s3").build()));
      outcomes.add(monitor.parley.submit(Event.to("s4").group("team").build()));
    }

    JsonNode full = feed.await(u -> LANES.stream().allMatch(lane -> shows(u, lane, 2, "busy")));
    assertEquals(8, full.get("queueLength").asInt());
    assertTrue(full.get("workerPool").get("running").has("team"));

    gate.releaseUntilDone(outcomes);
    JsonNode drained =
        feed.await(u -> LANES.stream().allMatch(lane -> shows(u, lane, 0, "healthy")));
    assertEquals(0, drained.get("queueLength").asInt());
    assertEquals(
        12,
        feed.await(u -> u.get("totals").get("completed").asInt() == 12)
            .get("totals")
            .get("completed")
            .asInt());
  }

  @Test
  void aHungHandlerShowsUnhealthyOrRestarting() {
    monitor =
        TestMonitor.start(
            Parley.builder().handler((event, lane) -> new CompletableFuture<Reply>()),
            "parley.worker.handler-timeout = 300ms\n"
                + "parley.worker.health-check-interval = 20ms\n"
                + "parley.worker.restart.min-backoff = 500ms\n"
                + "parley.worker.restart.max-backoff = 500ms");
    TestMonitor.Feed feed = monitor.connect("/monitor/ws");

    CompletionStage<Outcome> hung = monitor.parley.submit(Event.to("stuck").build());

    feed.await(
        u -> {
          String health = u.get("workerPool").get("workerHealth").path("stuck").asText();
          return health.equals("unhealthy") || health.equals("restarting");
        });
    assertInstanceOf(Outcome.TimedOut.class, await(hung));
    feed.await(u -> u.get("totals").get("restarts").asInt() == 1);
  }

  @Test
  void aClientMayAskForALanePrefixAndItsOwnTop() {
    monitor = TestMonitor.start(Parley.builder().handler(gate), "");
    List<CompletionStage<Outcome>> outcomes = new ArrayList<>();
    for (String space : List.of("eu:1", "eu:2", "us:1", "eu:2", "eu:2")) {
      outcomes.add(monitor.parley.submit(Event.to(space).build()));
    }
    TestMonitor.Feed feed = monitor.connect("/monitor/ws?prefix=eu:&top=1");

    JsonNode update = feed.await(u -> shows(u, "eu:2", 2, "busy"));

    assertEquals(1, update.get("lanesShown").asInt());
    assertEquals(2, update.get("lanesTotal").asInt());
    assertEquals(3, update.get("workerPool").get("totalWorkers").asInt());
    gate.releaseUntilDone(outcomes);
  }

  @Test
  void badParametersAreRejectedBeforeTheHandshake() {
    monitor = TestMonitor.start(Parley.builder().handler(gate), "");

    for (String query : List.of("?top=0", "?top=10001", "?top=many", "?prefix=a%20b")) {
      assertEquals(400, refusedHandshake("/monitor/ws" + query), query);
    }
  }

  @Test
  void aTokenComesAsAQueryParameterOrASubprotocol() {
    MonitorAccess secret =
        (token, inner) ->
            token.equals(Optional.of("s3cret"))
                ? inner.get()
                : Directives.complete(StatusCodes.UNAUTHORIZED, "no");
    monitor = TestMonitor.start(Parley.builder().handler(gate), "", secret);

    assertEquals(401, refusedHandshake("/monitor/ws"));
    assertEquals(401, refusedHandshake("/monitor/ws?access_token=wrong"));

    assertTrue(monitor.connect("/monitor/ws?access_token=s3cret").await(u -> true).has("type"));
    TestMonitor.Feed byProtocol = monitor.connect("/monitor/ws", "bearer.s3cret");
    assertTrue(byProtocol.await(u -> true).has("type"));
    assertEquals("bearer.s3cret", byProtocol.socket.getSubprotocol());
  }

  @Test
  void servesTheDashboardAndOnlyTheChartLibraryFiles() throws Exception {
    monitor = TestMonitor.start(Parley.builder().handler(gate), "");

    HttpResponse<String> page = get("/monitor");
    assertEquals(200, page.statusCode());
    assertTrue(page.headers().firstValue("Content-Type").orElseThrow().startsWith("text/html"));
    assertTrue(page.body().contains("/monitor/dashboard.js"));
    assertEquals("no-cache", page.headers().firstValue("Cache-Control").orElseThrow());
    assertEquals(200, get("/monitor/dashboard.js").statusCode());
    assertEquals(200, get("/monitor/dashboard.css").statusCode());
    HttpResponse<String> chart = get("/monitor/assets/uplot/uPlot.iife.min.js");
    assertEquals(200, chart.statusCode());
    assertTrue(chart.body().contains("uPlot"));
    assertEquals(200, get("/monitor/assets/uplot/uPlot.min.css").statusCode());
    assertEquals(404, get("/monitor/assets/uplot/uPlot.d.ts").statusCode());
    assertEquals(404, get("/monitor/assets/uplot/..%2F..%2Fpom.xml").statusCode());
  }

  /** The status with which the server refuses a WebSocket handshake to {@code pathAndQuery}. */
  private int refusedHandshake(String pathAndQuery) {
    CompletionException refused =
        assertThrows(
            CompletionException.class,
            () ->
                monitor
                    .http
                    .newWebSocketBuilder()
                    .buildAsync(monitor.ws(pathAndQuery), new TestMonitor.Feed())
                    .join(),
            pathAndQuery);
    assertInstanceOf(WebSocketHandshakeException.class, refused.getCause(), pathAndQuery);
    return ((WebSocketHandshakeException) refused.getCause()).getResponse().statusCode();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return monitor.http.send(
        HttpRequest.newBuilder(java.net.URI.create(monitor.http(path))).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static boolean shows(JsonNode update, String lane, int depth, String health) {
    JsonNode pool = update.get("workerPool");
    return pool.get("queueLengths").path(lane).asInt(-1) == depth
        && pool.get("workerHealth").path(lane).asText().equals(health);
  }
}
