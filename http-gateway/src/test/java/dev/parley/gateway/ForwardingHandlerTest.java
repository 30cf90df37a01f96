package dev.parley.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.parley.gateway.ForwardingHandler.UpstreamException;
import dev.parley.runtime.Event;
import dev.parley.runtime.NonRetryableException;
import dev.parley.runtime.Outcome;
import dev.parley.runtime.Parley;
import dev.parley.runtime.Reply;
import dev.parley.runtime.RetryPolicy;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link ForwardingHandler} in a real Parley runtime against a real upstream on 127.0.0.1 that
 * records, per space, the order of what it was sent and how many requests it had at once: lane
 * order reaches the upstream, one request per conversation at a time, replies come back as the
 * events' replies, and upstream failures end events the way a retry policy expects.
 */
class ForwardingHandlerTest {
  private static final Duration PATIENCE = Duration.ofSeconds(10);
  private static final long SEED = 20_240_611L;
  private static final int SPACES = 10;
  private static final int EVENTS_PER_SPACE = 10;
  private static final int MAX_DELAY_MS = 15;
  private static final Duration SHORT_HANDLER_TIMEOUT = Duration.ofMillis(400);
  private static final Duration SHORT_FORWARD_TIMEOUT = Duration.ofMillis(300);
  private static final RetryPolicy THREE_QUICK_ATTEMPTS =
      RetryPolicy.builder()
          .maxAttempts(3)
          .initialBackoff(Duration.ofMillis(10))
          .maxBackoff(Duration.ofMillis(50))
          .build();
  private static final ObjectMapper JSON = new ObjectMapper();

  private static ActorSystem<Void> system;

  @BeforeAll
  static void startSystem() {
    system =
        ActorSystem.create(
            Behaviors.empty(),
            "forwarding-handler-test",
            ConfigFactory.parseString("parley.shutdown.drain-timeout = 5s")
                .withFallback(ConfigFactory.load()));
  }

  @AfterAll
  static void stopSystem() throws Exception {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().get(PATIENCE.toMillis(), MILLISECONDS);
  }

  @Test
  void forwardsEachSpaceInOrderOneRequestAtATimeAndRelaysTheReplies() throws Exception {
    try (Upstream upstream = new Upstream(Upstream::echo);
        Parley parley = parley(handler(upstream.url()), PATIENCE)) {
      Map<String, List<Event>> sent = new LinkedHashMap<>();
      Map<Event, CompletableFuture<Outcome>> outcomes = new LinkedHashMap<>();
      for (int seq = 0; seq < EVENTS_PER_SPACE; seq++) {
        for (int s = 0; s < SPACES; s++) {
          String space = "space-" + s;
          Event event = Event.to(space).payload(Map.of("space", space, "seq", seq)).build();
          sent.computeIfAbsent(space, k -> new ArrayList<>()).add(event);
          outcomes.put(event, parley.submit(event).toCompletableFuture());
        }
      }
      CompletableFuture.allOf(outcomes.values().toArray(CompletableFuture[]::new))
          .get(PATIENCE.toMillis(), MILLISECONDS);

      for (var entry : outcomes.entrySet()) {
        Event event = entry.getKey();
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("space", event.spaceId());
        expected.put("seq", ((Map<?, ?>) event.payload()).get("seq"));
        expected.put("answeredTo", event.id());
        assertEquals(
            new Outcome.Completed(event.id(), Reply.of(expected)), entry.getValue().join());
      }
      for (var entry : sent.entrySet()) {
        String space = entry.getKey();
        List<Upstream.Request> seen = upstream.seen(space);
        assertEquals(
            entry.getValue().stream().map(Event::id).toList(),
            seen.stream().map(Upstream.Request::eventId).toList(),
            space + ": the upstream got the events in the order they were submitted");
        assertEquals(
            entry.getValue().stream().map(e -> ((Map<?, ?>) e.payload()).get("seq")).toList(),
            seen.stream().map(r -> r.body().get("seq").asInt()).toList(),
            space + ": the payloads, in order");
        assertTrue(seen.stream().allMatch(r -> r.lane().equals(space)), space + ": lane header");
        assertEquals(1, upstream.maxInFlight(space), space + ": never two requests at once");
      }
      assertTrue(
          upstream.maxInFlightOverall() > 1,
          "spaces overlap at the upstream, got at most " + upstream.maxInFlightOverall());
    }
  }

