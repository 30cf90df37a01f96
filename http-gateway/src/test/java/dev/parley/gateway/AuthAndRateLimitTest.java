package dev.parley.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.typesafe.config.ConfigFactory;
import dev.parley.runtime.Parley;
import dev.parley.runtime.ParleyBuilder;
import dev.parley.runtime.Reply;
import java.net.URI;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Bearer tokens with roles, and the per-caller rate limit. */
class AuthAndRateLimitTest {
  private static final String SUBMITTER = "submitter-token-0123456789";
  private static final String READER = "reader-token-0123456789abc";
  private static final String ADMIN = "admin-token-0123456789abcd";
  private static final String AUTH =
      """
      parley.http.auth.enabled = on
      parley.http.auth.tokens = [
        { token = "%s", roles = [submit] }
        { token = "%s", roles = [read] }
        { token = "%s", roles = [submit, read, admin] }
      ]
      """
          .formatted(SUBMITTER, READER, ADMIN);
  private static final String EVENT = "{\"payload\":{\"text\":\"hi\"}}";

  private static ParleyBuilder echo() {
    return Parley.builder()
        .handler((event, lane) -> CompletableFuture.completedFuture(Reply.of("ok")));
  }

  private static String[] bearer(String token) {
    return new String[] {"Authorization", "Bearer " + token};
  }

  @Test
  void theQueueControlsNeedTheirRoles() {
    try (TestGateway gateway = TestGateway.start(echo(), AUTH)) {
      String cancelAnywhere = "{\"ids\":[{\"spaceId\":\"s\",\"id\":\"x\"}]}";
      gateway
          .post("/v1/cancel", cancelAnywhere, bearer(SUBMITTER))
          .assertProblem(403, "forbidden", "admin");
      gateway
          .send(
              "PATCH",
              "/v1/spaces/s/order",
              "application/json",
              "{\"ids\":[\"x\"]}",
              bearer(SUBMITTER))
          .assertProblem(403, "forbidden", "admin");
      gateway
          .send(
              "PATCH",
              "/v1/spaces/s/events/x",
              "application/json",
              "{\"priority\":\"P0\"}",
              bearer(SUBMITTER))
          .assertProblem(403, "forbidden", "admin");
      gateway
          .post("/v1/spaces/s/cancel", "{}", bearer(READER))
          .assertProblem(403, "forbidden", "submit");

      assertEquals(200, gateway.post("/v1/spaces/s/cancel", "{}", bearer(SUBMITTER)).status());
      assertEquals(200, gateway.post("/v1/cancel", cancelAnywhere, bearer(ADMIN)).status());

      OpenApiConformance.assertConforms(gateway);
    }
  }

  @Test
  void withAuthOnAMissingOrUnknownTokenIs401AndAWrongRoleIs403() {
    try (TestGateway gateway = TestGateway.start(echo(), AUTH)) {
      TestGateway.Response missing = gateway.post("/v1/spaces/s/events", EVENT);
      missing.assertProblem(401, "unauthorized", "Bearer");
      assertTrue(missing.header("WWW-Authenticate").orElse("").startsWith("Bearer"));
      gateway
          .post("/v1/spaces/s/events", EVENT, bearer("not-a-configured-token-xyz"))
          .assertProblem(401, "unauthorized", "Bearer");
      gateway
          .post("/v1/spaces/s/events", EVENT, bearer(READER))
          .assertProblem(403, "forbidden", "submit");
      gateway
          .send("POST", "/v1/admin/pause", "application/json", "", bearer(SUBMITTER))
          .assertProblem(403, "forbidden", "admin");

      assertEquals(202, gateway.post("/v1/spaces/s/events", EVENT, bearer(SUBMITTER)).status());
      assertEquals(
          200, gateway.send("GET", "/v1/dead-letters", null, null, bearer(READER)).status());
      assertEquals(
          200,
          gateway.send("POST", "/v1/admin/resume", "application/json", "", bearer(ADMIN)).status());
      assertEquals(200, gateway.get("/healthz").status(), "health needs no token");

      OpenApiConformance.assertConforms(gateway);
    }
  }

