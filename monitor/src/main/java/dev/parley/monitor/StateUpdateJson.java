package dev.parley.monitor;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.parley.runtime.WorkerHealth;
import dev.parley.runtime.stats.LaneReport;
import dev.parley.runtime.stats.StateUpdate;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A {@link StateUpdate} as the monitor's JSON message: the MAIAR queue-state fields ({@code
 * queueLength}, {@code isRunning}, {@code workerPool} with {@code queueLengths} and {@code
 * workerHealth} by lane), then admission, throughput, latency, totals, and the shown lanes in rank
 * order with their details; in cluster mode each lane's {@code node} and the figures of each node
 * ({@code nodes}), fields that one JVM's messages do not have. Written field by field, so the wire
 * format is exactly this and no accident of reflection.
 */
public final class StateUpdateJson {
  private static final JsonFactory JSON = new JsonFactory();

  /** The columns of each history point, in order. */
  static final List<String> HISTORY_FIELDS =
      List.of(
          "ts",
          "acceptedPerSec",
          "completedPerSec",
          "failedPerSec",
          "queueLength",
          "inFlight",
          "queueWaitMsP50",
          "queueWaitMsP99",
          "handlerMsP50",
          "handlerMsP99",
          "heapUsedBytes",
          "cpuLoad");

  private StateUpdateJson() {}

  public static String write(StateUpdate update) {
    return write(update, null, null);
  }