  @Test
  void nonJsonBodyBecomesAStringReplyAndAnEmptyBodyAnEmptyOne() throws Exception {
    Function<Upstream.Request, Upstream.Answer> answers =
        request ->
            request.body().path("empty").asBoolean()
                ? new Upstream.Answer(204, null, null)
                : new Upstream.Answer(
                    200, "text/plain; charset=UTF-8", "héllo, " + request.space());
    try (Upstream upstream = new Upstream(answers);
        Parley parley = parley(handler(upstream.url()), PATIENCE)) {
      Event text = Event.to("alice").payload("hi").build();
      Event empty = Event.to("alice").payload(Map.of("empty", true)).build();

      assertEquals(new Outcome.Completed(text.id(), Reply.of("héllo, alice")), run(parley, text));
      assertEquals(new Outcome.Completed(empty.id(), Reply.empty()), run(parley, empty));
    }
  }

  @Test
  void upstream503FailsRetryably() throws Exception {
    try (Upstream upstream =
            new Upstream(request -> new Upstream.Answer(503, "text/plain", "overloaded"));
        Parley parley = parley(handler(upstream.url()), PATIENCE)) {
      Event event = Event.to("alice").payload("hi").build();

      Outcome.Failed failed = assertInstanceOf(Outcome.Failed.class, run(parley, event));
      assertEquals(UpstreamException.class.getName(), failed.error().type());
      assertTrue(failed.error().message().contains("503"), failed.error().message());
      assertTrue(
          RetryPolicy.DEFAULT_RETRYABLE.test(new UpstreamException(503, "")),
          "the default retry policy retries it");
    }
  }

  @Test
  void upstream503IsRetriedUntilItAnswers() throws Exception {
    Function<Upstream.Request, Upstream.Answer> answers =
        request ->
            request.attempt() < 3
                ? new Upstream.Answer(503, "text/plain", "overloaded")
                : Upstream.echo(request);
    try (Upstream upstream = new Upstream(answers);
        Parley parley = parley(handler(upstream.url()), PATIENCE)) {
      Event event =
          Event.to("alice").payload(Map.of("seq", 7)).retryPolicy(THREE_QUICK_ATTEMPTS).build();

      Outcome outcome = run(parley, event);

      Outcome.Completed completed = assertInstanceOf(Outcome.Completed.class, outcome);
      assertEquals(Map.of("seq", 7, "answeredTo", event.id()), completed.reply().value());
      assertEquals(
          List.of(1, 2, 3),
          upstream.seen("alice").stream().map(Upstream.Request::attempt).toList());
    }
  }

  @Test
  void upstream400FailsNonRetryablyWithoutARetry() throws Exception {
    try (Upstream upstream =
            new Upstream(
                request ->
                    new Upstream.Answer(400, "application/json", "{\"error\":\"no text\"}"));
        Parley parley = parley(handler(upstream.url()), PATIENCE)) {
      Event event = Event.to("alice").payload("hi").retryPolicy(THREE_QUICK_ATTEMPTS).build();

      Outcome.Failed failed = assertInstanceOf(Outcome.Failed.class, run(parley, event));

      assertEquals(NonRetryableException.class.getName(), failed.error().type());
      assertTrue(failed.error().message().contains("400"), failed.error().message());
      assertTrue(failed.error().message().contains("no text"), failed.error().message());
      assertEquals(1, upstream.seen("alice").size(), "a 4xx is never retried");
    }
  }

