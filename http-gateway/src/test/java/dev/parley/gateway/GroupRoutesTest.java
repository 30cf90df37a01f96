package dev.parley.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.runtime.Parley;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code GET} and {@code PUT /v1/groups/{group}} against a real server whose group {@code bot} runs
 * two events at once ({@code parley.groups.bot.max-parallel = 2}).
 */
class GroupRoutesTest {
  private static ScriptedHandler handler;
  private static TestGateway gw;

  @BeforeAll
  static void startServer() {
    handler = new ScriptedHandler();
    gw = TestGateway.start(Parley.builder().handler(handler), "parley.groups.bot.max-parallel = 2");
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

  private static TestGateway.Response put(String path, String json) {
    return gw.send("PUT", path, "application/json", json);
  }

  private static List<String> ids(JsonNode views) {
    return StreamSupport.stream(views.spliterator(), false)
        .map(view -> view.path("id").asText())
        .toList();
  }

  @Test
  void theGroupShowsTheEventsOfItsSpacesRunningUpToItsNAndItsNChangesAtRuntime() {
    for (String space : List.of("ann", "ben", "cat")) {
      gw.post(
              "/v1/spaces/" + space + "/events",
              "{\"id\":\"g-" + space + "\",\"group\":\"bot\",\"payload\":{\"gated\":true}}")
          .assertJson(202);
    }
    TestGateway.await(handler.started("g-ann"));
    TestGateway.await(handler.started("g-ben"));

    JsonNode group = gw.get("/v1/groups/bot").assertJson(200);
    assertEquals(2, group.path("maxParallel").asInt());
    assertEquals(
        new TreeSet<>(List.of("g-ann", "g-ben")), new TreeSet<>(ids(group.path("running"))));
    assertEquals(List.of("g-cat"), ids(group.path("pending")));
    assertEquals(3, group.path("liveLanes").asInt());
    JsonNode space = gw.get("/v1/spaces/ann").assertJson(200);
    assertEquals("bot", space.path("group").asText());
    assertEquals(
        "bot/ann", space.path("lane").asText(), "each space has its own lane in the group");
    assertEquals("g-ann", space.path("running").path("id").asText());

    JsonNode three = put("/v1/groups/bot", "{\"maxParallel\":3}").assertJson(200);
    assertEquals(3, three.path("maxParallel").asInt());
    TestGateway.await(handler.started("g-cat"));
    handler.open("g-ann");
    handler.open("g-ben");
    handler.open("g-cat");
  }

  @Test
  void aGroupThatIsNotParallelIsNotFoundAndABadNIsABadRequest() {
    int before = gw.get("/v1/groups/bot").assertJson(200).path("maxParallel").asInt();
    gw.get("/v1/groups/other").assertProblem(404, "not-found", "\"other\" is not a parallel group");
    put("/v1/groups/other", "{\"maxParallel\":2}")
        .assertProblem(404, "not-found", "not a parallel group");
    for (String bad : List.of("{\"maxParallel\":0}", "{\"maxParallel\":1.5}", "{}", "{\"n\":2}")) {
      put("/v1/groups/bot", bad).assertProblem(400, "bad-request", "");
    }
    gw.get("/v1/groups/b%20t").assertProblem(400, "bad-request", "group: must match");
    assertEquals(
        before,
        gw.get("/v1/groups/bot").assertJson(200).path("maxParallel").asInt(),
        "a refused change changes nothing");
  }
}