  /**
   * The message the WebSocket sends: the update, then the process's resource use ({@code process}),
   * and on the first message of a connection the recent {@code history} (oldest first; {@code
   * fields} names the columns of each point).
   */
  static String write(StateUpdate update, ProcessFigures process, MonitorHistory history) {
    List<MonitorHistory.Point> points = history == null ? List.of() : history.points();
    StringWriter out = new StringWriter(256 + 160 * update.lanesShown() + 120 * points.size());
    try (JsonGenerator json = JSON.createGenerator(out)) {
      json.writeStartObject();
      json.writeStringField("type", "state");
      json.writeNumberField("ts", update.ts());
      json.writeNumberField("queueLength", update.queueLength());
      json.writeBooleanField("isRunning", update.isRunning());
      writeWorkerPool(json, update.workerPool());
      StateUpdate.Permits permits = update.admission();
      json.writeObjectFieldStart("admission");
      writeCap(json, "maxInFlight", permits.maxInFlight());
      writeCap(json, "effectiveMaxInFlight", permits.effectiveMaxInFlight());
      json.writeNumberField("inFlight", permits.inFlight());
      json.writeNumberField("waiting", permits.waiting());
      json.writeEndObject();
      StateUpdate.Throughput rates = update.throughput();
      json.writeObjectFieldStart("throughput");
      writeDecimal(json, "acceptedPerSec", rates.acceptedPerSec());
      writeDecimal(json, "completedPerSec", rates.completedPerSec());
      writeDecimal(json, "failedPerSec", rates.failedPerSec());
      json.writeEndObject();
      StateUpdate.Latency latency = update.latency();
      json.writeObjectFieldStart("latency");
      writeDecimal(json, "queueWaitMsP50", latency.queueWaitMsP50());
      writeDecimal(json, "queueWaitMsP99", latency.queueWaitMsP99());
      writeDecimal(json, "handlerMsP50", latency.handlerMsP50());
      writeDecimal(json, "handlerMsP99", latency.handlerMsP99());
      json.writeEndObject();
      StateUpdate.Totals totals = update.totals();
      json.writeObjectFieldStart("totals");
      json.writeNumberField("accepted", totals.accepted());
      json.writeNumberField("completed", totals.completed());
      json.writeNumberField("failed", totals.failed());
      json.writeNumberField("timedOut", totals.timedOut());
      json.writeNumberField("deadLettered", totals.deadLettered());
      json.writeNumberField("cancelled", totals.cancelled());
      json.writeNumberField("interrupted", totals.interrupted());
      json.writeNumberField("restarts", totals.restarts());
      json.writeEndObject();
      json.writeNumberField("deadLetters", update.deadLetters());
      json.writeNumberField("lanesShown", update.lanesShown());
      json.writeNumberField("lanesTotal", update.lanesTotal());
      if (!update.nodes().isEmpty()) {
        writeNodes(json, update.nodes());
      }
      if (process != null) {
        writeProcess(json, process);
      }
      if (history != null) {
        writeHistory(json, history, points);
      }
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    return out.toString();
  }

  private static void writeWorkerPool(JsonGenerator json, StateUpdate.WorkerPool pool)
      throws IOException {
    json.writeObjectFieldStart("workerPool");
    json.writeNumberField("totalWorkers", pool.totalWorkers());
    json.writeNumberField("activeWorkers", pool.activeWorkers());
    json.writeObjectFieldStart("queueLengths");
    for (LaneReport lane : pool.lanes()) {
      json.writeNumberField(lane.laneKey(), lane.depth());
    }
    json.writeEndObject();
    json.writeObjectFieldStart("workerHealth");
    for (LaneReport lane : pool.lanes()) {
      json.writeStringField(lane.laneKey(), name(lane.health()));
    }
    json.writeEndObject();
    json.writeObjectFieldStart("running");
    for (LaneReport lane : pool.lanes()) {
      if (lane.running().isPresent()) {
        json.writeStringField(lane.laneKey(), lane.running().get());
      }
    }
    json.writeEndObject();
    json.writeObjectFieldStart("byHealth");
    for (Map.Entry<WorkerHealth, Integer> count : pool.byHealth().entrySet()) {
      json.writeNumberField(name(count.getKey()), count.getValue());
    }
    json.writeEndObject();
    json.writeArrayFieldStart("lanes");
    for (LaneReport lane : pool.lanes()) {
      json.writeStartObject();
      json.writeStringField("lane", lane.laneKey());
      if (lane.node() != null) {
        json.writeStringField("node", lane.node());
      }
      json.writeNumberField("depth", lane.depth());
      json.writeStringField("health", name(lane.health()));
      if (lane.running().isPresent()) {
        json.writeStringField("running", lane.running().get());
      }
      json.writeNumberField("processed", lane.processed());
      json.writeNumberField("failed", lane.failed());
      json.writeNumberField("restarts", lane.restarts());
      if (!Double.isNaN(lane.averageMs())) {
        writeDecimal(json, "averageMs", lane.averageMs());
      }
      json.writeEndObject();
    }
    json.writeEndArray();
    json.writeEndObject();
  }

  /** Cluster mode: each node's figures, as its last summary showed them. */
  private static void writeNodes(JsonGenerator json, List<StateUpdate.NodeFigures> nodes)
      throws IOException {
    json.writeArrayFieldStart("nodes");
    for (StateUpdate.NodeFigures node : nodes) {
      json.writeStartObject();
      json.writeStringField("node", node.node());
      json.writeBooleanField("up", node.up());
      json.writeNumberField("queueLength", node.queueLength());
      json.writeNumberField("inFlight", node.inFlight());
      json.writeNumberField("lanes", node.lanes());
      json.writeEndObject();
    }
    json.writeEndArray();
  }

  private static void writeProcess(JsonGenerator json, ProcessFigures process) throws IOException {
    json.writeObjectFieldStart("process");
    json.writeNumberField("heapUsedBytes", process.heapUsedBytes());
    json.writeNumberField("heapMaxBytes", process.heapMaxBytes());
    json.writeNumberField("cpuLoad", Math.round(process.cpuLoad() * 1000) / 1000.0);
    json.writeNumberField("processors", process.processors());
    json.writeEndObject();
  }

  private static void writeHistory(
      JsonGenerator json, MonitorHistory history, List<MonitorHistory.Point> points)
      throws IOException {
    json.writeObjectFieldStart("history");
    json.writeNumberField("intervalMs", history.interval().toMillis());
    json.writeNumberField("windowMs", history.window().toMillis());
    json.writeArrayFieldStart("fields");
    for (String field : HISTORY_FIELDS) {
      json.writeString(field);
    }
    json.writeEndArray();
    json.writeArrayFieldStart("points");
    for (MonitorHistory.Point point : points) {
      json.writeStartArray();
      json.writeNumber(point.ts());
      writeDecimal(json, point.acceptedPerSec());
      writeDecimal(json, point.completedPerSec());
      writeDecimal(json, point.failedPerSec());
      json.writeNumber(point.queueLength());
      json.writeNumber(point.inFlight());
      writeDecimal(json, point.queueWaitMsP50());
      writeDecimal(json, point.queueWaitMsP99());
      writeDecimal(json, point.handlerMsP50());
      writeDecimal(json, point.handlerMsP99());
      json.writeNumber(point.heapUsedBytes());
      json.writeNumber(Math.round(point.cpuLoad() * 1000) / 1000.0);
      json.writeEndArray();
    }
    json.writeEndArray();
    json.writeEndObject();
  }

  private static void writeDecimal(JsonGenerator json, double value) throws IOException {
    json.writeNumber(Math.round(value * 100) / 100.0);
  }

  /** A cap of 0 means none: {@code null}. */
  private static void writeCap(JsonGenerator json, String field, int cap) throws IOException {
    if (cap == 0) {
      json.writeNullField(field);
    } else {
      json.writeNumberField(field, cap);
    }
  }

  /** Two decimals are plenty for rates and milliseconds, and keep messages short. */
  private static void writeDecimal(JsonGenerator json, String field, double value)
      throws IOException {
    json.writeNumberField(field, Math.round(value * 100) / 100.0);
  }

  private static String name(WorkerHealth health) {
    return health.name().toLowerCase(Locale.ROOT);
  }
}
