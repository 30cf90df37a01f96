package dev.parley.runtime.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.runtime.EventStatus;
import dev.parley.runtime.LaneView;
import dev.parley.runtime.Stats;
import dev.parley.runtime.controls.Pauses;
import dev.parley.runtime.lane.Lane;
import dev.parley.runtime.lane.LaneCommand;
import dev.parley.runtime.lane.LaneFigures;
import dev.parley.runtime.lane.LocalLanes;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Iterator;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.StreamConverters;

/**
 * The queue's state for debugging ({@code Parley.export}): a summary (time, admission, totals, dead
 * letters), then every live lane with pending or running events (health, paused, its running and
 * pending events with priorities, positions, ETAs, attempts). Lanes are asked a few at a time and
 * written as they answer, so memory stays bounded whatever their number; each lane is consistent as
 * of its own answer, the summary as of the start.
 */
public final class Export {
  /** Lanes asked at once. */
  private static final int PARALLELISM = 8;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final LocalLanes lanes;
  private final LaneAsks asks;
  private final Pauses pauses;
  private final Supplier<Stats> stats;
  private final Clock clock;
  private final ActorSystem<?> system;

  public Export(
      LocalLanes lanes,
      LaneAsks asks,
      Pauses pauses,
      Supplier<Stats> stats,
      Clock clock,
      ActorSystem<?> system) {
    this.lanes = lanes;
    this.asks = asks;
    this.pauses = pauses;
    this.stats = stats;
    this.clock = clock;
    this.system = system;
  }

  /** One JSON object per line: the summary, then one line per lane with events. */
  public Source<String, NotUsed> lines() {
    return Source.lazySingle(() -> text(summary())).concat(laneLines());
  }

  /**
   * Writes the summary's fields and {@code "lanes": [...]} as one JSON document to {@code out},
   * from the calling thread, which it blocks until every lane is written.
   */
  public void write(OutputStream out) throws IOException {
    String summary = text(summary());
    out.write(summary.substring(0, summary.length() - 1).getBytes(StandardCharsets.UTF_8));
    out.write(",\"lanes\":[".getBytes(StandardCharsets.UTF_8));
    try (Stream<String> lines = laneLines().runWith(StreamConverters.asJavaStream(), system)) {
      Iterator<String> each = lines.iterator();
      while (each.hasNext()) {
        out.write(each.next().getBytes(StandardCharsets.UTF_8));
        if (each.hasNext()) {
          out.write(',');
        }
      }
    }
    out.write("]}".getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private Source<String, NotUsed> laneLines() {
    return Source.fromIterator(() -> lanes.all().iterator())
        .filter(lane -> hasEvents(lane.figures()))
        .mapAsync(PARALLELISM, this::view)
        .filter(view -> view.running().isPresent() || !view.pending().isEmpty())
        .map(view -> text(lane(view)));
  }

  private static boolean hasEvents(LaneFigures figures) {
    return figures.pending() > 0 || figures.runningId() != null;
  }

  private java.util.concurrent.CompletionStage<LaneView> view(Lane lane) {
    LaneView gone = LaneView.notLive(lane.key(), pauses.isPaused(lane.key()));
    return asks.ask(lane.key(), LaneCommand.GetLaneView::new, true, gone);
  }

  private ObjectNode summary() {
    Stats now = stats.get();
    ObjectNode summary = JSON.createObjectNode();
    summary.put("at", clock.instant().toString());
    summary.set("admission", JSON.valueToTree(now.admission()));
    summary.set("totals", JSON.valueToTree(now.totals()));
    summary.put("deadLetters", now.deadLetters());
    summary.put("liveLanes", now.totalWorkers());
    return summary;
  }

  private static ObjectNode lane(LaneView view) {
    ObjectNode lane = JSON.createObjectNode();
    lane.put("lane", view.laneKey());
    lane.put("health", view.health().name().toLowerCase(Locale.ROOT));
    lane.put("paused", view.paused());
    view.running().ifPresent(running -> lane.set("running", event(running)));
    ArrayNode pending = lane.putArray("pending");
    view.pending().forEach(status -> pending.add(event(status)));
    return lane;
  }

  private static ObjectNode event(EventStatus status) {
    ObjectNode event = JSON.createObjectNode();
    event.put("id", status.eventId());
    event.put("spaceId", status.spaceId());
    event.put("priority", status.priority().name());
    if (status.state() == EventStatus.State.PENDING) {
      event.put("position", status.positionInLane());
      event.put("etaMs", status.etaMs());
    }
    event.put("attempts", status.attempts());
    if (status.queuedMs() >= 0) {
      event.put("queuedMs", status.queuedMs());
    }
    if (status.handledMs() >= 0) {
      event.put("handledMs", status.handledMs());
    }
    if (status.redelivered()) {
      event.put("redelivered", true);
    }
    return event;
  }

  private static String text(ObjectNode node) {
    try {
      return JSON.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
