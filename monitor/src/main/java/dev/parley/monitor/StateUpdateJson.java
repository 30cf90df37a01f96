package dev.parley.monitor;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.parley.runtime.WorkerHealth;
import dev.parley.runtime.stats.LaneReport;
import dev.parley.runtime.stats.StateUpdate;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Map;

/**
 * A {@link StateUpdate} as the monitor's JSON message: the MAIAR queue-state fields ({@code
 * queueLength}, {@code isRunning}, {@code workerPool} with {@code queueLengths} and {@code
 * workerHealth} by lane), then admission, throughput, latency, totals, and the shown lanes in rank
 * order with their details. Written field by field, so the wire format is exactly this and no
 * accident of reflection.
 */
public final class StateUpdateJson {
  private static final JsonFactory JSON = new JsonFactory();

  private StateUpdateJson() {}

  public static String write(StateUpdate update) {
    StringWriter out = new StringWriter(256 + 160 * update.lanesShown());
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
