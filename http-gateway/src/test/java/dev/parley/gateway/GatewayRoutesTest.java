package dev.parley.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.gateway.TestGateway.Response;
import dev.parley.runtime.Outcome;
import dev.parley.runtime.Parley;
import dev.parley.runtime.RetryPolicy;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every endpoint of the gateway and every error it answers, against a real server on 127.0.0.1:
 * status codes, headers, and the JSON or problem+json bodies. Each test uses spaces of its own.
 */
class GatewayRoutesTest {
  private static final AtomicInteger SPACES = new AtomicInteger();

  private static ScriptedHandler handler;
  private static TestGateway gw;

  @BeforeAll
  static void startServer() {
    handler = new ScriptedHandler();
    gw =
        TestGateway.start(
            Parley.builder()
                .handler(handler)
                .retryPolicy(
                    RetryPolicy.builder().maxAttempts(2).initialBackoff(Duration.ZERO).build()),
            "parley.http.max-body = 1 KiB");
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
    return "space-" + SPACES.incrementAndGet();
  }

  private static String events(String space) {
    return "/v1/spaces/" + space + "/events";
  }

  private static String event(String space, String id) {
    return events(space) + "/" + id;
  }

  /** Submits a gated event and waits until its handler runs. */
  private static void startGated(String space, String id) {
    gw.post(events(space), "{\"id\":\"" + id + "\",\"payload\":{\"gated\":true}}").assertJson(202);
    TestGateway.await(handler.started(id));
  }

  // --- POST /v1/spaces/{spaceId}/events ---------------------------------------------------------

  @Test
  void submitAnswers202WithLocationAndReceipt() {
    String space = newSpace();
    String id = space + "-1";
    Response response =
        gw.post(events(space), "{\"id\":\"" + id + "\",\"payload\":{\"text\":\"hi\"}}");

    JsonNode receipt = response.assertJson(202);
    assertEquals(event(space, id), response.header("Location").orElseThrow());
    assertEquals(id, receipt.path("id").asText());
    assertEquals(space, receipt.path("spaceId").asText());
    assertEquals(space, receipt.path("lane").asText());
    assertEquals("pending", receipt.path("status").asText());
    assertTrue(receipt.path("position").isIntegralNumber(), receipt::toString);
    assertTrue(receipt.path("position").asInt() >= 0, receipt::toString);
    assertTrue(receipt.path("etaMs").isIntegralNumber(), receipt::toString);
    assertTrue(receipt.path("etaMs").asLong() >= 0, receipt::toString);
    assertInstanceOf(Outcome.Completed.class, gw.awaitOutcome(id));
  }

  @Test
  void submitWithoutIdGetsAGeneratedIdWhoseLocationResolves() {
    String space = newSpace();
    Response response = gw.post(events(space), "{\"payload\":\"hello\"}");

    String id = response.assertJson(202).path("id").asText();
    assertFalse(id.isBlank());
    gw.awaitOutcome(id);
    JsonNode view = gw.get(response.header("Location").orElseThrow()).assertJson(200);
    assertEquals(id, view.path("id").asText());
    assertEquals("completed", view.path("status").asText());
  }

  @Test
  void locationResolvesForAnIdWithReservedCharacters() {
    String space = newSpace();
    String id = space + " a/b+c?d#é";
    Response response =
        gw.post(events(space), "{\"id\":\"" + id + "\",\"payload\":null}", "Prefer", "wait=5");
    response.assertJson(200);

    Response accepted = gw.post(events(space), "{\"id\":\"" + id + "x\",\"payload\":null}");
    gw.awaitOutcome(id + "x");
    JsonNode view = gw.get(accepted.header("Location").orElseThrow()).assertJson(200);
    assertEquals(id + "x", view.path("id").asText());
  }

  @Test
  void submitWithASpaceIdOf128CharactersIsAccepted() {
    String space = "s".repeat(128);
    gw.post(events(space), "{\"payload\":1}", "Prefer", "wait=5").assertJson(200);
    gw.get("/v1/spaces/" + space).assertJson(200);
  }

  @Test
  void submitWithJsonCharsetParameterIsAccepted() {
    String space = newSpace();
    gw.send(
            "POST",
            events(space),
            "application/json; charset=utf-8",
            "{\"payload\":\"ü\"}",
            "Prefer",
            "wait=5")
        .assertJson(200);
  }

  @Test
  void eventsOfAGroupShareTheGroupsLane() {
    String group = newSpace() + "-group";
    JsonNode receipt =
        gw.post(events(newSpace()), "{\"group\":\"" + group + "\",\"payload\":1}").assertJson(202);
    assertEquals(group, receipt.path("lane").asText());
    gw.awaitOutcome(receipt.path("id").asText());
    assertEquals(group, gw.get("/v1/spaces/" + group).assertJson(200).path("lane").asText());
  }

  @Test
  void emptyObjectWithoutPayloadIsAcceptedAndTheHandlerGetsANullPayload() {
    JsonNode view = gw.post(events(newSpace()), "{}", "Prefer", "wait=5").assertJson(200);
    assertEquals("completed", view.path("status").asText(), view::toString);
    assertTrue(view.path("reply").has("echo"), view::toString);
    assertTrue(view.path("reply").path("echo").isNull(), view::toString);
  }

  @Test
  void preferWaitAnswers200WithTheReply() {
    String space = newSpace();
    String id = space + "-1";
    Response response =
        gw.post(
            events(space),
            "{\"id\":\"" + id + "\",\"priority\":\"P1\",\"payload\":{\"text\":\"hi\"}}",
            "Prefer",
            "wait=5");

    JsonNode view = response.assertJson(200);
    assertEquals(id, view.path("id").asText());
    assertEquals(space, view.path("spaceId").asText());
    assertEquals(space, view.path("lane").asText());
    assertEquals("completed", view.path("status").asText());
    assertEquals("hi", view.path("reply").path("echo").path("text").asText());
    assertEquals(space, view.path("reply").path("lane").asText());
    assertEquals(1, view.path("attempts").asInt());
    assertTrue(view.path("queuedMs").asLong(-1) >= 0, view::toString);
    assertTrue(view.path("handledMs").asLong(-1) >= 0, view::toString);
    assertTrue(view.path("error").isMissingNode(), view::toString);
    assertEquals("wait=5", response.header("Preference-Applied").orElse(null), response::toString);
  }

