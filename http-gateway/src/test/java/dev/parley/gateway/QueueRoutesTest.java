package dev.parley.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.runtime.Parley;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The queue controls of the gateway against a real server: changing a pending event's priority and
 * place, with every problem they answer. Each test uses spaces of its own.
 */
class QueueRoutesTest {
  private static final AtomicInteger SPACES = new AtomicInteger();

  private static ScriptedHandler handler;
  private static TestGateway gw;

  @BeforeAll
  static void startServer() {
    handler = new ScriptedHandler();
    gw = TestGateway.start(Parley.builder().handler(handler), "parley.http.max-body = 1 KiB");
  }

  @AfterAll
  static void stopServer() {
    handler.openAll();
    try {
      OpenApiConformance.assertConforms(gw);
    } finally {
      gw.close();
    }
  }

  private static String newSpace() {
    return "queue-" + SPACES.incrementAndGet();
  }

  private static String events(String space) {
    return "/v1/spaces/" + space + "/events";
  }

  private static String event(String space, String id) {
    return events(space) + "/" + id;
  }

  private static TestGateway.Response patch(String path, String json) {
    return gw.send("PATCH", path, "application/json", json);
  }

  /** A space whose first event runs (gated) and whose others wait: ids {@code space-1..n}. */
  private static String laneOf(int events) {
    String space = newSpace();
    gw.post(events(space), "{\"id\":\"" + space + "-1\",\"payload\":{\"gated\":true}}")
        .assertJson(202);
    TestGateway.await(handler.started(space + "-1"));
    for (int i = 2; i <= events; i++) {
      gw.post(events(space), "{\"id\":\"" + space + "-" + i + "\",\"payload\":" + i + "}")
          .assertJson(202);
    }
    return space;
  }

  private static List<String> pendingIds(String space) {
    JsonNode lane = gw.get("/v1/spaces/" + space).assertJson(200);
    return StreamSupport.stream(lane.path("pending").spliterator(), false)
        .map(view -> view.path("id").asText())
        .toList();
  }

  @Test
  void patchingThePriorityOfAPendingEventAnswersItsViewAndKeepsTheLaneOrder() {
    String space = laneOf(3);

    JsonNode view = patch(event(space, space + "-3"), "{\"priority\":\"P0\"}").assertJson(200);

    assertEquals(space + "-3", view.path("id").asText(), view::toString);
    assertEquals("pending", view.path("status").asText(), view::toString);
    assertEquals("P0", view.path("priority").asText(), view::toString);
    assertEquals(1, view.path("position").asInt(), view::toString);
    assertEquals(List.of(space + "-2", space + "-3"), pendingIds(space));
    JsonNode lane = gw.get("/v1/spaces/" + space).assertJson(200);
    assertEquals("P0", lane.path("pending").path(1).path("priority").asText(), lane::toString);
    handler.open(space + "-1");
    gw.awaitOutcome(space + "-3");
  }

  @Test
  void patchingPriorityAndPositionTogetherDoesBoth() {
    String space = laneOf(4);

    JsonNode view =
        patch(event(space, space + "-4"), "{\"priority\":\"P1\",\"position\":0}").assertJson(200);

    assertEquals("P1", view.path("priority").asText(), view::toString);
    assertEquals(0, view.path("position").asInt(), view::toString);
    assertEquals(List.of(space + "-4", space + "-2", space + "-3"), pendingIds(space));
    handler.open(space + "-1");
    gw.awaitOutcome(space + "-3");
  }

  @Test
  void patchingARunningOrFinishedEventIs409AndAnUnknownOneIs404() {
    String space = laneOf(2);

    patch(event(space, space + "-1"), "{\"priority\":\"P0\"}")
        .assertProblem(409, "not-pending", "only a pending event can be changed");
    patch(event(space, "nope"), "{\"position\":0}").assertProblem(404, "not-found", "nope");
    patch(event(newSpace(), space + "-2"), "{\"position\":0}")
        .assertProblem(404, "not-found", space + "-2");
    handler.open(space + "-1");
    gw.awaitOutcome(space + "-2");
    patch(event(space, space + "-2"), "{\"position\":0}")
        .assertProblem(409, "not-pending", "only a pending event can be changed");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{}",
        "{\"priority\":\"P9\"}",
        "{\"priority\":1}",
        "{\"position\":-1}",
        "{\"position\":1.5}",
        "{\"position\":\"first\"}",
        "{\"colour\":\"red\"}",
        "[]",
        "not json"
      })
  void aBadChangeIs400AndChangesNothing(String body) {
    String space = laneOf(3);

    patch(event(space, space + "-3"), body).assertProblem(400, "bad-request", "");

    assertEquals(List.of(space + "-2", space + "-3"), pendingIds(space));
    handler.open(space + "-1");
    gw.awaitOutcome(space + "-3");
  }

  @Test
  void aChangeWithoutJsonIs415() {
    String space = laneOf(2);
    gw.send("PATCH", event(space, space + "-2"), "text/plain", "{\"position\":0}")
        .assertProblem(415, "unsupported-media-type", "application/json");
    handler.open(space + "-1");
    gw.awaitOutcome(space + "-2");
  }
}
