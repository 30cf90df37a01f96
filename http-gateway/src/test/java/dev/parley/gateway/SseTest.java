package dev.parley.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.gateway.SseClient.Frame;
import dev.parley.runtime.Parley;
import dev.parley.runtime.ParleyBuilder;
import dev.parley.runtime.Reply;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** {@code GET /v1/spaces/{spaceId}/stream}: Server-Sent Events of a space's outcomes. */
class SseTest {
  private static final String READER = "reader-token-0123456789abc";
  private static final String SUBMITTER = "submitter-token-0123456789";

  private static ParleyBuilder scripted() {
    return Parley.builder().handler(new ScriptedHandler());
  }

  private static String event(String id, String payload) {
    return "{\"id\":\"" + id + "\",\"payload\":" + payload + "}";
  }

  @Test
  void aClientGetsExactlyItsSpacesOutcomesInOrderWithIdsAndStatuses() {
    try (TestGateway gw = TestGateway.start(scripted());
        SseClient client = SseClient.open(gw, "/v1/spaces/a/stream")) {
      assertEquals(200, client.status());
      assertTrue(client.contentType().startsWith("text/event-stream"), client.contentType());
      gw.awaitMetric(1, "parley_sse_clients");

      List<String> ids = new ArrayList<>();
      for (int i = 1; i <= 5; i++) {
        String id = "a-" + i;
        String payload = i == 3 ? "{\"fail\":\"fatal\"}" : "{\"n\":" + i + "}";
        gw.post("/v1/spaces/a/events", event(id, payload)).assertJson(202);
        ids.add(id);
        if (i <= 2) {
          gw.post("/v1/spaces/b/events", event("b-" + i, "{\"n\":" + i + "}")).assertJson(202);
        }
      }
      ids.forEach(gw::awaitOutcome);
      gw.awaitOutcome("b-1");
      gw.awaitOutcome("b-2");

      for (int i = 1; i <= 5; i++) {
        Frame frame = client.nextEvent();
        assertEquals("outcome", frame.type(), frame::toString);
        assertEquals("a-" + i, frame.id(), frame::toString);
        JsonNode view = TestGateway.parse(frame.data());
        assertEquals("a-" + i, view.path("id").asText());
        assertEquals("a", view.path("spaceId").asText());
        assertEquals("a", view.path("lane").asText());
        assertEquals(1, view.path("attempts").asInt(), view::toString);
        assertTrue(view.path("queuedMs").isIntegralNumber(), view::toString);
        assertTrue(view.path("handledMs").isIntegralNumber(), view::toString);
        if (i == 3) {
          assertEquals("failed", view.path("status").asText(), view::toString);
          assertEquals(
              "java.lang.IllegalArgumentException", view.path("error").path("type").asText());
          assertFalse(view.has("reply"), view::toString);
        } else {
          assertEquals("completed", view.path("status").asText(), view::toString);
          assertEquals(i, view.path("reply").path("echo").path("n").asInt(), view::toString);
        }
        // The same view as the event's own route.
        JsonNode own = gw.get("/v1/spaces/a/events/a-" + i).assertJson(200);
        own.fieldNames().forEachRemaining(f -> assertTrue(view.has(f), f + " in " + view));
        assertEquals(own.path("status"), view.path("status"));
      }
      // Space b's events ended before the last of a's were sent: none of them is on a's stream.
      gw.post("/v1/spaces/a/events", event("a-6", "{}")).assertJson(202);
      assertEquals("a-6", client.nextEvent().id(), "the next event after a-5 is a-6, not b-…");
    }
  }

  @Test
  void anIdleStreamSendsHeartbeats() {
    try (TestGateway gw = TestGateway.start(scripted(), "parley.http.sse.heartbeat = 100ms");
        SseClient client = SseClient.open(gw, "/v1/spaces/quiet/stream")) {
      for (int i = 0; i < 2; i++) {
        Frame heartbeat = client.next();
        // "data:" and a blank line: an event of empty data, which EventSource ignores.
        assertEquals(new Frame(null, null, "", null), heartbeat);
        assertTrue(heartbeat.isHeartbeat());
      }
    }
  }

