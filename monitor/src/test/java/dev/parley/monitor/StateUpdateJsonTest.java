package dev.parley.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.runtime.WorkerHealth;
import dev.parley.runtime.stats.LaneReport;
import dev.parley.runtime.stats.StateUpdate;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The JSON of an update: one JVM's unchanged, a cluster's with each lane's node and the nodes. */
class StateUpdateJsonTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String A = "127.0.0.1:25520";
  private static final String B = "127.0.0.1:25521";

  @Test
  void oneJvmsUpdateHasNoNodes() throws Exception {
    JsonNode json = MAPPER.readTree(StateUpdateJson.write(update(null, List.of())));

    assertFalse(json.has("nodes"));
    JsonNode lane = json.get("workerPool").get("lanes").get(0);
    assertFalse(lane.has("node"));
    assertEquals(
        List.of("lane", "depth", "health", "running", "processed", "failed", "restarts"),
        fieldNames(lane));
  }

  @Test
  void aClustersUpdateNamesEachLanesNodeAndEachNodesFigures() throws Exception {
    StateUpdate update =
        update(
            B,
            List.of(
                new StateUpdate.NodeFigures(A, true, 0, 1, 4),
                new StateUpdate.NodeFigures(B, false, 3, 1, 1)));

    JsonNode json = MAPPER.readTree(StateUpdateJson.write(update));

    JsonNode lane = json.get("workerPool").get("lanes").get(0);
    assertEquals(B, lane.get("node").asText());
    assertEquals(
        MAPPER.readTree(
            """
            [{"node":"127.0.0.1:25520","up":true,"queueLength":0,"inFlight":1,"lanes":4},
             {"node":"127.0.0.1:25521","up":false,"queueLength":3,"inFlight":1,"lanes":1}]
            """),
        json.get("nodes"));
    assertEquals(3, json.get("workerPool").get("queueLengths").get("alice").asInt());
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static StateUpdate update(String node, List<StateUpdate.NodeFigures> nodes) {
    Map<WorkerHealth, Integer> byHealth = new EnumMap<>(WorkerHealth.class);
    for (WorkerHealth health : WorkerHealth.values()) {
      byHealth.put(health, health == WorkerHealth.BUSY ? 1 : 0);
    }
    return new StateUpdate(
        1_764_053_076_000L,
        3,
        true,
        new StateUpdate.WorkerPool(
            1,
            1,
            byHealth,
            List.of(
                new LaneReport(
                    "alice", 3, WorkerHealth.BUSY, Optional.of("a-1"), 0, 0, 0, Double.NaN, node))),
        new StateUpdate.Permits(0, 0, 1, 0),
        new StateUpdate.Throughput(0, 0, 0),
        new StateUpdate.Latency(0, 0, 0, 0),
        new StateUpdate.Totals(4, 0, 0, 0, 0, 0, 0, 0),
        0,
        1,
        1,
        nodes);
  }
}