  @Test
  void preferWaitAboveMaxWaitIsAppliedAsMaxWait() {
    String space = newSpace();
    Response response =
        gw.post(events(space), "{\"payload\":{\"text\":\"hi\"}}", "Prefer", "wait=99999999999");

    response.assertJson(200);
    assertEquals("wait=60", response.header("Preference-Applied").orElse(null), response::toString);
  }

  @Test
  void withoutPreferWaitNoPreferenceIsApplied() {
    Response response = gw.post(events(newSpace()), "{\"payload\":{}}", "Prefer", "return=minimal");

    response.assertJson(202);
    assertTrue(response.header("Preference-Applied").isEmpty(), response::toString);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"wait=abc", "wait=-1", "wait=1.5", "wait", "wait=", "respond-async, WAIT=x"})
  void preferWaitThatIsNotWholeSecondsIs400(String prefer) {
    gw.post(events(newSpace()), "{\"payload\":{}}", "Prefer", prefer)
        .assertProblem(400, "bad-request", "Prefer: wait");
  }

  @Test
  void preferWaitThatRunsOutAnswers202WithTheReceipt() {
    String space = newSpace();
    String id = space + "-1";
    Response response =
        gw.post(
            events(space),
            "{\"id\":\"" + id + "\",\"payload\":{\"gated\":true}}",
            "Prefer",
            "respond-async, wait=1");

    JsonNode receipt = response.assertJson(202);
    assertEquals(event(space, id), response.header("Location").orElseThrow());
    assertEquals(id, receipt.path("id").asText());
    assertEquals("pending", receipt.path("status").asText());
    assertEquals("wait=1", response.header("Preference-Applied").orElse(null), response::toString);
    handler.open(id);
    assertInstanceOf(Outcome.Completed.class, gw.awaitOutcome(id));
  }

  @Test
  void duplicateIdAnswersTheFirstEventsViewWithoutASecondRun() {
    String space = newSpace();
    String id = space + "-1";
    gw.post(events(space), "{\"id\":\"" + id + "\",\"payload\":\"first\"}", "Prefer", "wait=5")
        .assertJson(200);

    JsonNode again =
        gw.post(events(space), "{\"id\":\"" + id + "\",\"payload\":\"second\"}").assertJson(200);

    assertEquals(id, again.path("id").asText());
    assertEquals("completed", again.path("status").asText());
    assertEquals("first", again.path("reply").path("echo").asText());
    assertTrue(again.path("duplicate").asBoolean(), again::toString);
    assertEquals(1, handler.invocations(id));
  }

  @Test
  void duplicateOfAPendingEventAnswers202WithTheFirstEventsViewMarkedDuplicate() {
    String space = newSpace();
    startGated(space, space + "-running");
    String id = space + "-pending";
    gw.post(events(space), "{\"id\":\"" + id + "\",\"payload\":\"first\"}").assertJson(202);

    Response again = gw.post(events(space), "{\"id\":\"" + id + "\",\"payload\":\"again\"}");

    JsonNode view = again.assertJson(202);
    assertEquals(event(space, id), again.header("Location").orElseThrow());
    assertEquals("pending", view.path("status").asText(), view::toString);
    assertEquals(0, view.path("position").asInt(), view::toString);
    assertTrue(view.path("duplicate").asBoolean(), view::toString);
    handler.open(space + "-running");
    gw.awaitOutcome(id);
    assertEquals(1, handler.invocations(id));
  }

  @Test
  void duplicateOfARunningEventAnswers202WithTheFirstEventsView() {
    String space = newSpace();
    String id = space + "-1";
    startGated(space, id);

    Response again = gw.post(events(space), "{\"id\":\"" + id + "\",\"payload\":\"again\"}");

    JsonNode view = again.assertJson(202);
    assertEquals(event(space, id), again.header("Location").orElseThrow());
    assertEquals(id, view.path("id").asText());
    // The first event runs: its view says so (not "pending" with position -1).
    assertEquals("running", view.path("status").asText(), view::toString);
    assertTrue(view.path("duplicate").asBoolean(), view::toString);
    handler.open(id);
    gw.awaitOutcome(id);
    assertEquals(1, handler.invocations(id));
  }

  @Test
  void duplicateWithPreferWaitWaitsForTheFirstEventsOutcome() {
    String space = newSpace();
    String id = space + "-1";
    startGated(space, id);

    CompletableFuture<Response> again =
        gw.sendAsync(
            gw.request(
                "POST",
                events(space),
                "application/json",
                "{\"id\":\"" + id + "\",\"payload\":\"again\"}",
                "Prefer",
                "wait=5"));
    // Opened well within the 5 s the retry asked to wait for: its answer must be the reply.
    CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS).execute(() -> handler.open(id));

    Response answer = TestGateway.await(again);
    JsonNode view = answer.assertJson(200);
    assertEquals("completed", view.path("status").asText());
    assertTrue(view.path("duplicate").asBoolean(), view::toString);
    assertEquals("wait=5", answer.header("Preference-Applied").orElse(null));
    assertEquals(1, handler.invocations(id));
  }

  @Test
  void duplicateWithAPreferWaitThatRunsOutAnswers202WithTheFirstEventsView() {
    String space = newSpace();
    String id = space + "-1";
    startGated(space, id);

    Response again =
        gw.post(events(space), "{\"id\":\"" + id + "\",\"payload\":\"again\"}", "Prefer", "wait=1");

    JsonNode view = again.assertJson(202);
    assertEquals("running", view.path("status").asText(), view::toString);
    assertTrue(view.path("duplicate").asBoolean(), view::toString);
    assertEquals(event(space, id), again.header("Location").orElseThrow());
    handler.open(id);
    gw.awaitOutcome(id);
    assertEquals(1, handler.invocations(id));
  }

  @Test
  void sameIdInAnotherSpaceNeverAnswersWithTheOtherSpacesEvent() {
    String first = newSpace();
    String second = newSpace();
    String id = first + "-shared-id";
    gw.post(events(first), "{\"id\":\"" + id + "\",\"payload\":\"secret\"}", "Prefer", "wait=5")
        .assertJson(200);

    Response response =
        gw.post(events(second), "{\"id\":\"" + id + "\",\"payload\":\"mine\"}", "Prefer", "wait=5");

    if (response.status() == 409) { // refusing the reuse of an id is an answer too
      assertTrue(response.contentType().startsWith("application/problem+json"), response::toString);
      assertEquals(409, response.json().path("status").asInt(), response::toString);
      return;
    }
    assertTrue(response.status() == 200 || response.status() == 202, response::toString);
    JsonNode body = response.json();
    assertEquals(second, body.path("spaceId").asText(), () -> "leaks space " + first + ": " + body);
    assertNotEquals("secret", body.path("reply").path("echo").asText(), body::toString);
    response
        .header("Location")
        .ifPresent(location -> assertEquals(200, gw.get(location).status(), location));
  }

  @Test
  void busyLaneUnderRejectPolicyAnswers409() {
    String space = newSpace();
    String running = space + "-1";
    startGated(space, running);

    Response refused =
        gw.post(events(space), "{\"id\":\"" + space + "-2\",\"policy\":\"reject\",\"payload\":1}");

    refused.assertProblem(409, "lane-busy", space);
    assertEquals(0, handler.invocations(space + "-2"));
    gw.get(event(space, space + "-2")).assertProblem(404, "not-found", space + "-2");
    handler.open(running);
    gw.awaitOutcome(running);
  }

  @Test
  void rejectPolicyOnAnIdleLaneAccepts() {
    gw.post(events(newSpace()), "{\"policy\":\"REJECT\",\"payload\":1}", "Prefer", "wait=5")
        .assertJson(200);
  }

  // --- GET /v1/spaces/{spaceId}/events/{id} -----------------------------------------------------

  @Test
  void eventViewFollowsTheEventFromPendingToCompleted() {
    String space = newSpace();
    String first = space + "-1";
    String second = space + "-2";
    startGated(space, first);
    gw.post(events(space), "{\"id\":\"" + second + "\",\"payload\":\"two\"}").assertJson(202);

    JsonNode running = gw.get(event(space, first)).assertJson(200);
    assertEquals("running", running.path("status").asText());
    assertEquals(1, running.path("attempts").asInt());
    assertTrue(running.path("position").isMissingNode(), running::toString);
    JsonNode pending = gw.get(event(space, second)).assertJson(200);
    assertEquals("pending", pending.path("status").asText());
    assertEquals(0, pending.path("position").asInt(-1));
    assertTrue(pending.path("etaMs").isIntegralNumber(), pending::toString);
    assertTrue(pending.path("reply").isMissingNode(), pending::toString);

    handler.open(first);
    gw.awaitOutcome(second);
    JsonNode completed = gw.get(event(space, second)).assertJson(200);
    assertEquals("completed", completed.path("status").asText());
    assertEquals("two", completed.path("reply").path("echo").asText());
    assertEquals(1, completed.path("attempts").asInt());
    assertTrue(completed.path("queuedMs").asLong(-1) >= 0, completed::toString);
    assertTrue(completed.path("handledMs").asLong(-1) >= 0, completed::toString);
  }

  @Test
  void failedEventViewCarriesTheError() {
    String space = newSpace();
    JsonNode view =
        gw.post(events(space), "{\"payload\":{\"fail\":\"fatal\"}}", "Prefer", "wait=5")
            .assertJson(200);

    assertEquals("failed", view.path("status").asText());
    assertEquals("java.lang.IllegalArgumentException", view.path("error").path("type").asText());
    assertEquals("bad input", view.path("error").path("message").asText());
    assertEquals(1, view.path("attempts").asInt());
    assertTrue(view.path("reply").isMissingNode(), view::toString);
    assertEquals(view, gw.get(event(space, view.path("id").asText())).assertJson(200));
  }

  @Test
  void unknownEventIs404() {
    String space = newSpace();
    gw.get(event(space, "no-such-event")).assertProblem(404, "not-found", "no-such-event");
  }

  @Test
  void eventOfAnotherSpaceIs404ForReadAndCancel() {
    String space = newSpace();
    String other = newSpace();
    String first = space + "-1";
    String second = space + "-2";
    startGated(space, first);
    gw.post(events(space), "{\"id\":\"" + second + "\",\"payload\":1}").assertJson(202);

    gw.get(event(other, first)).assertProblem(404, "not-found", first);
    gw.delete(event(other, second)).assertProblem(404, "not-found", second);

    handler.open(first);
    assertInstanceOf(Outcome.Completed.class, gw.awaitOutcome(second));
  }

  // --- DELETE /v1/spaces/{spaceId}/events/{id} --------------------------------------------------

  @Test
  void cancellingAPendingEventAnswersItsCancelledView() {
    String space = newSpace();
    String first = space + "-1";
    String second = space + "-2";
    startGated(space, first);
    gw.post(events(space), "{\"id\":\"" + second + "\",\"payload\":1}").assertJson(202);

    JsonNode view = gw.delete(event(space, second)).assertJson(200);

    assertEquals(second, view.path("id").asText());
    assertEquals("cancelled", view.path("status").asText());
    handler.open(first);
    gw.awaitOutcome(first);
    assertInstanceOf(Outcome.Cancelled.class, gw.awaitOutcome(second));
    assertEquals(0, handler.invocations(second));
  }

  @Test
  void cancellingARunningOrEndedEventIs409() {
    String space = newSpace();
    String id = space + "-1";
    startGated(space, id);

    gw.delete(event(space, id)).assertProblem(409, "not-pending", id);
    handler.open(id);
    gw.awaitOutcome(id);
    gw.delete(event(space, id)).assertProblem(409, "not-pending", id);
    assertEquals("completed", gw.get(event(space, id)).assertJson(200).path("status").asText());
  }

  @Test
  void cancellingAnUnknownEventIs404() {
    gw.delete(event(newSpace(), "no-such-event")).assertProblem(404, "not-found", "no-such-event");
  }

  // --- GET /v1/spaces/{spaceId}, pause, resume --------------------------------------------------

  @Test
  void laneViewShowsTheRunningEventAndPendingOnesWithPositions() {
    String space = newSpace();
    String first = space + "-1";
    startGated(space, first);
    gw.post(events(space), "{\"id\":\"" + space + "-2\",\"payload\":2}").assertJson(202);
    gw.post(events(space), "{\"id\":\"" + space + "-3\",\"payload\":3}").assertJson(202);

    JsonNode lane = gw.get("/v1/spaces/" + space).assertJson(200);

    assertEquals(space, lane.path("lane").asText());
    assertTrue(lane.path("live").asBoolean(), lane::toString);
    assertFalse(lane.path("paused").asBoolean(), lane::toString);
    assertTrue(lane.path("health").isTextual(), lane::toString);
    assertEquals(first, lane.path("running").path("id").asText());
    assertEquals("running", lane.path("running").path("status").asText());
    JsonNode pending = lane.path("pending");
    assertEquals(2, pending.size(), lane::toString);
    assertEquals(space + "-2", pending.get(0).path("id").asText());
    assertEquals(0, pending.get(0).path("position").asInt(-1));
    assertEquals(space + "-3", pending.get(1).path("id").asText());
    assertEquals(1, pending.get(1).path("position").asInt(-1));
    assertTrue(lane.path("counters").path("completed").isIntegralNumber(), lane::toString);

    handler.open(first);
    gw.awaitOutcome(space + "-3");
  }

  @Test
  void laneViewOfASpaceWhoseEventsEndedIsItsIdleLane() {
    String space = newSpace();
    String id = space + "-1";
    gw.post(events(space), "{\"id\":\"" + id + "\",\"payload\":1}").assertJson(202);
    gw.awaitOutcome(id);
    JsonNode lane = gw.get("/v1/spaces/" + space).assertJson(200);
    assertEquals(space, lane.path("lane").asText());
    assertFalse(lane.path("paused").asBoolean());
    assertEquals(0, lane.path("pending").size());
    assertTrue(lane.path("running").isMissingNode(), lane::toString);
  }

  @Test
  void movingAPendingEventReordersTheLaneAndTheLaneViewShowsPriorities() {
    String space = newSpace();
    startGated(space, space + "-1");
    gw.post(events(space), "{\"id\":\"" + space + "-2\",\"payload\":1}").assertJson(202);
    gw.post(events(space), "{\"id\":\"" + space + "-3\",\"priority\":\"P0\",\"payload\":1}")
        .assertJson(202);

    JsonNode lane = gw.post(event(space, space + "-3") + "/move?position=0", "").assertJson(200);
    assertEquals(space + "-3", lane.path("pending").path(0).path("id").asText(), lane::toString);
    assertEquals(0, lane.path("pending").path(0).path("position").asInt(), lane::toString);
    assertEquals("P0", lane.path("pending").path(0).path("priority").asText(), lane::toString);
    assertEquals(space + "-2", lane.path("pending").path(1).path("id").asText(), lane::toString);
    assertEquals("P2", lane.path("pending").path(1).path("priority").asText(), lane::toString);
    assertEquals("P2", lane.path("running").path("priority").asText(), lane::toString);
    JsonNode view = gw.get("/v1/spaces/" + space).assertJson(200);
    assertEquals(space + "-3", view.path("pending").path(0).path("id").asText(), view::toString);

    gw.post(event(space, space + "-1") + "/move?position=1", "")
        .assertProblem(409, "not-pending", "only a pending event can be moved");
    gw.post(event(space, "nope") + "/move?position=0", "").assertProblem(404, "not-found", "nope");
    gw.post(event(space, space + "-2") + "/move?position=-1", "")
        .assertProblem(400, "bad-request", "position");
    gw.post(event(space, space + "-2") + "/move", "").assertProblem(400, "bad-request", "position");
    handler.open(space + "-1");
    gw.awaitOutcome(space + "-2");
  }

  @Test
  void pausedLaneHoldsItsEventsUntilResumed() {
    String space = newSpace();
    String id = space + "-1";

    JsonNode paused = gw.post("/v1/spaces/" + space + "/pause", "").assertJson(200);
    assertEquals(space, paused.path("lane").asText());
    assertTrue(paused.path("paused").asBoolean());
    assertTrue(paused.path("changed").asBoolean());
    assertFalse(
        gw.post("/v1/spaces/" + space + "/pause", "").assertJson(200).path("changed").asBoolean());

    gw.post(events(space), "{\"id\":\"" + id + "\",\"payload\":1}").assertJson(202);
    JsonNode lane = gw.get("/v1/spaces/" + space).assertJson(200);
    assertTrue(lane.path("paused").asBoolean(), lane::toString);
    assertEquals(id, lane.path("pending").path(0).path("id").asText(), lane::toString);
    assertEquals("pending", gw.get(event(space, id)).assertJson(200).path("status").asText());

    JsonNode resumed = gw.post("/v1/spaces/" + space + "/resume", "").assertJson(200);
    assertFalse(resumed.path("paused").asBoolean());
    assertTrue(resumed.path("changed").asBoolean());
    assertInstanceOf(Outcome.Completed.class, gw.awaitOutcome(id));
    assertFalse(
        gw.post("/v1/spaces/" + space + "/resume", "").assertJson(200).path("changed").asBoolean());
  }

  // --- dead letters -----------------------------------------------------------------------------

  @Test
  void deadLetteredEventIsListedAndRedriven() {
    String space = newSpace();
    String id = space + "-1";
    JsonNode view =
        gw.post(
                events(space),
                "{\"id\":\"" + id + "\",\"payload\":{\"failFirst\":2}}",
                "Prefer",
                "wait=5")
            .assertJson(200);
    assertEquals("dead_lettered", view.path("status").asText());
    assertEquals(2, view.path("attempts").asInt());
    assertEquals("java.lang.IllegalStateException", view.path("error").path("type").asText());
    assertEquals("invocation 2 failed", view.path("error").path("message").asText());

    JsonNode letter = deadLetter(id);
    assertEquals(space, letter.path("spaceId").asText());
    assertEquals(space, letter.path("lane").asText());
    assertEquals(2, letter.path("attempts").asInt());
    assertEquals("java.lang.IllegalStateException", letter.path("error").path("type").asText());
    assertTrue(letter.path("firstFailureAt").isTextual(), letter::toString);
    assertTrue(letter.path("lastFailureAt").isTextual(), letter::toString);

    JsonNode redriven = gw.post("/v1/dead-letters/" + id + "/redrive", "").assertJson(202);
    assertEquals(id, redriven.path("id").asText());
    assertEquals("pending", redriven.path("status").asText());

    assertInstanceOf(Outcome.Completed.class, gw.awaitOutcome(id));
    JsonNode completed = gw.get(event(space, id)).assertJson(200);
    assertEquals("completed", completed.path("status").asText());
    assertEquals(3, completed.path("reply").path("invocation").asInt());
    assertNull(findDeadLetter(id), "redriven: no longer a dead letter");
    gw.post("/v1/dead-letters/" + id + "/redrive", "").assertProblem(404, "not-found", id);
  }

  @Test
  void redrivenEventWithoutAClientIdStaysVisibleAtItsLocation() {
    String space = newSpace();
    Response first = gw.post(events(space), "{\"payload\":{\"failFirst\":2}}", "Prefer", "wait=5");
    JsonNode view = first.assertJson(200);
    assertEquals("dead_lettered", view.path("status").asText());
    String id = view.path("id").asText();

    gw.post("/v1/dead-letters/" + id + "/redrive", "").assertJson(202);

    // The redrive answered "pending" for this id: the id must still answer where it is.
    Response after = gw.get(event(space, id));
    assertEquals(200, after.status(), () -> "GET after redrive: " + after);
    assertInstanceOf(Outcome.Completed.class, gw.awaitOutcome(id));
    assertEquals("completed", gw.get(event(space, id)).assertJson(200).path("status").asText());
  }

  @Test
  void redriveOfAnUnknownDeadLetterIs404() {
    gw.post("/v1/dead-letters/no-such-letter/redrive", "")
        .assertProblem(404, "not-found", "no-such-letter");
  }

  private static JsonNode deadLetter(String id) {
    JsonNode letter = findDeadLetter(id);
    assertTrue(letter != null, () -> "no dead letter " + id);
    return letter;
  }

  private static JsonNode findDeadLetter(String id) {
    JsonNode list = gw.get("/v1/dead-letters").assertJson(200).path("deadLetters");
    assertTrue(list.isArray(), list::toString);
    for (JsonNode letter : list) {
      if (letter.path("id").asText().equals(id)) {
        return letter;
      }
    }
    return null;
  }

  // --- health -----------------------------------------------------------------------------------

  @Test
  void healthzAnswersOk() {
    assertEquals("ok", gw.get("/healthz").assertJson(200).path("status").asText());
  }

  @ParameterizedTest
  @ValueSource(strings = {"/healthz", "/readyz"})
  void headOnAProbeAnswers200WithoutABody(String path) {
    Response get = gw.get(path);
    Response head = gw.send("HEAD", path, null, null);

    assertEquals(200, head.status(), head::toString);
    assertEquals("", head.body(), head::toString);
    assertTrue(head.contentType().startsWith("application/json"), head::toString);
    assertEquals(get.status(), head.status());
  }

  @Test
  void readyzAnswersReadyWithQueueFigures() {
    JsonNode ready = gw.get("/readyz").assertJson(200);
    assertEquals("ready", ready.path("status").asText());
    assertTrue(ready.path("queueDepth").isIntegralNumber(), ready::toString);
    assertTrue(ready.path("inFlight").isIntegralNumber(), ready::toString);
    assertTrue(ready.path("workers").isIntegralNumber(), ready::toString);
  }

  // --- bad input --------------------------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(
      strings = {"{", "{\"payload\":}", "{\"payload\":1} trailing", "{'payload':1}", "NaN"})
  void malformedJsonIs400(String body) {
    gw.post(events(newSpace()), body).assertProblem(400, "bad-request", "body:");
  }

  @ParameterizedTest
  @ValueSource(strings = {"[1,2]", "\"text\"", "42", "null", "true", ""})
  void nonObjectJsonIs400(String body) {
    gw.post(events(newSpace()), body).assertProblem(400, "bad-request", "body:");
  }

  static Stream<Arguments> wrongFieldTypes() {
    return Stream.of(
        Arguments.of("{\"id\":5,\"payload\":1}", "id"),
        Arguments.of("{\"id\":\"\",\"payload\":1}", "id"),
        Arguments.of("{\"id\":\"a\\u0000b\",\"payload\":1}", "id"),
        Arguments.of("{\"group\":true,\"payload\":1}", "group"),
        Arguments.of("{\"group\":\"bad group\",\"payload\":1}", "group"),
        Arguments.of("{\"tenant\":7,\"payload\":1}", "tenant"),
        Arguments.of("{\"tenant\":\"bad tenant\",\"payload\":1}", "tenant"),
        Arguments.of("{\"priority\":1,\"payload\":1}", "priority"),
        Arguments.of("{\"policy\":[],\"payload\":1}", "policy"),
        Arguments.of("{\"timeoutMs\":\"5\",\"payload\":1}", "timeoutMs"),
        Arguments.of("{\"timeoutMs\":0,\"payload\":1}", "timeoutMs"),
        Arguments.of("{\"timeoutMs\":1.5,\"payload\":1}", "timeoutMs"),
        Arguments.of("{\"timeoutMs\":3600001,\"payload\":1}", "timeoutMs"),
        Arguments.of("{\"attributes\":[],\"payload\":1}", "attributes"),
        Arguments.of("{\"attributes\":{\"k\":1},\"payload\":1}", "attributes.k"));
  }

  @ParameterizedTest
  @MethodSource
  void wrongFieldTypes(String body, String field) {
    gw.post(events(newSpace()), body).assertProblem(400, "bad-request", field);
  }

  @Test
  void unknownFieldIs400() {
    gw.post(events(newSpace()), "{\"payload\":1,\"colour\":\"red\"}")
        .assertProblem(400, "bad-request", "colour: unknown field");
  }

  @Test
  void anEventOfATenantIsAcceptedAndRunsInItsSpacesLane() {
    String space = newSpace();
    JsonNode view =
        gw.post(events(space), "{\"tenant\":\"acme\",\"payload\":1}", "Prefer", "wait=5")
            .assertJson(200);
    assertEquals(space, view.path("lane").asText(), view::toString);
    assertEquals("completed", view.path("status").asText(), view::toString);
  }

  @Test
  void unknownPriorityIs400() {
    gw.post(events(newSpace()), "{\"priority\":\"P9\",\"payload\":1}")
        .assertProblem(400, "bad-request", "priority: must be one of P0, P1, P2, P3");
  }

  @Test
  void unknownPolicyIs400() {
    gw.post(events(newSpace()), "{\"policy\":\"sometimes\",\"payload\":1}")
        .assertProblem(400, "bad-request", "policy: must be one of");
  }

  @ParameterizedTest
  @ValueSource(strings = {"bad%20space", "caf%C3%A9", "a%2Fb", "%3Cscript%3E"})
  void badSpaceIdIs400OnEveryRoute(String space) {
    gw.post("/v1/spaces/" + space + "/events", "{\"payload\":1}")
        .assertProblem(400, "bad-request", "spaceId");
    gw.get("/v1/spaces/" + space).assertProblem(400, "bad-request", "spaceId");
    gw.get("/v1/spaces/" + space + "/events/x").assertProblem(400, "bad-request", "spaceId");
    gw.post("/v1/spaces/" + space + "/pause", "").assertProblem(400, "bad-request", "spaceId");
  }

  @Test
  void spaceIdOf129CharactersIs400() {
    String space = "s".repeat(129);
    gw.post(events(space), "{\"payload\":1}").assertProblem(400, "bad-request", "spaceId");
  }

  @Test
  void eventIdOver128CharactersIs400() {
    String space = newSpace();
    gw.post(events(space), "{\"id\":\"" + "i".repeat(129) + "\",\"payload\":1}")
        .assertProblem(400, "bad-request", "id:");
    gw.post(events(space), "{\"id\":\"" + space + "i".repeat(128 - space.length()) + "\"}")
        .assertJson(202);
  }

  @Test
  void bodyOverMaxBodyIs413() {
    String body = "{\"payload\":\"" + "x".repeat(2048) + "\"}";
    gw.post(events(newSpace()), body).assertProblem(413, "payload-too-large", "max-body");
  }

  @Test
  void chunkedBodyOverMaxBodyIs413() {
    byte[] body = ("{\"payload\":\"" + "x".repeat(2048) + "\"}").getBytes(StandardCharsets.UTF_8);
    HttpRequest chunked =
        HttpRequest.newBuilder(URI.create(gw.base() + events(newSpace())))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))
            .build();
    gw.send(chunked).assertProblem(413, "payload-too-large", "max-body");
  }

  @Test
  void wrongContentTypeIs415() {
    gw.send("POST", events(newSpace()), "text/plain", "{\"payload\":1}")
        .assertProblem(415, "unsupported-media-type", "application/json");
    gw.send("POST", events(newSpace()), null, "{\"payload\":1}")
        .assertProblem(415, "unsupported-media-type", "application/json");
  }

  @ParameterizedTest
  @ValueSource(strings = {"/", "/nope", "/v1", "/v1/nothing", "/v1/spaces", "/v1/spaces/s/nothing"})
  void unknownRouteIs404Problem(String path) {
    gw.get(path).assertProblem(404, "not-found", "no such route");
  }

  static Stream<Arguments> wrongMethods() {
    return Stream.of(
        Arguments.of("PUT", "/v1/spaces/s/events", "POST"),
        Arguments.of("GET", "/v1/spaces/s/events", "POST"),
        Arguments.of("POST", "/v1/spaces/s/events/e", "GET, DELETE, PATCH"),
        Arguments.of("DELETE", "/v1/spaces/s", "GET"),
        Arguments.of("GET", "/v1/spaces/s/pause", "POST"),
        Arguments.of("DELETE", "/healthz", "GET, HEAD"),
        Arguments.of("POST", "/readyz", "GET, HEAD"),
        Arguments.of("POST", "/v1/dead-letters", "GET, DELETE"),
        Arguments.of("GET", "/v1/spaces/s/events/e/move", "POST"),
        Arguments.of("GET", "/v1/dead-letters/e/redrive", "POST"),
        Arguments.of("GET", "/v1/admin/pause", "POST"));
  }

  @ParameterizedTest
  @MethodSource
  void wrongMethods(String method, String path, String allowed) {
    Response response = gw.send(method, path, "application/json", "{}");
    response.assertProblem(405, "method-not-allowed", allowed);
    List<String> allow = new ArrayList<>();
    response
        .headers()
        .allValues("Allow")
        .forEach(value -> Stream.of(value.split(",")).map(String::trim).forEach(allow::add));
    assertEquals(List.of(allowed.split(", ")), allow, response::toString);
  }

  @Test
  void deepNestingIs400() {
    String deep = "[".repeat(200) + "]".repeat(200);
    gw.post(events(newSpace()), "{\"payload\":" + deep + "}")
        .assertProblem(400, "bad-request", "body:");
    gw.post(events(newSpace()), deep).assertProblem(400, "bad-request", "body:");
  }

  @Test
  void hugeNumberIs400() {
    gw.post(events(newSpace()), "{\"payload\":" + "9".repeat(300) + "}")
        .assertProblem(400, "bad-request", "body:");
    gw.post(events(newSpace()), "{\"timeoutMs\":" + "9".repeat(300) + "}")
        .assertProblem(400, "bad-request", "body:");
  }

  @Test
  void timeoutMsBeyondLongIsRefusedNotTruncated() {
    // 2^64 + 1000: its low 64 bits read as 1000, a valid timeout.
    String huge = "18446744073709552616";
    gw.post(events(newSpace()), "{\"timeoutMs\":" + huge + ",\"payload\":1}")
        .assertProblem(400, "bad-request", "timeoutMs");
  }

  @Test
  void badInputNeverEndsInA5xxAndTheServerStaysReady() {
    List<String> bodies =
        List.of(
            "{\"payload\":1e999}",
            "{\"payload\":-1e-999}",
            "{\"payload\":\"\\ud800\"}",
            "{\"id\":\"\\u202e\\ufeff\",\"payload\":1}",
            "{\"attributes\":{\"\":\"\"},\"payload\":{}}",
            "{\"payload\":\"" + "\u00e9".repeat(100) + "\"}",
            "\u0000\u0001\u0002",
            "{\"timeoutMs\":1e308}",
            "{\"timeoutMs\":-0.0}");
    String space = newSpace();
    for (String body : bodies) {
      // Waiting for the outcome makes the gateway render the payload back in the reply too.
      Response response = gw.post(events(space), body, "Prefer", "wait=5");
      assertTrue(response.status() < 500, () -> body + " -> " + response);
    }
    assertEquals(
        "ready",
        gw.get("/readyz").assertJson(200).path("status").asText(),
        "still ready after bad input");
  }

  @Test
  void spaceIdEncodedInPathMatchesTheDecodedName() {
    String space = newSpace() + ":a@b";
    String encoded = URLEncoder.encode(space, StandardCharsets.UTF_8);
    JsonNode view =
        gw.post("/v1/spaces/" + encoded + "/events", "{\"payload\":1}", "Prefer", "wait=5")
            .assertJson(200);
    assertEquals(space, view.path("spaceId").asText());
  }

  // --- servers of their own: back-pressure, operator-wide controls, drain, timeouts -------------

  /** {@code parley.worker.max-queue = 1}: a lane with one running and one pending event is full. */
  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class QueueFull {
    private final ScriptedHandler gated = new ScriptedHandler();
    private TestGateway full;

    @BeforeAll
    void start() {
      full =
          TestGateway.start(
              Parley.builder().handler(gated),
              "parley.worker.max-queue = 1",
              "parley.http.retry-after = 3s");
    }

    @AfterAll
    void stop() {
      gated.openAll();
      full.close();
    }

    /** Fills the lane of {@code space}: one gated event running, one pending. */
    private void fill(String space) {
      full.post(events(space), "{\"id\":\"" + space + "-1\",\"payload\":{\"gated\":true}}")
          .assertJson(202);
      TestGateway.await(gated.started(space + "-1"));
      JsonNode pending =
          full.post(events(space), "{\"id\":\"" + space + "-2\",\"payload\":2}").assertJson(202);
      assertEquals(0, pending.path("position").asInt(-1));
    }

    @Test
    void fullLaneAnswers429WithRetryAfter() {
      String space = newSpace();
      fill(space);

      Response refused =
          full.post(
              events(space), "{\"id\":\"" + space + "-3\",\"payload\":3}", "Prefer", "wait=5");

      refused.assertProblem(429, "queue-full", space);
      long retryAfter = Long.parseLong(refused.header("Retry-After").orElseThrow());
      assertTrue(retryAfter >= 1, refused::toString);
      assertEquals(0, gated.invocations(space + "-3"));
      full.get(event(space, space + "-3")).assertProblem(404, "not-found", space + "-3");

      gated.open(space + "-1");
      full.awaitOutcome(space + "-2");
      full.post(events(space), "{\"id\":\"" + space + "-3\",\"payload\":3}", "Prefer", "wait=5")
          .assertJson(200);
    }

    @Test
    void queueFullRetryAfterIsAtLeastTheConfiguredFloor() {
      // reference.conf: parley.http.retry-after is "the floor for 429".
      String space = newSpace();
      fill(space);

      Response refused = full.post(events(space), "{\"payload\":3}");

      refused.assertProblem(429, "queue-full", space);
      long retryAfter = Long.parseLong(refused.header("Retry-After").orElseThrow());
      assertTrue(retryAfter >= 3, () -> "Retry-After below parley.http.retry-after: " + refused);
      gated.open(space + "-1");
      full.awaitOutcome(space + "-2");
    }
  }

  @Nested
  class OperatorControls {
    @Test
    void adminPauseHoldsEveryLaneUntilResume() {
      ScriptedHandler echo = new ScriptedHandler();
      try (TestGateway own = TestGateway.start(Parley.builder().handler(echo))) {
        assertTrue(own.post("/v1/admin/pause", "").assertJson(200).path("paused").asBoolean());
        String one = newSpace();
        String two = newSpace();
        own.post(events(one), "{\"id\":\"" + one + "-1\",\"payload\":1}").assertJson(202);
        own.post(events(two), "{\"id\":\"" + two + "-1\",\"payload\":1}").assertJson(202);
        assertEquals(
            "pending", own.get(event(one, one + "-1")).assertJson(200).path("status").asText());
        assertEquals(
            "pending", own.get(event(two, two + "-1")).assertJson(200).path("status").asText());

        assertFalse(own.post("/v1/admin/resume", "").assertJson(200).path("paused").asBoolean());

        assertInstanceOf(Outcome.Completed.class, own.awaitOutcome(one + "-1"));
        assertInstanceOf(Outcome.Completed.class, own.awaitOutcome(two + "-1"));
      }
    }

    @Test
    void purgingDeadLettersDropsThemAllAndSaysHowMany() {
      ScriptedHandler failing = new ScriptedHandler();
      try (TestGateway own =
          TestGateway.start(
              Parley.builder()
                  .handler(failing)
                  .retryPolicy(
                      RetryPolicy.builder()
                          .maxAttempts(2)
                          .initialBackoff(Duration.ZERO)
                          .build()))) {
        String space = newSpace();
        for (int i = 1; i <= 2; i++) {
          own.post(
                  events(space),
                  "{\"id\":\"" + space + "-" + i + "\",\"payload\":{\"failFirst\":2}}",
                  "Prefer",
                  "wait=5")
              .assertJson(200);
        }
        assertEquals(2, own.get("/v1/dead-letters").assertJson(200).path("deadLetters").size());

        assertEquals(2, own.delete("/v1/dead-letters").assertJson(200).path("purged").asInt());
        assertEquals(0, own.get("/v1/dead-letters").assertJson(200).path("deadLetters").size());
        assertEquals(0, own.delete("/v1/dead-letters").assertJson(200).path("purged").asInt());
      }
    }

    @Test
    void emergencyStopCancelsPendingAndInterruptsRunningEvents() {
      ScriptedHandler gated = new ScriptedHandler();
      TestGateway own = TestGateway.start(Parley.builder().handler(gated));
      try {
        String one = newSpace();
        String two = newSpace();
        for (String space : List.of(one, two)) {
          own.post(events(space), "{\"id\":\"" + space + "-1\",\"payload\":{\"gated\":true}}")
              .assertJson(202);
          TestGateway.await(gated.started(space + "-1"));
        }
        own.post(events(one), "{\"id\":\"" + one + "-2\",\"payload\":2}").assertJson(202);

        JsonNode report = own.post("/v1/admin/emergency-stop", "").assertJson(200);

        assertEquals(1, report.path("cancelled").asInt(-1), report::toString);
        assertEquals(2, report.path("interrupted").asInt(-1), report::toString);
        assertInstanceOf(Outcome.Interrupted.class, own.awaitOutcome(one + "-1"));
        assertInstanceOf(Outcome.Cancelled.class, own.awaitOutcome(one + "-2"));
        JsonNode interrupted = own.get(event(one, one + "-1")).assertJson(200);
        assertEquals("interrupted", interrupted.path("status").asText());
        assertEquals("emergency-stop", interrupted.path("reason").asText());
        JsonNode cancelled = own.get(event(one, one + "-2")).assertJson(200);
        assertEquals("cancelled", cancelled.path("status").asText());
        assertEquals("emergency-stop", cancelled.path("reason").asText());
        // New events are still accepted after an emergency stop.
        own.post(events(two), "{\"payload\":3}", "Prefer", "wait=5").assertJson(200);
      } finally {
        gated.openAll();
        own.close();
      }
    }
  }

  @Nested
  class Draining {
    @Test
    void drainingServerIsNotReadyAndRefusesNewEventsWith503() {
      ScriptedHandler gated = new ScriptedHandler();
      TestGateway own =
          TestGateway.start(
              Parley.builder().handler(gated),
              "parley.http.retry-after = 7s",
              "parley.shutdown.drain-timeout = 20s");
      try {
        String space = newSpace();
        String running = space + "-1";
        own.post(events(space), "{\"id\":\"" + running + "\",\"payload\":{\"gated\":true}}")
            .assertJson(202);
        TestGateway.await(gated.started(running));

        CompletableFuture<?> stopped = own.server().stop().toCompletableFuture();

        // The drain waits for the gated event, so the server answers meanwhile.
        Response readiness = awaitNotReady(own);
        assertEquals("draining", readiness.assertJson(503).path("status").asText());
        Response refused = own.post(events(space), "{\"payload\":2}");
        refused.assertProblem(503, "shutting-down", "draining");
        assertEquals("7", refused.header("Retry-After").orElseThrow(), refused::toString);
        assertFalse(stopped.isDone(), "the drain waits for the running event");

        gated.open(running);
        TestGateway.await(stopped);
        assertInstanceOf(Outcome.Completed.class, own.awaitOutcome(running));
      } finally {
        gated.openAll();
        own.close();
      }
    }

    @Test
    void theDrainLogsOneLineAtItsStartAndOneAtItsEndWithCounts() {
      ch.qos.logback.classic.Logger logger =
          (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(ParleyServer.class);
      ch.qos.logback.classic.Level level = logger.getLevel();
      var lines =
          new ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent>();
      lines.start();
      logger.addAppender(lines);
      logger.setLevel(ch.qos.logback.classic.Level.INFO);
      ScriptedHandler gated = new ScriptedHandler();
      TestGateway own = TestGateway.start(Parley.builder().handler(gated));
      try {
        String space = newSpace();
        own.post(events(space), "{\"id\":\"" + space + "-1\",\"payload\":{\"gated\":true}}")
            .assertJson(202);
        TestGateway.await(gated.started(space + "-1"));
        own.post(events(space), "{\"id\":\"" + space + "-2\",\"payload\":2}").assertJson(202);

        CompletableFuture<?> stopped = own.server().stop().toCompletableFuture();
        awaitNotReady(own);
        gated.open(space + "-1");
        TestGateway.await(stopped);

        List<String> drain =
            lines.list.stream()
                .map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
                .filter(line -> line.startsWith("drain "))
                .toList();
        assertEquals(2, drain.size(), drain::toString);
        assertTrue(drain.get(0).startsWith("drain started: 1 running, 1 pending"), drain::toString);
        assertTrue(drain.get(1).startsWith("drain ended after "), drain::toString);
        assertTrue(
            drain.get(1).endsWith("2 completed, 0 failed, 0 cancelled, 0 interrupted; 0 left"),
            drain::toString);
      } finally {
        gated.openAll();
        own.close();
        logger.setLevel(level);
        logger.detachAppender(lines);
      }
    }

    private Response awaitNotReady(TestGateway own) {
      long deadline = System.nanoTime() + TestGateway.PATIENCE.toNanos();
      while (true) {
        Response readiness = own.get("/readyz");
        if (readiness.status() != 200 || System.nanoTime() > deadline) {
          return readiness;
        }
        Thread.onSpinWait();
      }
    }
  }

  @Nested
  class RequestTimeouts {
    @Test
    void preferWaitWithinMaxWaitGetsTheGatewaysAnswerNotTheServersRequestTimeout() {
      ScriptedHandler gated = new ScriptedHandler();
      TestGateway own =
          TestGateway.start(
              Parley.builder().handler(gated), "pekko.http.server.request-timeout = 1s");
      try {
        String space = newSpace();
        String id = space + "-1";

        Response response =
            own.post(
                events(space),
                "{\"id\":\"" + id + "\",\"payload\":{\"gated\":true}}",
                "Prefer",
                "wait=2");

        // Waited up to 2 s (under parley.http.max-wait): the receipt, not a bare 503.
        JsonNode receipt = response.assertJson(202);
        assertEquals(id, receipt.path("id").asText());
        gated.open(id);
        own.awaitOutcome(id);
      } finally {
        gated.openAll();
        own.close();
      }
    }
  }
}