  @Test
  void theMonitorFeedNeedsTheReadRoleAsAQueryTokenOrASubprotocol() {
    try (TestGateway gateway = TestGateway.start(echo(), AUTH)) {
      assertEquals(401, refusedHandshake(gateway, "/monitor/ws"));
      assertEquals(401, refusedHandshake(gateway, "/monitor/ws?access_token=nobody-0123456789"));
      assertEquals(403, refusedHandshake(gateway, "/monitor/ws?access_token=" + SUBMITTER));

      WebSocket byQuery = connect(gateway, "/monitor/ws?access_token=" + READER);
      WebSocket byProtocol =
          TestGateway.await(
              gateway
                  .client()
                  .newWebSocketBuilder()
                  .subprotocols("bearer." + ADMIN)
                  .buildAsync(ws(gateway, "/monitor/ws"), new WebSocket.Listener() {}));
      assertEquals("bearer." + ADMIN, byProtocol.getSubprotocol());
      byQuery.abort();
      byProtocol.abort();
      gateway
          .get("/monitor/ws")
          .assertProblem(400, "bad-request", "WebSocket"); // a plain GET is not an upgrade
    }
  }

  private static URI ws(TestGateway gateway, String path) {
    return URI.create(gateway.base().replace("http://", "ws://") + path);
  }

  private static WebSocket connect(TestGateway gateway, String path) {
    return TestGateway.await(
        gateway
            .client()
            .newWebSocketBuilder()
            .buildAsync(ws(gateway, path), new WebSocket.Listener() {}));
  }

  private static int refusedHandshake(TestGateway gateway, String path) {
    CompletionException refused =
        assertThrows(
            CompletionException.class,
            () ->
                gateway
                    .client()
                    .newWebSocketBuilder()
                    .buildAsync(ws(gateway, path), new WebSocket.Listener() {})
                    .join(),
            path);
    assertInstanceOf(WebSocketHandshakeException.class, refused.getCause(), path);
    return ((WebSocketHandshakeException) refused.getCause()).getResponse().statusCode();
  }

  @Test
  void aCallerBeyondItsRateGets429WithRetryAfterWhileOthersGoOn() {
    try (TestGateway gateway =
        TestGateway.start(echo(), AUTH, "parley.http.rate-limit.per-second = 3")) {
      int accepted = 0;
      TestGateway.Response limited = null;
      for (int i = 0; i < 10 && limited == null; i++) {
        TestGateway.Response response =
            gateway.post("/v1/spaces/s/events", EVENT, bearer(SUBMITTER));
        if (response.status() == 429) {
          limited = response;
        } else {
          accepted++;
        }
      }

      assertTrue(limited != null, "10 requests at once exceed 3 per second");
      assertTrue(accepted >= 3, "a burst of one second's worth passes: " + accepted);
      limited.assertProblem(429, "rate-limited", "per second");
      assertFalse(limited.header("Retry-After").isEmpty());
      assertEquals(
          202,
          gateway.post("/v1/spaces/s/events", EVENT, bearer(ADMIN)).status(),
          "another token has its own budget");

      OpenApiConformance.assertConforms(gateway);
    }
  }

  @Test
  void aDuplicateShowsTheFirstEventsReplyOnlyToACallerWhoMayRead() {
    String event = "{\"id\":\"secret-1\",\"payload\":{\"text\":\"hi\"}}";
    try (TestGateway gateway = TestGateway.start(echo(), AUTH)) {
      gateway
          .post(
              "/v1/spaces/s/events", event, "Prefer", "wait=5", bearer(ADMIN)[0], bearer(ADMIN)[1])
          .assertJson(200);

      TestGateway.Response bySubmitter =
          gateway.post("/v1/spaces/s/events", event, bearer(SUBMITTER));
      TestGateway.Response byAdmin = gateway.post("/v1/spaces/s/events", event, bearer(ADMIN));

      var hidden = bySubmitter.assertJson(200);
      assertTrue(hidden.path("duplicate").asBoolean(), hidden::toString);
      assertEquals("completed", hidden.path("status").asText(), hidden::toString);
      assertTrue(hidden.path("reply").isMissingNode(), hidden::toString);
      assertEquals(
          403,
          gateway
              .send("GET", "/v1/spaces/s/events/secret-1", null, null, bearer(SUBMITTER))
              .status(),
          "the submitter cannot GET it either");
      var shown = byAdmin.assertJson(200);
      assertTrue(shown.path("duplicate").asBoolean(), shown::toString);
      assertEquals("ok", shown.path("reply").asText(), shown::toString);

      OpenApiConformance.assertConforms(gateway);
    }
  }