  @Test
  void aClientThatNeverReadsIsDisconnectedWhenItsBufferOverflowsWhileAnotherReadsOn()
      throws IOException {
    try (TestGateway gw =
            TestGateway.start(
                scripted(),
                "parley.http.sse.buffer = 4",
                // Small socket buffers, so that the stalled client's backlog reaches its queue
                // soon.
                "pekko.http.server.socket-options.so-send-buffer-size = 4096");
        SseClient reading = SseClient.open(gw, "/v1/spaces/busy/stream");
        Socket stalled = new Socket()) {
      stalled.setReceiveBufferSize(4096);
      stalled.connect(new InetSocketAddress("127.0.0.1", gw.server().port()));
      OutputStream out = stalled.getOutputStream();
      out.write(
          "GET /v1/spaces/busy/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      gw.awaitMetric(2, "parley_sse_clients");

      // Big outcomes; the reading client takes each before the next is sent.
      String text = "x".repeat(8_000);
      int sent = 0;
      while (gw.metrics().value("parley_sse_dropped_clients_total") == 0) {
        assertTrue(sent < 2_000, "the stalled client is still connected after 2000 events");
        String id = "busy-" + ++sent;
        gw.post("/v1/spaces/busy/events", event(id, "{\"text\":\"" + text + "\"}")).assertJson(202);
        assertEquals(id, reading.nextEvent().id());
      }

      assertEquals(1, gw.metrics().value("parley_sse_clients"), "the reading client remains");
      gw.post("/v1/spaces/busy/events", event("after", "{}")).assertJson(202);
      assertEquals("after", reading.nextEvent().id(), "the reading client still receives");
      assertTrue(disconnected(stalled), "the stalled client's connection is closed");
    }
  }

  /** Reads what the server sent until the connection ends; false if it does not within PATIENCE. */
  private static boolean disconnected(Socket socket) throws IOException {
    socket.setSoTimeout((int) TestGateway.PATIENCE.toMillis());
    InputStream in = socket.getInputStream();
    byte[] buffer = new byte[64 * 1024];
    try {
      while (in.read(buffer) >= 0) {
        // drain what was sent before the server closed it
      }
      return true;
    } catch (java.net.SocketTimeoutException e) {
      return false;
    } catch (SocketException e) {
      return true; // reset by the server
    }
  }

  @Test
  void theClientGaugeDropsWhenAClientLeavesWithoutWaitingForAHeartbeat() throws IOException {
    // An hour between heartbeats: nothing is written to the leaving client while the test runs.
    try (TestGateway gw = TestGateway.start(scripted(), "parley.http.sse.heartbeat = 1h");
        SseClient staying = SseClient.open(gw, "/v1/spaces/g/stream")) {
      gw.awaitMetric(1, "parley_sse_clients");
      try (Socket leaving = new Socket("127.0.0.1", gw.server().port())) {
        OutputStream out = leaving.getOutputStream();
        out.write(
            "GET /v1/spaces/g/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        gw.awaitMetric(2, "parley_sse_clients");
      }

      gw.awaitMetric(1, "parley_sse_clients");
      gw.post("/v1/spaces/g/events", event("g-1", "{}")).assertJson(202);
      assertEquals("g-1", staying.nextEvent().id(), "the staying client still receives");
    }
  }

  @Test
  void stoppingTheServerEndsItsStreamsEvenWithAClientJustGone() {
    TestGateway gw = TestGateway.start(scripted());
    try (SseClient staying = SseClient.open(gw, "/v1/spaces/s/stream")) {
      SseClient leaving = SseClient.open(gw, "/v1/spaces/s/stream");
      gw.awaitMetric(2, "parley_sse_clients");
      leaving.close();
      gw.close();
      staying.awaitEnd();
    }
  }

  @Test
  void withAuthOnTheStreamNeedsATokenWithTheRoleRead() {
    String auth =
        """
        parley.http.auth.enabled = on
        parley.http.auth.tokens = [
          { token = "%s", roles = [read] }
          { token = "%s", roles = [submit] }
        ]
        """
            .formatted(READER, SUBMITTER);
    try (TestGateway gw = TestGateway.start(echo(), auth)) {
      TestGateway.Response missing = gw.get("/v1/spaces/s/stream");
      missing.assertProblem(401, "unauthorized", "Bearer");
      gw.send("GET", "/v1/spaces/s/stream", null, null, "Authorization", "Bearer " + SUBMITTER)
          .assertProblem(403, "forbidden", "read");
      try (SseClient client =
          SseClient.open(gw, "/v1/spaces/s/stream", "Authorization", "Bearer " + READER)) {
        assertEquals(200, client.status());
        assertTrue(client.contentType().startsWith("text/event-stream"), client.contentType());
      }
    }
  }

  @Test
  void aBadSpaceIdIs400AndOtherMethodsAre405() {
    try (TestGateway gw = TestGateway.start(echo())) {
      gw.get("/v1/spaces/no%20spaces/stream").assertProblem(400, "bad-request", "spaceId");
      gw.post("/v1/spaces/s/stream", "{}").assertProblem(405, "method-not-allowed", "GET");
    }
  }

  private static ParleyBuilder echo() {
    return Parley.builder()
        .handler((event, lane) -> CompletableFuture.completedFuture(Reply.of("ok")));
  }
}
