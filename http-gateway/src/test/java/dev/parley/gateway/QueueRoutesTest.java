package dev.parley.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.runtime.Outcome;
import dev.parley.runtime.Parley;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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

  private static List<String> texts(JsonNode array) {
    return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
  }

  private static List<String> field(JsonNode array, String name) {
    return StreamSupport.stream(array.spliterator(), false)
        .map(item -> item.path(name).asText())
        .toList();
  }

  @Test
  void cancellingSomeEventsOfASpaceReportsWhatWasCancelledAndWhyTheOthersWereNot() {
    String space = laneOf(4);
    String other = laneOf(2);

    JsonNode report =
        gw.post(
                "/v1/spaces/" + space + "/cancel",
                "{\"ids\":[\"" + space + "-3\",\"" + space + "-1\",\"" + other + "-2\",\"nope\"]}")
            .assertJson(200);

    assertEquals(List.of(space + "-3"), texts(report.path("cancelled")), report::toString);
    assertEquals(
        List.of(space + "-1", other + "-2", "nope"),
        field(report.path("notCancelled"), "id"),
        report::toString);
    assertEquals(
        List.of("running", "unknown", "unknown"),
        field(report.path("notCancelled"), "reason"),
        "an event of another space is unknown here");
    assertEquals(List.of(space + "-2", space + "-4"), pendingIds(space));
    assertEquals(
        "cancelled", gw.get(event(space, space + "-3")).assertJson(200).path("status").asText());
    handler.open(space + "-1");
    handler.open(other + "-1");
    gw.awaitOutcome(space + "-4");
    gw.awaitOutcome(other + "-2");
  }

  @Test
  void cancellingASpaceWithoutIdsCancelsEveryPendingEventOfThatSpaceOnly() {
    String group = "group-" + newSpace();
    String space = newSpace();
    String neighbour = newSpace();
    gw.post(
            events(space),
            "{\"id\":\"" + space + "-1\",\"group\":\"" + group + "\",\"payload\":{\"gated\":true}}")
        .assertJson(202);
    TestGateway.await(handler.started(space + "-1"));
    for (String[] pending : new String[][] {{space, "-2"}, {neighbour, "-1"}, {space, "-3"}}) {
      gw.post(
              events(pending[0]),
              "{\"id\":\""
                  + pending[0]
                  + pending[1]
                  + "\",\"group\":\""
                  + group
                  + "\",\"payload\":1}")
          .assertJson(202);
    }

    JsonNode report = gw.post("/v1/spaces/" + space + "/cancel", "").assertJson(200);

    assertEquals(
        List.of(space + "-2", space + "-3"), texts(report.path("cancelled")), report::toString);
    assertEquals(0, report.path("notCancelled").size(), report::toString);
    handler.open(space + "-1");
    assertInstanceOf(Outcome.Completed.class, gw.awaitOutcome(neighbour + "-1"), "not its space");
  }

  @Test
  void cancellingAcrossSpacesNeedsEachEventsOwnSpace() {
    String a = laneOf(2);
    String b = laneOf(2);

    JsonNode report =
        gw.post(
                "/v1/cancel",
                "{\"ids\":[{\"spaceId\":\""
                    + a
                    + "\",\"id\":\""
                    + a
                    + "-2\"},"
                    + "{\"spaceId\":\""
                    + b
                    + "\",\"id\":\""
                    + b
                    + "-2\"},"
                    + "{\"spaceId\":\""
                    + a
                    + "\",\"id\":\""
                    + b
                    + "-1\"}]}")
            .assertJson(200);

    assertEquals(List.of(a + "-2", b + "-2"), texts(report.path("cancelled")), report::toString);
    assertEquals(
        b + "-1", report.path("notCancelled").path(0).path("id").asText(), report::toString);
    assertEquals("unknown", report.path("notCancelled").path(0).path("reason").asText());
    handler.open(a + "-1");
    handler.open(b + "-1");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"ids\":[]}",
        "{\"ids\":\"a\"}",
        "{\"ids\":[1]}",
        "{\"ids\":[\"a\"],\"all\":true}",
      })
  void aBadCancelIs400(String body) {
    gw.post("/v1/spaces/" + newSpace() + "/cancel", body).assertProblem(400, "bad-request", "");
    gw.post("/v1/cancel", body).assertProblem(400, "bad-request", "");
  }

  @Test
  void reorderingASpaceRunsTheListedEventsNextInThatOrder() {
    String space = laneOf(5);

    JsonNode lane =
        patch(
                "/v1/spaces/" + space + "/order",
                "{\"ids\":[\"" + space + "-4\",\"" + space + "-2\"]}")
            .assertJson(200);

    assertEquals(
        List.of(space + "-4", space + "-2", space + "-3", space + "-5"),
        field(lane.path("pending"), "id"),
        lane::toString);
    patch("/v1/spaces/" + space + "/order", "{\"ids\":[\"" + space + "-3\",\"" + space + "-1\"]}")
        .assertProblem(409, "not-pending", space + "-1");
    patch("/v1/spaces/" + space + "/order", "{\"ids\":[\"nope\"]}")
        .assertProblem(404, "not-found", "nope");
    patch("/v1/spaces/" + space + "/order", "{}").assertProblem(400, "bad-request", "ids");
    assertEquals(
        List.of(space + "-4", space + "-2", space + "-3", space + "-5"), pendingIds(space));
    handler.open(space + "-1");
    gw.awaitOutcome(space + "-5");
  }

  @Test
  void aChangeWithoutJsonIs415() {
    String space = laneOf(2);
    gw.send("PATCH", event(space, space + "-2"), "text/plain", "{\"position\":0}")
        .assertProblem(415, "unsupported-media-type", "application/json");
    handler.open(space + "-1");
    gw.awaitOutcome(space + "-2");
  }

  @Test
  void aGetWithPreferWaitAnswersOnceTheEventHasEnded() {
    String space = laneOf(1);
    String id = space + "-1";
    CompletableFuture<TestGateway.Response> waiting =
        CompletableFuture.supplyAsync(
            () -> gw.send("GET", event(space, id), null, null, "Prefer", "wait=30"));
    handler.open(id);

    TestGateway.Response response = TestGateway.await(waiting);
    assertEquals("completed", response.assertJson(200).path("status").asText(), response::toString);
    assertEquals("wait=30", response.header("Preference-Applied").orElse(null));
  }

  @Test
  void aGetWithPreferWaitThatRunsOutShowsTheEventAsItIsAndABadOneIs400() {
    String space = laneOf(1);
    String id = space + "-1";

    TestGateway.Response response =
        gw.send("GET", event(space, id), null, null, "Prefer", "wait=1");
    assertEquals("running", response.assertJson(200).path("status").asText());
    assertEquals("wait=1", response.header("Preference-Applied").orElse(null));
    gw.send("GET", event(space, id), null, null, "Prefer", "wait=x")
        .assertProblem(400, "bad-request", "Prefer: wait");
    gw.send("GET", event(space, "nobody"), null, null, "Prefer", "wait=5")
        .assertProblem(404, "not-found", "nobody");
    handler.open(id);
  }
}
