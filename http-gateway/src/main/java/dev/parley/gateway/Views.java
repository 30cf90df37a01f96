package dev.parley.gateway;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.runtime.CancelReport;
import dev.parley.runtime.DeadLetter;
import dev.parley.runtime.EventStatus;
import dev.parley.runtime.FinishedEvent;
import dev.parley.runtime.GroupView;
import dev.parley.runtime.LaneView;
import dev.parley.runtime.Outcome;
import dev.parley.runtime.Receipt;
import dev.parley.runtime.internal.GroupLanes;
import java.util.List;
import java.util.Locale;

/** The JSON the gateway answers with, built from the runtime's records in one place. */
final class Views {
  private Views() {}

  /** {@code {"id","spaceId","lane","status":"pending","position","etaMs"}} */
  static ObjectNode receipt(String spaceId, Receipt receipt) {
    ObjectNode view = Json.MAPPER.createObjectNode();
    view.put("id", receipt.eventId());
    view.put("spaceId", spaceId);
    view.put("lane", receipt.laneKey());
    view.put("status", "pending");
    view.put("position", receipt.positionInLane());
    view.put("etaMs", receipt.etaMs());
    if (receipt.duplicate()) {
      view.put("duplicate", true);
    }
    return view;
  }

  /** The view of one event: where it is, or how it ended. */
  static ObjectNode event(EventStatus status) {
    ObjectNode view = Json.MAPPER.createObjectNode();
    view.put("id", status.eventId());
    view.put("spaceId", status.spaceId());
    view.put("lane", status.laneKey());
    view.put("status", statusName(status));
    if (status.state() == EventStatus.State.PENDING) {
      view.put("position", status.positionInLane());
      view.put("etaMs", status.etaMs());
    }
    status.outcome().ifPresent(outcome -> outcome(view, outcome));
    view.put("attempts", status.attempts());
    if (status.queuedMs() >= 0) {
      view.put("queuedMs", status.queuedMs());
    }
    if (status.handledMs() >= 0) {
      view.put("handledMs", status.handledMs());
    }
    if (status.redelivered()) {
      view.put("redelivered", true);
    }
    return view;
  }

  /** {@link #event(EventStatus)} with its {@code priority}: how lane views show events. */
  static ObjectNode withPriority(EventStatus status) {
    return event(status).put("priority", status.priority().name());
  }

  /** The view of an event that has just ended, as {@code GET .../events/{id}} would show it. */
  static ObjectNode finished(FinishedEvent finished) {
    long handledMs = finished.started() ? finished.handled().toMillis() : -1;
    return event(
        EventStatus.finished(
            finished.event(),
            finished.attempts(),
            finished.queued().toMillis(),
            handledMs,
            finished.outcome()));
  }

  static String statusName(EventStatus status) {
    return switch (status.state()) {
      case PENDING -> "pending";
      case RUNNING -> "running";
      case FINISHED -> outcomeName(status.outcome().orElseThrow());
    };
  }

  static String outcomeName(Outcome outcome) {
    if (outcome instanceof Outcome.Completed) {
      return "completed";
    } else if (outcome instanceof Outcome.Failed) {
      return "failed";
    } else if (outcome instanceof Outcome.TimedOut) {
      return "timed_out";
    } else if (outcome instanceof Outcome.DeadLettered) {
      return "dead_lettered";
    } else if (outcome instanceof Outcome.Cancelled) {
      return "cancelled";
    } else if (outcome instanceof Outcome.Interrupted) {
      return "interrupted";
    }
    return "rejected";
  }

