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
      assertEquals(1, metrics.value("parley_events_rejected_total", "reason", "lane-busy"));
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
      for (Prometheus.Sample sample : metrics.find("http_server_request_duration_seconds_count")) {
        String route = sample.labels().get("http_route");
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
        "http_server_request_duration_seconds_count",
        "http_request_method",
        method,
        "http_route",
        route,
        "http_response_status_code",
        status);
  }

  @Test
  void histogramsHaveBucketsBelowAMillisecondAndFastEventsLandInThem() {
    try (TestGateway gw = TestGateway.start(scripted(new ScriptedHandler()))) {
      for (int i = 1; i <= 5; i++) {
        gw.post("/v1/spaces/fast/events", event("fast-" + i, "{}"), "Prefer", "wait=5")
            .assertJson(200);
      }
      Prometheus metrics = gw.metrics();

      for (String histogram :
          List.of(
              "parley_handler_duration_seconds",
              "parley_queue_wait_seconds",
              "http_server_request_duration_seconds")) {
        List<Double> bounds =
            metrics.find(histogram + "_bucket").stream()
                .map(sample -> sample.labels().get("le"))
                .filter(le -> !le.equals("+Inf"))
                .map(Double::parseDouble)
                .distinct()
                .sorted()
                .toList();
        assertTrue(
            bounds.stream().filter(le -> le < 0.001).count() >= 4,
            () -> histogram + " buckets: " + bounds);
      }
      // A no-op handler takes microseconds: most of the five land below 1 ms, not all in one bucket
      // that also holds everything up to a millisecond.
      double belowAMillisecond =
          metrics.find("parley_handler_duration_seconds_bucket").stream()
              .filter(sample -> sample.labels().get("le").equals("0.001"))
              .mapToDouble(Prometheus.Sample::value)
              .sum();
      assertTrue(
          belowAMillisecond >= 1,
          () -> "handler buckets: " + metrics.find("parley_handler_duration_seconds_bucket"));
    }
  }

  @Test
  void jvmAndProcessMetricsAreExported() {
    try (TestGateway gw = TestGateway.start(scripted(new ScriptedHandler()))) {
      Prometheus metrics = gw.metrics();

      for (String name :
          List.of(
              "jvm_memory_used_bytes",
              "jvm_threads_live_threads",
              "jvm_classes_loaded_classes",
              "process_cpu_usage",
              "system_cpu_count",
              "process_uptime_seconds",
              "process_files_open_files",
              "process_files_max_files")) {
        assertFalse(metrics.find(name).isEmpty(), name);
      }
      assertTrue(metrics.value("process_files_open_files") > 0);
    }
  }

  @Test
  void dedupIdsForgottenEarlyByTheCapAreCounted() {
    ScriptedHandler handler = new ScriptedHandler();
    try (TestGateway gw = TestGateway.start(scripted(handler), "parley.dedup.max-ids = 2")) {
      assertEquals(0, gw.metrics().value("parley_dedup_evictions_total"));
      for (int i = 1; i <= 5; i++) {
        gw.post("/v1/spaces/d/events", event("d-" + i, "{}"), "Prefer", "wait=5").assertJson(200);
      }

      // Five ids finished within the window, two kept: three forgotten early.
      gw.awaitMetric(3, "parley_dedup_evictions_total");
    }
  }

  @Test
  void refusalsAreCountedByReason() {
    ScriptedHandler handler = new ScriptedHandler();
    try (TestGateway gw = TestGateway.start(scripted(handler), "parley.worker.max-queue = 1")) {
      gw.post("/v1/spaces/q/events", event("q-1", "{\"gated\":true}")).assertJson(202);
      TestGateway.await(handler.started("q-1"));
      gw.post("/v1/spaces/q/events", event("q-2", "{}")).assertJson(202);
      gw.post("/v1/spaces/q/events", event("q-3", "{}")).assertProblem(429, "queue-full", "");

      Prometheus metrics = gw.metrics();

      assertEquals(1, metrics.value("parley_events_rejected_total", "reason", "queue-full"));
      handler.openAll();
    }
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