  @Test
  void upstreamThatNeverAnswersTimesOutAndTheLaneGoesOn() throws Exception {
    Function<Upstream.Request, Upstream.Answer> answers =
        request -> request.body().path("hang").asBoolean() ? null : Upstream.echo(request);
    try (Upstream upstream = new Upstream(answers);
        Parley parley = parley(handler(upstream.url()), SHORT_HANDLER_TIMEOUT)) {
      Event hang = Event.to("alice").payload(Map.of("hang", true)).build();
      Event next = Event.to("alice").payload(Map.of("seq", 2)).build();
      CompletableFuture<Outcome> hanging = parley.submit(hang).toCompletableFuture();

      Outcome after = run(parley, next);

      assertEquals(
          new Outcome.TimedOut(hang.id(), SHORT_HANDLER_TIMEOUT),
          hanging.get(PATIENCE.toMillis(), MILLISECONDS));
      assertEquals(
          new Outcome.Completed(next.id(), Reply.of(Map.of("seq", 2, "answeredTo", next.id()))),
          after);
    }
  }

  @Test
  void forwardTimeoutFailsRetryably() throws Exception {
    try (Upstream upstream = new Upstream(request -> null);
        Parley parley = parley(handler(upstream.url(), SHORT_FORWARD_TIMEOUT), PATIENCE)) {
      Event event = Event.to("alice").payload("hi").build();

      Outcome.Failed failed = assertInstanceOf(Outcome.Failed.class, run(parley, event));

      assertEquals(UpstreamException.class.getName(), failed.error().type());
      assertTrue(
          failed.error().message().contains("parley.forward.timeout"), failed.error().message());
    }
  }

