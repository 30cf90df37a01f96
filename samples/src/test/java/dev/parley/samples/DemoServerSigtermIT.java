package dev.parley.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The packaged demo ({@code target/parley-demo.jar}) as a process: on SIGTERM readiness turns
 * false, new events get 503 with Retry-After, the events in flight finish, and the JVM exits 0; 1
 * when the drain timeout had to interrupt events.
 */
class DemoServerSigtermIT {
  private static final Duration STEP_TIMEOUT = Duration.ofSeconds(15);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private DemoProcess demo;
  private Process process;
  private URI base;

  @RegisterExtension final DemoWatch watch = new DemoWatch();

  @Test
  void drainsInFlightEventsRefusesNewOnesAndExitsZero() throws Exception {
    start();
    // Two lanes: "alice" ends during the drain, "bob" keeps it going while a new event is refused.
    CompletableFuture<HttpResponse<String>> first =
        submitAndWait("alice", "sigterm-first", "{\"text\":\"first\",\"delayMs\":1500}");
    CompletableFuture<HttpResponse<String>> second =
        submitAndWait("bob", "sigterm-second", "{\"text\":\"second\",\"delayMs\":3000}");
    awaitRunning("alice", "sigterm-first");
    awaitRunning("bob", "sigterm-second");

    process.destroy(); // SIGTERM

    DemoProcess.await(STEP_TIMEOUT, "GET /readyz to answer 503", () -> readyz() == 503);
    HttpResponse<String> refused =
        send(post("carol", "{\"payload\":{\"text\":\"too late\"}}").build());
    assertEquals(503, refused.statusCode(), refused.body());
    String retryAfter = refused.headers().firstValue("Retry-After").orElse("");
    assertTrue(retryAfter.matches("\\d+"), "Retry-After: " + retryAfter);
    assertEquals(
        "application/problem+json",
        refused.headers().firstValue("Content-Type").orElse("").split(";")[0]);
    assertEquals(503, JSON.readTree(refused.body()).path("status").asInt(), refused.body());

    assertCompleted(first, "echo: first");
    assertCompleted(second, "echo: second");
    assertEquals(0, exitValue(), "exit status after a complete drain");
  }

  @Test
  void exitsOneWhenTheDrainTimesOut() throws Exception {
    start("-Dparley.shutdown.drain-timeout=1s");
    submitAndWait("alice", "sigterm-hang", "{\"text\":\"hang\",\"hang\":true}");
    awaitRunning("alice", "sigterm-hang");

    process.destroy(); // SIGTERM

    assertEquals(1, exitValue(), "exit status after the drain timeout interrupted an event");
  }

  /** Starts the demo jar on an ephemeral port and reads the port it announces. */
  private void start(String... jvmOptions) throws Exception {
    demo = watch.track(DemoProcess.start(jvmOptions));
    process = demo.process();
    base = demo.base();
  }

  private HttpRequest.Builder post(String space, String body) {
    return HttpRequest.newBuilder(base.resolve("/v1/spaces/" + space + "/events"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
  }

  private CompletableFuture<HttpResponse<String>> submitAndWait(
      String space, String id, String payload) {
    HttpRequest request =
        post(space, "{\"id\":\"" + id + "\",\"payload\":" + payload + "}")
            .header("Prefer", "wait=10")
            .build();
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
  }

  private void awaitRunning(String space, String id) throws InterruptedException {
    URI uri = base.resolve("/v1/spaces/" + space + "/events/" + id);
    DemoProcess.await(
        STEP_TIMEOUT,
        id + " to run",
        () -> {
          HttpResponse<String> view = send(HttpRequest.newBuilder(uri).GET().build());
          return view.statusCode() == 200 && "running".equals(field(view.body(), "status"));
        });
  }

  private int readyz() {
    return send(HttpRequest.newBuilder(base.resolve("/readyz")).GET().build()).statusCode();
  }

  private void assertCompleted(CompletableFuture<HttpResponse<String>> response, String text)
      throws Exception {
    HttpResponse<String> done = response.get(STEP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    assertEquals(200, done.statusCode(), done.body());
    JsonNode view = JSON.readTree(done.body());
    assertEquals("completed", view.path("status").asText(), done.body());
    assertEquals(text, view.path("reply").path("text").asText(), done.body());
  }

  private int exitValue() throws Exception {
    return demo.exitValue(STEP_TIMEOUT);
  }

  private HttpResponse<String> send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String field(String json, String name) {
    try {
      return JSON.readTree(json).path(name).asText();
    } catch (IOException e) {
      return null;
    }
  }
}
