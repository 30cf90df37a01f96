package dev.parley.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.runtime.Parley;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code GET /v1/export}: the JSON document and the NDJSON stream, and their problems. */
class ExportRoutesTest {

  @Test
  void theExportShowsEveryLaneWithEventsAsJsonOrOneLinePerLane() throws Exception {
    ScriptedHandler handler = new ScriptedHandler();
    try (TestGateway gw = TestGateway.start(Parley.builder().handler(handler))) {
      for (String space : List.of("a", "b")) {
        gw.post(
                "/v1/spaces/" + space + "/events",
                "{\"id\":\"" + space + "-1\",\"payload\":{\"gated\":true}}")
            .assertJson(202);
        TestGateway.await(handler.started(space + "-1"));
        gw.post(
                "/v1/spaces/" + space + "/events",
                "{\"id\":\"" + space + "-2\",\"priority\":\"P1\"}")
            .assertJson(202);
      }
      gw.post("/v1/spaces/idle/events", "{}", "Prefer", "wait=5").assertJson(200);

      JsonNode doc = gw.get("/v1/export").assertJson(200);

      assertEquals(5, doc.path("totals").path("accepted").asLong(), doc::toString);
      assertEquals(2, doc.path("lanes").size(), doc::toString);
      for (JsonNode lane : doc.path("lanes")) {
        String space = lane.path("lane").asText();
        assertEquals(space + "-1", lane.path("running").path("id").asText(), lane::toString);
        assertEquals(space + "-2", lane.path("pending").path(0).path("id").asText());
        assertEquals("P1", lane.path("pending").path(0).path("priority").asText());
      }

      TestGateway.Response lines = gw.get("/v1/export?format=ndjson");
      assertEquals(200, lines.status(), lines::toString);
      assertTrue(lines.contentType().startsWith("application/x-ndjson"), lines::toString);
      List<String> each = lines.body().lines().toList();
      assertEquals(3, each.size(), lines::toString);
      assertEquals(5, TestGateway.parse(each.get(0)).path("totals").path("accepted").asLong());
      assertEquals(
          java.util.Set.of("a", "b"),
          java.util.Set.of(
              TestGateway.parse(each.get(1)).path("lane").asText(),
              TestGateway.parse(each.get(2)).path("lane").asText()));

      gw.get("/v1/export?format=xml").assertProblem(400, "bad-request", "format");
      handler.openAll();
      OpenApiConformance.assertConforms(gw);
    }
  }
}