  @Test
  void unreachableUpstreamFailsRetryably() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    try (Parley parley = parley(handler("http://127.0.0.1:" + closedPort + "/chat"), PATIENCE)) {
      Event event = Event.to("alice").payload("hi").build();

      Outcome.Failed failed = assertInstanceOf(Outcome.Failed.class, run(parley, event));

      assertEquals(UpstreamException.class.getName(), failed.error().type());
      assertTrue(failed.error().message().contains("cannot reach"), failed.error().message());
    }
  }

  @Test
  void urlThatIsNotAbsoluteHttpIsRefusedNamingTheKey() {
    for (String url :
        List.of("", "  ", "ftp://example.com/chat", "/chat", "localhost:9000/chat", "http://")) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> handler(url), url);
      assertTrue(e.getMessage().startsWith("parley.forward.url: "), e.getMessage());
    }
  }

  @Test
  void eventIdHeaderKeepsPlainIdsAndEncodesTheRest() {
    assertEquals("abc-123_x.y:z@q", ForwardingHandler.headerSafe("abc-123_x.y:z@q"));
    assertEquals("a%20b%25c%C3%A9", ForwardingHandler.headerSafe("a b%cé"));
  }

  private static Outcome run(Parley parley, Event event) throws Exception {
    return parley.submit(event).toCompletableFuture().get(PATIENCE.toMillis(), MILLISECONDS);
  }

  private static Parley parley(ForwardingHandler handler, Duration handlerTimeout) {
    return Parley.builder()
        .actorSystem(system)
        .config(
            ConfigFactory.parseString(
                "parley.worker.handler-timeout = " + handlerTimeout.toMillis() + "ms"))
        .handler(handler)
        .build();
  }

  private static ForwardingHandler handler(String url) {
    return handler(url, PATIENCE);
  }

  private static ForwardingHandler handler(String url, Duration timeout) {
    Config config =
        ConfigFactory.parseMap(
                Map.of(
                    "parley.forward.url", url, "parley.forward.timeout", timeout.toMillis() + "ms"))
            .withFallback(system.settings().config());
    return ForwardingHandler.create(system, config);
  }

  /**
   * An agent's HTTP endpoint on 127.0.0.1: answers each POST after a short delay on a timer (no
   * thread waits for it), or never when its answer function says {@code null}, and records, per
   * space, the requests in arrival order and the most it had in flight at once.
   */
  private static final class Upstream implements AutoCloseable {
    record Request(String space, String lane, String eventId, int attempt, JsonNode body) {}

    /** {@code body == null}: no body. */
    record Answer(int status, String contentType, String body) {}

    private final HttpServer server;
    private final ExecutorService workers = Executors.newFixedThreadPool(4);
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final Function<Request, Answer> answers;
    private final Random delays = new Random(SEED);
    private final Map<String, List<Request>> seen = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    private final Map<String, Integer> maxInFlight = new ConcurrentHashMap<>();
    private final AtomicInteger inFlightOverall = new AtomicInteger();
    private final AtomicInteger maxInFlightOverall = new AtomicInteger();

    Upstream(Function<Request, Answer> answers) throws IOException {
      this.answers = answers;
      this.server =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.createContext("/chat", this::receive);
      server.setExecutor(workers);
      server.start();
    }

    /** Answers the (JSON object) payload back, with the event id it answers. */
    static Answer echo(Request request) {
      ObjectNode answer = request.body().deepCopy();
      answer.put("answeredTo", request.eventId());
      try {
        return new Answer(200, "application/json", JSON.writeValueAsString(answer));
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }

    String url() {
      return "http://127.0.0.1:" + server.getAddress().getPort() + "/chat";
    }

    List<Request> seen(String space) {
      List<Request> requests = seen.getOrDefault(space, List.of());
      synchronized (requests) {
        return List.copyOf(requests);
      }
    }

    int maxInFlight(String space) {
      return maxInFlight.getOrDefault(space, 0);
    }

    int maxInFlightOverall() {
      return maxInFlightOverall.get();
    }

    private void receive(HttpExchange exchange) throws IOException {
      Headers headers = exchange.getRequestHeaders();
      Request request =
          new Request(
              headers.getFirst(ForwardingHandler.SPACE_HEADER),
              headers.getFirst(ForwardingHandler.LANE_HEADER),
              headers.getFirst(ForwardingHandler.EVENT_ID_HEADER),
              Integer.parseInt(headers.getFirst(ForwardingHandler.ATTEMPT_HEADER)),
              JSON.readTree(exchange.getRequestBody().readAllBytes()));
      String space = request.space();
      int now = inFlight.computeIfAbsent(space, k -> new AtomicInteger()).incrementAndGet();
      maxInFlight.merge(space, now, Math::max);
      maxInFlightOverall.accumulateAndGet(inFlightOverall.incrementAndGet(), Math::max);
      seen.computeIfAbsent(space, k -> Collections.synchronizedList(new ArrayList<>()))
          .add(request);
      Answer answer = answers.apply(request);
      if (answer == null) {
        return; // never answers; stop() closes the connection
      }
      timer.schedule(
          () -> answer(exchange, space, answer), 1 + delays.nextInt(MAX_DELAY_MS), MILLISECONDS);
    }

    private void answer(HttpExchange exchange, String space, Answer answer) {
      // Counted out before the client can see the answer, so the next request cannot overlap it.
      inFlight.get(space).decrementAndGet();
      inFlightOverall.decrementAndGet();
      try {
        if (answer.body() == null) {
          exchange.sendResponseHeaders(answer.status(), -1);
        } else {
          byte[] body = answer.body().getBytes(UTF_8);
          exchange.getResponseHeaders().set("Content-Type", answer.contentType());
          exchange.sendResponseHeaders(answer.status(), body.length);
          exchange.getResponseBody().write(body);
        }
      } catch (IOException e) {
        // The client gave up on this request (its timeout): nobody to answer.
      } finally {
        exchange.close();
      }
    }

    @Override
    public void close() {
      server.stop(0);
      timer.shutdownNow();
      workers.shutdownNow();
    }
  }
}
