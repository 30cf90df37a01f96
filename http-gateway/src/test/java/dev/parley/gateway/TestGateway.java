package dev.parley.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import dev.parley.runtime.Outcome;
import dev.parley.runtime.ParleyBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * A real {@link ParleyServer} on an ephemeral 127.0.0.1 port, and a {@link HttpClient} to drive it:
 * what every gateway test starts with. Each server gets an actor system of its own name.
 */
final class TestGateway implements AutoCloseable {
  /** How long a test waits for anything that should happen at once. */
  static final Duration PATIENCE = Duration.ofSeconds(10);

  static final String PROBLEM_TYPES = "https://parley.dev/problems/";

  private static final AtomicInteger SYSTEMS = new AtomicInteger();
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ParleyServer server;
  private final HttpClient client;
  private final String base;

  /** Every exchange sent through this gateway's send methods, for {@link OpenApiConformance}. */
  private final List<Exchange> exchanges = new java.util.concurrent.CopyOnWriteArrayList<>();

  private final Map<HttpRequest, String> bodies =
      java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());

  /** One request this test sent and the answer it got. */
  record Exchange(HttpRequest request, String body, Response response) {}

  private TestGateway(ParleyServer server) {
    this.server = server;
    this.client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(PATIENCE)
            .build();
    this.base = "http://127.0.0.1:" + server.port();
  }

  /**
   * Starts a server for {@code runtime} with test defaults (ephemeral port, short drain) and {@code
   * config} lines on top.
   */
  static TestGateway start(ParleyBuilder runtime, String... config) {
    String lines =
        String.join("\n", config)
            + "\nparley.http.host = \"127.0.0.1\""
            + "\nparley.http.port = 0"
            + "\nparley.system-name = gateway-test-"
            + SYSTEMS.incrementAndGet();
    String defaults = "parley.shutdown.drain-timeout = 5s";
    return new TestGateway(
        ParleyServer.start(
            runtime,
            ConfigFactory.parseString(lines).withFallback(ConfigFactory.parseString(defaults))));
  }

  ParleyServer server() {
    return server;
  }

  String base() {
    return base;
  }

  HttpClient client() {
    return client;
  }

  /** {@code POST path} with a JSON body and extra {@code headers} (name, value, name, value…). */
  Response post(String path, String json, String... headers) {
    return send("POST", path, "application/json", json, headers);
  }

  /**
   * Posts event {@code id} to {@code space} (in {@code group}, unless null) with a gated payload: a
   * {@link ScriptedHandler} runs it only once the test opens its gate. Asserts 202.
   */
  void submitGated(String space, String id, String group) {
    String groupField = group == null ? "" : ",\"group\":\"" + group + "\"";
    post(
            "/v1/spaces/" + space + "/events",
            "{\"id\":\"" + id + "\"" + groupField + ",\"payload\":{\"gated\":true}}")
        .assertJson(202);
  }

  Response get(String path) {
    return send("GET", path, null, null);
  }

  Response delete(String path) {
    return send("DELETE", path, null, null);
  }

  Response send(String method, String path, String contentType, String body, String... headers) {
    return send(request(method, path, contentType, body, headers));
  }

  /** The exchanges sent so far, in the order their answers came. */
  List<Exchange> exchanges() {
    return List.copyOf(exchanges);
  }

  private Response recorded(HttpRequest request, Response response) {
    exchanges.add(new Exchange(request, bodies.remove(request), response));
    return response;
  }

  Response send(HttpRequest request) {
    try {
      return recorded(
          request, Response.of(client.send(request, HttpResponse.BodyHandlers.ofString())));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  CompletableFuture<Response> sendAsync(HttpRequest request) {
    return client
        .sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .thenApply(response -> recorded(request, Response.of(response)));
  }

  HttpRequest request(
      String method, String path, String contentType, String body, String... headers) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(70))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    HttpRequest built = request.build();
    if (body != null) {
      bodies.put(built, body);
    }
    return built;
  }

  /** {@code GET /metrics}, asserted 200 in Prometheus text format, and parsed. */
  Prometheus metrics() {
    Response response = get("/metrics");
    assertEquals(200, response.status(), () -> "status of " + response);
    assertTrue(
        response.contentType().startsWith("text/plain; version=0.0.4"),
        () -> "content type of " + response);
    return Prometheus.parse(response.body());
  }

  /**
   * Polls {@code /metrics} until the sample {@code name} with {@code labels} has the value {@code
   * expected}, failing after {@link #PATIENCE}.
   */
  void awaitMetric(double expected, String name, String... labels) {
    double[] value = {Double.NaN};
    awaitTrue(
        () -> {
          List<Prometheus.Sample> found = metrics().find(name, labels);
          value[0] = found.size() == 1 ? found.get(0).value() : Double.NaN;
          return value[0] == expected;
        },
        () -> name + " " + List.of(labels) + " is " + value[0] + ", not " + expected);
  }

  /**
   * Checks {@code condition} every few milliseconds until it holds, failing after {@link
   * #PATIENCE}.
   */
  static void awaitTrue(BooleanSupplier condition, Supplier<String> what) {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(what.get() + ", after " + PATIENCE);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10)); // poll, not too hard
    }
  }

  /** The outcome of an event the server accepted, once it has one. */
  Outcome awaitOutcome(String eventId) {
    try {
      return server
          .parley()
          .outcome(eventId)
          .orElseThrow(() -> new AssertionError("the runtime does not know event " + eventId))
          .toCompletableFuture()
          .get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("event " + eventId + " did not end in time", e);
    }
  }

  @Override
  public void close() {
    server.stop().toCompletableFuture().orTimeout(30, TimeUnit.SECONDS).join();
  }

  /** Parses JSON text, failing the test when it is not JSON. */
  static JsonNode parse(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + text, e);
    }
  }

  /** Waits, by future and never by sleeping, for {@code future}. */
  static <T> T await(CompletableFuture<T> future) {
    try {
      return future.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("did not happen in time", e);
    }
  }

  /** One answer of the server. */
  record Response(int status, java.net.http.HttpHeaders headers, String body) {
    static Response of(HttpResponse<String> response) {
      return new Response(response.statusCode(), response.headers(), response.body());
    }

    JsonNode json() {
      return parse(body);
    }

    Optional<String> header(String name) {
      return headers.firstValue(name);
    }

    String contentType() {
      return header("Content-Type").orElse("");
    }

    /** Asserts a JSON answer with {@code expected} status, and returns its body. */
    JsonNode assertJson(int expected) {
      assertEquals(expected, status, () -> "status of " + this);
      assertTrue(contentType().startsWith("application/json"), () -> "content type of " + this);
      return json();
    }

    /**
     * Asserts an RFC 9457 problem: status, {@code application/problem+json}, {@code type}, a title,
     * the status repeated in the body, and a detail containing {@code detailPart}.
     */
    JsonNode assertProblem(int expected, String type, String detailPart) {
      assertEquals(expected, status, () -> "status of " + this);
      assertTrue(
          contentType().startsWith("application/problem+json"), () -> "content type of " + this);
      JsonNode problem = json();
      assertEquals(PROBLEM_TYPES + type, problem.path("type").asText(), () -> "type of " + this);
      assertFalse(problem.path("title").asText().isBlank(), () -> "title of " + this);
      assertEquals(expected, problem.path("status").asInt(), () -> "body status of " + this);
      assertTrue(
          problem.path("detail").asText().contains(detailPart),
          () -> "detail of " + this + " should contain " + detailPart);
      return problem;
    }

    @Override
    public String toString() {
      return status + " " + headers.map() + " " + body;
    }
  }
}
