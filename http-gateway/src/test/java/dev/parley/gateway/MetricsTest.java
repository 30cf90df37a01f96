package dev.parley.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.runtime.Parley;
import dev.parley.runtime.ParleyBuilder;
import dev.parley.runtime.RetryPolicy;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code GET /metrics}: the runtime's and the gateway's metrics in Prometheus text format. */
class MetricsTest {
  private static final String READER = "reader-token-0123456789abc";

  private static ParleyBuilder scripted(ScriptedHandler handler) {
    return Parley.builder()
        .handler(handler)
        .retryPolicy(RetryPolicy.builder().maxAttempts(2).initialBackoff(Duration.ZERO).build());
  }

  private static String event(String id, String payload) {
    return "{\"id\":\"" + id + "\",\"payload\":" + payload + "}";
  }

  @Test
  void countsEventsByOutcomeTimesThemAndCountsRequestsByRouteTemplate() {
    ScriptedHandler handler = new ScriptedHandler();
    try (TestGateway gw = TestGateway.start(scripted(handler))) {
      for (int i = 1; i <= 3; i++) {
        gw.post("/v1/spaces/m/events", event("ok-" + i, "{}")).assertJson(202);
      }
      gw.post("/v1/spaces/m/events", event("fatal", "{\"fail\":\"fatal\"}")).assertJson(202);
      gw.post("/v1/spaces/m/events", event("dead", "{\"failFirst\":9}")).assertJson(202);
      List.of("ok-1", "ok-2", "ok-3", "fatal", "dead").forEach(gw::awaitOutcome);
      // A busy lane whose policy refuses new events: one rejected event.
      gw.post("/v1/spaces/r/events", event("gated", "{\"gated\":true}")).assertJson(202);
      TestGateway.await(handler.started("gated"));
      gw.post("/v1/spaces/r/events", "{\"policy\":\"reject\",\"payload\":{}}")
          .assertProblem(409, "lane-busy", "busy");
      gw.get("/v1/spaces/m/events/ok-1").assertJson(200);
      gw.get("/v1/spaces/m/events/nope").assertProblem(404, "not-found", "nope");
      gw.get("/v1/nowhere/at/all").assertProblem(404, "not-found", "route");

      Prometheus metrics = gw.metrics();

      assertEquals(6, metrics.value("parley_events_accepted_total"));
      assertEquals(1, metrics.value("parley_events_rejected_total"));
      assertEquals(3, metrics.value("parley_events_finished_total", "outcome", "completed"));
      assertEquals(1, metrics.value("parley_events_finished_total", "outcome", "failed"));
      assertEquals(1, metrics.value("parley_events_finished_total", "outcome", "dead_lettered"));
      for (String none : List.of("timed_out", "cancelled", "interrupted")) {
        assertEquals(0, metrics.value("parley_events_finished_total", "outcome", none), none);
      }
      assertEquals(1, metrics.value("parley_in_flight"), "the gated event runs");
      assertEquals(0, metrics.value("parley_queue_depth"));
      assertEquals(1, metrics.value("parley_workers", "health", "busy"));
      assertEquals(1, metrics.value("parley_workers", "health", "healthy"));
      assertEquals(0, metrics.value("parley_workers", "health", "unhealthy"));
      assertEquals(1, metrics.value("parley_dead_letters"));
      assertEquals(0, metrics.value("parley_worker_restarts_total"));

      // Handler time: 5 ended events (the dead letter's two attempts are one event), in buckets.
      assertEquals(5, metrics.value("parley_handler_duration_seconds_count"));
      assertTrue(metrics.value("parley_handler_duration_seconds_sum") >= 0);
      List<Prometheus.Sample> buckets = metrics.find("parley_handler_duration_seconds_bucket");
      assertTrue(buckets.size() > 5, () -> "histogram buckets: " + buckets);
      assertEquals(5, metrics.value("parley_handler_duration_seconds_bucket", "le", "+Inf"));
      assertEquals(5, metrics.value("parley_queue_wait_seconds_count"));
      assertEquals(5, metrics.value("parley_queue_wait_seconds_bucket", "le", "+Inf"));

      // Requests by route template, never by raw path.
      String events = "/v1/spaces/{spaceId}/events";
      String event = "/v1/spaces/{spaceId}/events/{id}";
      assertEquals(6, requests(metrics, "POST", events, "202"));
      assertEquals(1, requests(metrics, "POST", events, "409"));
      assertEquals(1, requests(metrics, "GET", event, "200"));
      assertEquals(1, requests(metrics, "GET", event, "404"));
      assertEquals(1, requests(metrics, "GET", "other", "404"));
      for (Prometheus.Sample sample : metrics.find("parley_http_requests_seconds_count")) {
        String route = sample.labels().get("route");
        assertTrue(
            RouteTemplates.TEMPLATES.contains(route) || route.equals("other"),
            () -> "a template: " + sample);
      }
      handler.openAll();
      gw.awaitOutcome("gated");

      // This scrape was counted before the next one.
      assertEquals(1, requests(gw.metrics(), "GET", "/metrics", "200"));
    }
  }

  private static double requests(Prometheus metrics, String method, String route, String status) {
    return metrics.value(
        "parley_http_requests_seconds_count", "method", method, "route", route, "status", status);
  }

  @Test
  void routeTemplatesNameTheRouteNeverThePath() {
    assertEquals("/v1/spaces/{spaceId}", RouteTemplates.of("/v1/spaces/alice"));
    assertEquals("/v1/spaces/{spaceId}/stream", RouteTemplates.of("/v1/spaces/alice/stream"));
    assertEquals(
        "/v1/spaces/{spaceId}/events/{id}", RouteTemplates.of("/v1/spaces/a/events/x%2Fy"));
    assertEquals("/v1/dead-letters/{id}/redrive", RouteTemplates.of("/v1/dead-letters/e/redrive"));
    assertEquals("/metrics", RouteTemplates.of("/metrics"));
    for (String other :
        List.of("/", "", "/v1", "/v1/spaces", "/v1/spaces/", "/v1/spaces//events", "/metrics/")) {
      assertEquals(RouteTemplates.OTHER, RouteTemplates.of(other), other);
    }
  }

  @Test
  void metricsAreOpenUnlessATokenIsRequired() {
    String auth =
        """
        parley.http.auth.enabled = on
        parley.http.auth.tokens = [ { token = "%s", roles = [read] } ]
        """
            .formatted(READER);
    try (TestGateway gw = TestGateway.start(scripted(new ScriptedHandler()), auth)) {
      assertFalse(gw.metrics().find("parley_events_accepted_total").isEmpty(), "open by default");
    }
    try (TestGateway gw =
        TestGateway.start(
            scripted(new ScriptedHandler()), auth, "parley.http.metrics.require-token = on")) {
      gw.get("/metrics").assertProblem(401, "unauthorized", "Bearer");
      TestGateway.Response scraped =
          gw.send("GET", "/metrics", null, null, "Authorization", "Bearer " + READER);
      assertEquals(200, scraped.status());
      assertFalse(
          Prometheus.parse(scraped.body()).find("parley_events_accepted_total").isEmpty(),
          scraped::body);
    }
  }
}
