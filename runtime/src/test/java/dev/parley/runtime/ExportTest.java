package dev.parley.runtime;

import static dev.parley.runtime.ParleyTestKit.await;
import static dev.parley.runtime.ParleyTestKit.builder;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code Parley.export}: every lane with events, the admission state, totals, dead letters. */
class ExportTest {
  @RegisterExtension static final ParleyExtension parleys = new ParleyExtension();
  private static final ObjectMapper JSON = new ObjectMapper();

  private final CompletableFuture<Reply> gate = new CompletableFuture<>();

  /** Runs before the extension shuts the runtime down, so that its drain waits for no gate. */
  @AfterEach
  void openGate() {
    gate.complete(Reply.empty());
  }

  /** Events whose payload is "gate" wait for the test; others answer at once. */
  private Parley start(String config) {
    return parleys.start(
        builder(config)
            .handler(
                (event, lane) ->
                    "gate".equals(event.payload())
                        ? gate
                        : CompletableFuture.completedFuture(Reply.of(event.id()))));
  }

  private static Receipt enqueue(Parley parley, Event event) {
    return await(parley.enqueue(event));
  }

  private static JsonNode export(Parley parley) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    parley.export(out);
    return JSON.readTree(out.toByteArray());
  }

  @Test
  void theDocumentHasEveryLaneWithEventsAndTheRuntimesFigures() throws Exception {
    Parley parley = start("parley.admission.max-in-flight = 2");
    await(parley.submit(Event.to("idle").build()));
    enqueue(parley, Event.to("busy").id("r").payload("gate").build());
    enqueue(parley, Event.to("busy").id("p1").priority(Priority.P1).build());
    enqueue(parley, Event.to("busy").id("p2").build());
    enqueue(parley, Event.to("other").id("o").payload("gate").build());
    parleys.eventually(
        ParleyTestKit.TIMEOUT, () -> assertEquals(2, parley.stats().admission().permitsOut()));

    JsonNode doc = export(parley);

    assertEquals(2, doc.path("admission").path("maxInFlight").asInt(), doc::toString);
    assertEquals(2, doc.path("admission").path("permitsOut").asInt(), doc::toString);
    assertEquals(5, doc.path("totals").path("accepted").asLong(), doc::toString);
    assertEquals(1, doc.path("totals").path("completed").asLong(), doc::toString);
    assertEquals(0, doc.path("deadLetters").asInt(), doc::toString);
    assertFalse(doc.path("at").asText().isEmpty());
    Map<String, JsonNode> lanes = new HashMap<>();
    doc.path("lanes").forEach(lane -> lanes.put(lane.path("lane").asText(), lane));
    assertEquals(java.util.Set.of("busy", "other"), lanes.keySet(), "the idle lane has no events");
    JsonNode busy = lanes.get("busy");
    assertEquals("busy", busy.path("health").asText());
    assertFalse(busy.path("paused").asBoolean());
    assertEquals("r", busy.path("running").path("id").asText(), busy::toString);
    assertEquals(1, busy.path("running").path("attempts").asInt(), busy::toString);
    assertEquals("p1", busy.path("pending").path(0).path("id").asText(), busy::toString);
    assertEquals("P1", busy.path("pending").path(0).path("priority").asText(), busy::toString);
    assertEquals(0, busy.path("pending").path(0).path("position").asInt(), busy::toString);
    assertTrue(busy.path("pending").path(0).has("etaMs"), busy::toString);
    assertEquals("P2", busy.path("pending").path(1).path("priority").asText(), busy::toString);
  }

  /**
   * 2,000 lanes, each with a running event and a pending one: one line of summary, then one line
   * per lane, read as a stream (the lanes are asked a few at a time, never all held at once).
   */
  @Test
  void theLinesAreTheSummaryThenOneLinePerLaneWithEvents() throws Exception {
    Parley parley = start("");
    int lanes = 2_000;
    List<CompletionStage<Receipt>> receipts = new ArrayList<>();
    for (int i = 0; i < lanes; i++) {
      receipts.add(parley.enqueue(Event.to("lane-" + i).payload("gate").build()));
      receipts.add(parley.enqueue(Event.to("lane-" + i).id("next-" + i).build()));
    }
    ParleyTestKit.awaitAll(receipts);

    List<String> lines = await(parley.exportLines().runWith(Sink.seq(), parley.actorSystem()));

    assertEquals(lanes + 1, lines.size());
    JsonNode summary = JSON.readTree(lines.get(0));
    assertEquals(2L * lanes, summary.path("totals").path("accepted").asLong(), lines.get(0));
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (String line : lines.subList(1, lines.size())) {
      JsonNode lane = JSON.readTree(line);
      seen.add(lane.path("lane").asText());
      assertEquals(1, lane.path("pending").size(), line);
      assertTrue(lane.path("pending").path(0).path("id").asText().startsWith("next-"), line);
    }
    assertEquals(lanes, seen.size(), "each lane once");
  }
}
