package dev.parley.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.runtime.Parley;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /v1/spaces/{spaceId}} says which lane a space belongs to: its own, its group's (named
 * in {@code group}), or 404 when nothing is known of it, never an idle-looking lane for a space
 * that never had an event.
 */
class SpaceViewTest {
  private final ScriptedHandler handler = new ScriptedHandler();
  private TestGateway gw;

  @AfterEach
  void stop() {
    handler.openAll();
    if (gw != null) {
      gw.close();
    }
  }

  @Test
  void aSpaceNothingIsKnownOfIs404() {
    gw = TestGateway.start(Parley.builder().handler(handler));
    gw.get("/v1/spaces/nobody").assertProblem(404, "not-found", "space nobody: nothing is known");
  }

  @Test
  void aSpaceInAGroupAnswersItsGroupsLaneWithTheRunningAndPendingEvents() {
    gw = TestGateway.start(Parley.builder().handler(handler));
    gw.submitGated("general", "a", "discord-bot");
    TestGateway.await(handler.started("a"));
    gw.submitGated("random", "b", "discord-bot");

    JsonNode random = gw.get("/v1/spaces/random").assertJson(200);
    assertEquals("random", random.path("spaceId").asText(), random::toString);
    assertEquals("discord-bot", random.path("group").asText(), random::toString);
    assertEquals("discord-bot", random.path("lane").asText(), random::toString);
    assertTrue(random.path("live").asBoolean(), random::toString);
    assertEquals("a", random.path("running").path("id").asText(), random::toString);
    assertEquals("general", random.path("running").path("spaceId").asText(), random::toString);
    assertEquals("b", random.path("pending").path(0).path("id").asText(), random::toString);
    assertEquals(0, random.path("pending").path(0).path("position").asInt(), random::toString);

    JsonNode group = gw.get("/v1/spaces/discord-bot").assertJson(200);
    assertEquals("discord-bot", group.path("lane").asText(), group::toString);
    assertTrue(group.path("spaceId").isMissingNode(), group::toString);
  }

  @Test
  void aSpaceWhoseIdleWorkerPassivatedAnswersItsOwnIdleLane() {
    gw = TestGateway.start(Parley.builder().handler(handler), "parley.worker.idle-timeout = 100ms");
    gw.submitGated("carol", "c1", null);
    handler.open("c1");
    gw.awaitOutcome("c1");
    TestGateway.awaitTrue(
        () -> gw.server().parley().stats().totals().passivated() >= 1,
        () -> "carol not passivated");

    JsonNode carol = gw.get("/v1/spaces/carol").assertJson(200);
    assertEquals("carol", carol.path("lane").asText(), carol::toString);
    assertFalse(carol.path("live").asBoolean(), carol::toString);
    assertEquals("healthy", carol.path("health").asText(), carol::toString);
    assertEquals(0, carol.path("pending").size(), carol::toString);
  }

  @Test
  void aPausedSpaceWithoutEventsAnswersItsPausedLane() {
    gw = TestGateway.start(Parley.builder().handler(handler));
    gw.post("/v1/spaces/dave/pause", "").assertJson(200);
    JsonNode dave = gw.get("/v1/spaces/dave").assertJson(200);
    assertEquals("dave", dave.path("lane").asText(), dave::toString);
    assertTrue(dave.path("paused").asBoolean(), dave::toString);
  }

  @Test
  void theLeastRecentlyUsedSpaceIsForgottenBeyondSpacesRemembered() {
    gw =
        TestGateway.start(
            Parley.builder().handler(handler),
            "parley.worker.idle-timeout = 100ms",
            "parley.http.spaces-remembered = 1");
    gw.submitGated("erin", "e1", null);
    gw.submitGated("frank", "f1", null);
    handler.openAll();
    gw.awaitOutcome("e1");
    gw.awaitOutcome("f1");
    TestGateway.awaitTrue(
        () -> gw.server().parley().stats().totals().passivated() >= 2, () -> "not both passivated");

    gw.get("/v1/spaces/erin").assertProblem(404, "not-found", "spaces-remembered");
    assertEquals("frank", gw.get("/v1/spaces/frank").assertJson(200).path("lane").asText());
  }
}
