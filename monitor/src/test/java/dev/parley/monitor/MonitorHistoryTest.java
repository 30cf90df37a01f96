package dev.parley.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.runtime.Event;
import dev.parley.runtime.Parley;
import dev.parley.runtime.Reply;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The server keeps a bounded history of updates and sends it with the first message of each
 * WebSocket connection, so that a dashboard's charts start with the recent past.
 */
class MonitorHistoryTest {
  private TestMonitor monitor;

  @AfterEach
  void stop() {
    if (monitor != null) {
      monitor.close();
    }
  }

  @Test
  void holdsAtMostHistoryDividedByIntervalPointsDroppingTheOldest() {
    MonitorHistory history = new MonitorHistory(3, Duration.ofSeconds(1));
    for (long ts = 1; ts <= 5; ts++) {
      history.add(point(ts));
    }
    history.add(point(5)); // a repeat of the newest is not a new point
    assertEquals(List.of(3L, 4L, 5L), history.points().stream().map(p -> p.ts()).toList());
    assertEquals(Duration.ofSeconds(3), history.window());
    assertEquals(900, MonitorHistory.capacity(Duration.ofMinutes(15), Duration.ofSeconds(1)));
    assertThrows(
        IllegalArgumentException.class,
        () -> MonitorHistory.capacity(Duration.ofDays(2), Duration.ofSeconds(1)));
  }

  @Test
  void theFirstMessageOfAConnectionCarriesTheHistoryFromBeforeItAndLaterOnesDoNot() {
    monitor =
        TestMonitor.start(
            Parley.builder()
                .handler((event, lane) -> CompletableFuture.completedFuture(Reply.of("ok"))),
            "parley.monitor.history = 1m");
    for (int i = 0; i < 20; i++) {
      monitor.parley.submit(Event.to("lane-" + (i % 3)).payload(i).build());
    }
    // An earlier client sees some updates go by: the history has points from before the next one.
    TestMonitor.Feed early = monitor.connect("/monitor/ws");
    JsonNode seen = early.await(u -> early.updates.size() >= 4);
    early.close();

    TestMonitor.Feed feed = monitor.connect("/monitor/ws");
    JsonNode first = feed.await(u -> true);
    JsonNode history = first.path("history");
    assertEquals(100, history.path("intervalMs").asLong(), first::toString);
    assertEquals(60_000, history.path("windowMs").asLong(), first::toString);
    assertEquals(StateUpdateJson.HISTORY_FIELDS.size(), history.path("fields").size());
    JsonNode points = history.path("points");
    assertTrue(points.size() >= 2, () -> "points: " + points);
    long previous = 0;
    for (JsonNode point : points) {
      assertEquals(StateUpdateJson.HISTORY_FIELDS.size(), point.size(), point::toString);
      assertTrue(point.get(0).asLong() > previous, () -> "oldest first: " + points);
      previous = point.get(0).asLong();
    }
    assertTrue(
        points.get(0).get(0).asLong() <= seen.path("ts").asLong(),
        () -> "the history starts before the earlier client's updates: " + points);
    assertTrue(first.path("process").path("heapUsedBytes").asLong() > 0, first::toString);
    assertTrue(first.path("process").path("processors").asInt() >= 1, first::toString);

    JsonNode second = feed.await(u -> feed.updates.size() >= 2);
    JsonNode later = List.copyOf(feed.updates).get(1);
    assertFalse(later.has("history"), later::toString);
    assertTrue(later.has("process"), later::toString);
    assertTrue(second.has("type"));
    feed.close();
  }

  private static MonitorHistory.Point point(long ts) {
    return new MonitorHistory.Point(ts, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0.1);
  }
}
