package dev.parley.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.gateway.TestGateway.Response;
import dev.parley.runtime.Parley;
import dev.parley.runtime.Reply;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The same id posted twice at once: never a second run, and never a {@code 409 id-conflict} for a
 * plain duplicate, whether the first event is accepted or refused by its lane.
 */
class DuplicateSubmitTest {
  private static final int BATCH = 50; // pairs in flight at once: 100 connections

  private final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
  private final CompletableFuture<Reply> gate = new CompletableFuture<>();
  private final CompletableFuture<Void> gateStarted = new CompletableFuture<>();
  private TestGateway gw;

  private TestGateway start(String... config) {
    gw =
        TestGateway.start(
            Parley.builder()
                .handler(
                    (event, lane) -> {
                      if ("gate".equals(event.id())) {
                        gateStarted.complete(null);
                        return gate;
                      }
                      runs.computeIfAbsent(event.id(), id -> new AtomicInteger()).incrementAndGet();
                      return CompletableFuture.completedFuture(Reply.of(event.payload()));
                    }),
            config);
    return gw;
  }

  @AfterEach
  void stop() {
    gate.complete(Reply.empty());
    if (gw != null) {
      gw.close();
    }
  }

  @Test
  void threeHundredSameIdSameBodyPairsSentAtOnceNeverGet409AndDescribeTheSameEvent() {
    start();
    List<Response[]> pairs = sendPairs(300, i -> "pairs-" + i, "pair-");

    for (int i = 0; i < pairs.size(); i++) {
      Response[] pair = pairs.get(i);
      String id = "pair-" + i;
      int duplicates = 0;
      for (Response answer : pair) {
        assertTrue(answer.status() == 200 || answer.status() == 202, answer::toString);
        JsonNode view = answer.json();
        assertEquals(id, view.path("id").asText(), answer::toString);
        assertEquals("pairs-" + i, view.path("spaceId").asText(), answer::toString);
        duplicates += view.path("duplicate").asBoolean() ? 1 : 0;
      }
      assertEquals(1, duplicates, () -> "one of the pair is the duplicate: " + List.of(pair));
      gw.awaitOutcome(id);
      assertEquals(1, runs.get(id).get(), "runs of " + id);
    }
  }

  @Test
  void underAFullLaneAPairWhoseFirstIsRefusedNeverGivesTheSecondA409() {
    start("parley.worker.max-queue = 20");
    gw.post("/v1/spaces/full/events", "{\"id\":\"gate\"}").assertJson(202);
    TestGateway.await(gateStarted);

    List<Response[]> pairs = sendPairs(400, i -> "full", "crowd-");

    int refusedPairs = 0;
    List<String> accepted = new ArrayList<>();
    for (int i = 0; i < pairs.size(); i++) {
      Response[] pair = pairs.get(i);
      for (Response answer : pair) {
        assertNotEquals(409, answer.status(), answer::toString);
        assertTrue(
            answer.status() == 202 || answer.status() == 429 || answer.status() == 200,
            answer::toString);
      }
      long refused = List.of(pair).stream().filter(r -> r.status() == 429).count();
      long duplicates =
          List.of(pair).stream()
              .filter(r -> r.status() != 429 && r.json().path("duplicate").asBoolean())
              .count();
      if (refused == 2) {
        refusedPairs++;
      } else {
        accepted.add("crowd-" + i);
        // One accepted event; the other answer is its duplicate, or was refused before it came.
        assertEquals(refused == 0 ? 1 : 0, duplicates, () -> List.of(pair).toString());
      }
    }
    assertTrue(refusedPairs > 0, "the lane must have been full for some pairs");
    assertTrue(!accepted.isEmpty(), "the lane had room for some pairs");

    gate.complete(Reply.empty());
    for (String id : accepted) {
      gw.awaitOutcome(id);
      assertEquals(1, runs.get(id).get(), "runs of " + id);
    }
    runs.forEach((id, count) -> assertEquals(1, count.get(), "runs of " + id));
  }

  /** Posts {@code n} pairs, both of a pair at once, {@value #BATCH} pairs at a time. */
  private List<Response[]> sendPairs(
      int n, java.util.function.IntFunction<String> space, String idPrefix) {
    List<Response[]> pairs = new ArrayList<>();
    for (int start = 0; start < n; start += BATCH) {
      List<CompletableFuture<Response>> sent = new ArrayList<>();
      for (int i = start; i < Math.min(n, start + BATCH); i++) {
        String body = "{\"id\":\"" + idPrefix + i + "\",\"payload\":{\"n\":" + i + "}}";
        String path = "/v1/spaces/" + space.apply(i) + "/events";
        sent.add(gw.sendAsync(gw.request("POST", path, "application/json", body)));
        sent.add(gw.sendAsync(gw.request("POST", path, "application/json", body)));
      }
      for (int i = 0; i < sent.size(); i += 2) {
        pairs.add(
            new Response[] {TestGateway.await(sent.get(i)), TestGateway.await(sent.get(i + 1))});
      }
    }
    return pairs;
  }
}