  private static void outcome(ObjectNode view, Outcome outcome) {
    if (outcome instanceof Outcome.Completed completed) {
      view.set("reply", Json.MAPPER.valueToTree(completed.reply().value()));
    } else if (outcome instanceof Outcome.Failed failed) {
      error(view, failed.error());
    } else if (outcome instanceof Outcome.DeadLettered dead) {
      error(view, dead.error());
    } else if (outcome instanceof Outcome.TimedOut timedOut) {
      ObjectNode error = view.putObject("error");
      error.put("type", "timeout");
      error.put("message", "the handler did not complete within " + timedOut.timeout());
    } else if (outcome instanceof Outcome.Cancelled cancelled) {
      view.put("reason", cancelled.reason());
    } else if (outcome instanceof Outcome.Interrupted interrupted) {
      view.put("reason", interrupted.reason());
      view.put("rolledBack", interrupted.rolledBack());
    } else if (outcome instanceof Outcome.Rejected rejected) {
      view.put("reason", rejected.reason());
    }
  }

  private static void error(ObjectNode view, Outcome.Error error) {
    ObjectNode node = view.putObject("error");
    node.put("type", error.type());
    node.put("message", error.message());
  }

  /** The view of a lane; its running and pending events carry their {@code priority}. */
  static ObjectNode lane(LaneView lane) {
    ObjectNode view = Json.MAPPER.createObjectNode();
    view.put("lane", lane.laneKey());
    view.put("live", lane.live());
    view.put("health", lane.health().name().toLowerCase(Locale.ROOT));
    view.put("paused", lane.paused());
    lane.running().ifPresent(running -> view.set("running", withPriority(running)));
    ArrayNode pending = view.putArray("pending");
    lane.pending().forEach(status -> pending.add(withPriority(status)));
    ObjectNode counters = view.putObject("counters");
    counters.put("completed", lane.completed());
    counters.put("failed", lane.failed());
    counters.put("restarts", lane.restarts());
    return view;
  }

  /**
   * The view of a space in a concurrency group: {@code spaceId} and its {@code group}, then that
   * group's lane (whose pending events may belong to other spaces of the group).
   */
  static ObjectNode spaceInGroup(String spaceId, LaneView group) {
    ObjectNode view = Json.MAPPER.createObjectNode();
    view.put("spaceId", spaceId);
    String parallel = GroupLanes.groupOf(group.laneKey()); // its own lane in a parallel group
    view.put("group", parallel != null ? parallel : group.laneKey());
    view.setAll(lane(group));
    return view;
  }

  /** The view of a parallel group: its N, and its spaces' running and pending events. */
  static ObjectNode group(GroupView group) {
    ObjectNode view = Json.MAPPER.createObjectNode();
    view.put("group", group.group());
    view.put("maxParallel", group.maxParallel());
    view.put("paused", group.paused());
    view.put("liveLanes", group.liveLanes());
    ArrayNode running = view.putArray("running");
    group.running().forEach(status -> running.add(withPriority(status)));
    ArrayNode pending = view.putArray("pending");
    group.pending().forEach(status -> pending.add(withPriority(status)));
    return view;
  }

  /** {@code {"cancelled": [id, …], "notCancelled": [{"id", "reason"}, …]}} */
  static ObjectNode cancelReport(CancelReport report) {
    ObjectNode view = Json.MAPPER.createObjectNode();
    ArrayNode cancelled = view.putArray("cancelled");
    report.cancelled().forEach(cancelled::add);
    ArrayNode refused = view.putArray("notCancelled");
    for (CancelReport.NotCancelled not : report.notCancelled()) {
      refused.addObject().put("id", not.id()).put("reason", not.reason());
    }
    return view;
  }

  static ObjectNode deadLetters(List<DeadLetter> letters) {
    ObjectNode view = Json.MAPPER.createObjectNode();
    ArrayNode items = view.putArray("deadLetters");
    for (DeadLetter letter : letters) {
      ObjectNode item = items.addObject();
      item.put("id", letter.event().id());
      item.put("spaceId", letter.event().spaceId());
      item.put("lane", letter.laneKey());
      error(item, letter.error());
      item.put("attempts", letter.attempts());
      item.put("firstFailureAt", letter.firstFailureAt().toString());
      item.put("lastFailureAt", letter.lastFailureAt().toString());
    }
    return view;
  }
}
