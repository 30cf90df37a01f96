package dev.parley.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.gateway.TestGateway.Response;
import dev.parley.runtime.Event;
import dev.parley.runtime.LaneContext;
import dev.parley.runtime.Parley;
import dev.parley.runtime.Reply;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway end to end: many spaces posting at once over real HTTP with {@code Prefer: wait}.
 * Every event gets its reply, each space's events run one at a time, and spaces run in parallel.
 */
class EndToEndTest {
  private static final int SPACES = 20;
  private static final int EVENTS_PER_SPACE = 20;
  private static final long SEED = 20_251_125L;

  private final Map<String, AtomicInteger> seqByLane = new ConcurrentHashMap<>();
  private ScheduledExecutorService timer;
  private TestGateway gw;

  @BeforeEach
  void start() {
    timer = Executors.newScheduledThreadPool(2);
    // 400 clients connect at once. Pekko's default listen backlog (100) would reset part of such a
    // burst (most runs, measured on Linux); the gateway's parley.http.backlog (1024) takes it.
    gw = TestGateway.start(Parley.builder().handler(this::echo));
  }

  @AfterEach
  void stop() {
    OpenApiConformance.assertConforms(gw);
    gw.close();
    timer.shutdownNow();
  }

  /**
   * Replies {@code {spaceId, seq, startedAt, finishedAt}} after the payload's {@code delayMs},
   * waiting on a scheduler rather than a thread; {@code seq} counts the lane's handled events.
   */
  private CompletionStage<Reply> echo(Event event, LaneContext lane) {
    long startedAt = System.currentTimeMillis();
    int seq =
        seqByLane.computeIfAbsent(lane.laneKey(), key -> new AtomicInteger()).incrementAndGet();
    long delayMs =
        event.payload() instanceof Map<?, ?> payload && payload.get("delayMs") instanceof Number n
            ? n.longValue()
            : 0;
    CompletableFuture<Reply> reply = new CompletableFuture<>();
    timer.schedule(
        () -> {
          Map<String, Object> value = new LinkedHashMap<>();
          value.put("spaceId", lane.spaceId());
          value.put("seq", seq);
          value.put("startedAt", startedAt);
          value.put("finishedAt", System.currentTimeMillis());
          reply.complete(Reply.of(value));
        },
        delayMs,
        TimeUnit.MILLISECONDS);
    return reply;
  }

  /** One handled event as its reply tells it. */
  private record Run(String id, int seq, long startedAt, long finishedAt) {
    boolean overlaps(Run other) {
      return startedAt < other.finishedAt && other.startedAt < finishedAt;
    }
  }

  @Test
  void concurrentSpacesAllGetRepliesInLaneOrderAndRunInParallel() {
    Random random = new Random(SEED);
    List<HttpRequest> requests = new ArrayList<>();
    Map<String, String> spaceOfEvent = new HashMap<>();
    for (int s = 0; s < SPACES; s++) {
      String space = "e2e-space-" + s;
      for (int e = 0; e < EVENTS_PER_SPACE; e++) {
        String id = space + "-event-" + e;
        spaceOfEvent.put(id, space);
        String body =
            "{\"id\":\"" + id + "\",\"payload\":{\"delayMs\":" + (5 + random.nextInt(16)) + "}}";
        requests.add(
            gw.request(
                "POST",
                "/v1/spaces/" + space + "/events",
                "application/json",
                body,
                "Prefer",
                "wait=30"));
      }
    }
    Collections.shuffle(requests, random); // spaces interleaved, as many clients would post

    List<CompletableFuture<Response>> responses = requests.stream().map(gw::sendAsync).toList();
    CompletableFuture.allOf(responses.toArray(CompletableFuture[]::new))
        .orTimeout(60, TimeUnit.SECONDS)
        .join();

    Map<String, List<Run>> runsBySpace = new TreeMap<>();
    for (CompletableFuture<Response> pending : responses) {
      JsonNode view = pending.join().assertJson(200);
      String id = view.path("id").asText();
      String space = spaceOfEvent.get(id);
      assertEquals(space, view.path("spaceId").asText(), view::toString);
      assertEquals("completed", view.path("status").asText(), view::toString);
      JsonNode reply = view.path("reply");
      assertEquals(space, reply.path("spaceId").asText(), view::toString);
      runsBySpace
          .computeIfAbsent(space, key -> new ArrayList<>())
          .add(
              new Run(
                  id,
                  reply.path("seq").asInt(),
                  reply.path("startedAt").asLong(),
                  reply.path("finishedAt").asLong()));
    }

    // None lost, none run twice: every posted id answered once.
    assertEquals(
        spaceOfEvent.keySet(),
        runsBySpace.values().stream()
            .flatMap(List::stream)
            .map(Run::id)
            .collect(Collectors.toSet()));
    assertEquals(SPACES, runsBySpace.size());
    Set<Integer> oneToTwenty =
        IntStream.rangeClosed(1, EVENTS_PER_SPACE).boxed().collect(Collectors.toSet());
    for (Map.Entry<String, List<Run>> space : runsBySpace.entrySet()) {
      List<Run> runs = new ArrayList<>(space.getValue());
      assertEquals(EVENTS_PER_SPACE, runs.size(), space::getKey);
      assertEquals(
          oneToTwenty, runs.stream().map(Run::seq).collect(Collectors.toSet()), space::getKey);
      runs.sort(Comparator.comparingInt(Run::seq));
      for (int i = 1; i < runs.size(); i++) {
        Run before = runs.get(i - 1);
        Run after = runs.get(i);
        assertTrue(
            after.startedAt() >= before.finishedAt(),
            () -> space.getKey() + ": " + after + " started before " + before + " finished");
      }
      JsonNode lane = gw.get("/v1/spaces/" + space.getKey()).assertJson(200);
      assertEquals(
          EVENTS_PER_SPACE, lane.path("counters").path("completed").asInt(), lane::toString);
    }
    assertEquals(
        (long) SPACES * EVENTS_PER_SPACE, gw.server().parley().stats().totals().completed());

    // Parallelism: some runs of different spaces were in progress at the same time.
    List<Map.Entry<String, List<Run>>> spaces = new ArrayList<>(runsBySpace.entrySet());
    boolean overlap = false;
    for (int a = 0; a < spaces.size() && !overlap; a++) {
      for (int b = a + 1; b < spaces.size() && !overlap; b++) {
        for (Run one : spaces.get(a).getValue()) {
          if (spaces.get(b).getValue().stream().anyMatch(one::overlaps)) {
            overlap = true;
            break;
          }
        }
      }
    }
    assertTrue(overlap, "no two spaces ever ran at the same time");
  }
}