  @Test
  void xForwardedForFromAnUntrustedPeerDoesNotChangeTheCallersAddress() {
    try (TestGateway gateway = TestGateway.start(echo(), "parley.http.rate-limit.per-second = 1")) {
      List<Integer> statuses = new ArrayList<>();
      for (int i = 1; i <= 5; i++) {
        statuses.add(
            gateway.post("/v1/spaces/s/events", EVENT, "X-Forwarded-For", "10.0.0." + i).status());
      }

      assertTrue(
          statuses.contains(429), "rotating X-Forwarded-For is not a new caller: " + statuses);
    }
  }

  @Test
  void xForwardedForFromATrustedProxyNamesTheClient() {
    try (TestGateway gateway =
        TestGateway.start(
            echo(),
            "parley.http.rate-limit.per-second = 1",
            "parley.http.trusted-proxies = [\"127.0.0.0/8\"]")) {
      List<Integer> distinct = new ArrayList<>();
      for (int i = 1; i <= 5; i++) {
        distinct.add(
            gateway
                .post(
                    "/v1/spaces/s/events",
                    EVENT,
                    "X-Forwarded-For",
                    "203.0.113." + i + ", 127.0.0.1")
                .status());
      }
      List<Integer> same = new ArrayList<>();
      for (int i = 1; i <= 5; i++) {
        same.add(
            gateway.post("/v1/spaces/s/events", EVENT, "X-Forwarded-For", "198.51.100.7").status());
      }

      assertEquals(List.of(202, 202, 202, 202, 202), distinct, "five clients behind the proxy");
      assertTrue(same.contains(429), "one client behind the proxy, beyond its rate: " + same);
    }
  }

  @Test
  void trustedProxiesThatAreNotAddressesAreRefusedAtStart() {
    IllegalArgumentException bad =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                GatewaySettings.from(
                    ConfigFactory.parseString("parley.http.trusted-proxies = [\"proxy.local\"]")
                        .withFallback(ConfigFactory.load())));
    assertTrue(bad.getMessage().startsWith("parley.http.trusted-proxies"), bad.getMessage());
  }

  @Test
  void failedAuthenticationsFromOneAddressAreRateLimitedAndLoggedSparingly() {
    Logger logger = (Logger) LoggerFactory.getLogger(Access.class);
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    logger.addAppender(lines);
    try (TestGateway gateway =
        TestGateway.start(echo(), AUTH, "parley.http.auth.max-failures-per-second = 1")) {
      long start = System.nanoTime();
      List<Integer> statuses = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        statuses.add(
            gateway.post("/v1/spaces/s/events", EVENT, bearer("wrong-token-" + i)).status());
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      TestGateway.Response limited =
          gateway.post("/v1/spaces/s/events", EVENT, bearer("wrong-token-again"));

      assertEquals(401, statuses.get(0), statuses::toString);
      long unauthorized = statuses.stream().filter(status -> status == 401).count();
      assertTrue(
          unauthorized <= 1 + Math.ceil(seconds),
          unauthorized + " failures answered in " + seconds + " s: " + statuses);
      assertTrue(statuses.contains(429), statuses::toString);
      if (limited.status() == 429) {
        limited.assertProblem(429, "rate-limited", "failed authentications");
        assertFalse(limited.header("Retry-After").isEmpty(), limited::toString);
      }
      assertTrue(
          lines.list.size() <= 2 + Math.ceil(seconds / 10),
          () -> lines.list.size() + " lines for 31 failures: " + lines.list);
      lines.list.forEach(
          line -> assertFalse(line.getFormattedMessage().contains("wrong-token"), line::toString));
    } finally {
      logger.detachAppender(lines);
    }
  }

  @Test
  void authOnWithoutTokensOrAShortTokenIsRefusedAtStart() {
    IllegalArgumentException none =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                GatewaySettings.from(
                    ConfigFactory.parseString("parley.http.auth.enabled = on")
                        .withFallback(ConfigFactory.load())));
    assertTrue(none.getMessage().startsWith("parley.http.auth.tokens"), none.getMessage());
    IllegalArgumentException shortToken =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                GatewaySettings.from(
                    ConfigFactory.parseString(
                            "parley.http.auth.tokens = [{token = short, roles = [read]}]")
                        .withFallback(ConfigFactory.load())));
    assertTrue(shortToken.getMessage().contains("token"), shortToken.getMessage());
  }
}
