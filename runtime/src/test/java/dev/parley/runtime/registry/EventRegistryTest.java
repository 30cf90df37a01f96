package dev.parley.runtime.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.parley.runtime.Event;
import dev.parley.runtime.EventStatus;
import dev.parley.runtime.Outcome;
import dev.parley.runtime.Reply;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The dedup window is a time, bounded by a cap on ids; statuses are kept for the newest only. */
class EventRegistryTest {
  private static final long WINDOW = Duration.ofMinutes(5).toNanos();
  private final AtomicLong clock = new AtomicLong(1_000);

  @Test
  void anIdFinishedWithinTheWindowIsADuplicateEvenAfterMoreThanRetainNewerEventsFinished() {
    EventRegistry registry = new EventRegistry(10, WINDOW, 1_000, clock::get);
    finish(registry, Event.to("s").id("order-17").build());
    for (int i = 0; i < 100; i++) {
      clock.addAndGet(1_000);
      finish(registry, Event.to("s").id("other-" + i).build());
    }

    EventRegistry.Entry first = registry.register(entry(Event.to("s").id("order-17").build()));

    assertNotNull(first, "within the window the same id is a duplicate");
    assertNull(registry.find("order-17"), "its status is beyond parley.status.retain");
    assertEquals("s", first.finished().spaceId());
    assertEquals(EventStatus.State.FINISHED, first.finished().state());
    assertEquals(new Outcome.Rejected("order-17", EventRegistry.DUPLICATE), first.outcome().join());
    assertTrue(first.settled().join());
    assertEquals(0, registry.earlyEvictions());
  }

  @Test
  void aRetainedIdAnswersItsWholeStatusAndAfterTheWindowTheIdIsNew() {
    EventRegistry registry = new EventRegistry(10, WINDOW, 1_000, clock::get);
    Event event = Event.to("s").id("daily-report").build();
    EventRegistry.Entry finished = finish(registry, event);

    assertSame(finished, registry.register(entry(Event.to("s").id("daily-report").build())));
    clock.addAndGet(WINDOW - 1);
    assertSame(finished, registry.register(entry(Event.to("s").id("daily-report").build())));
    clock.addAndGet(1);
    assertNull(registry.register(entry(Event.to("s").id("daily-report").build())));
  }

  @Test
  void afterTheWindowAnIdBeyondRetainIsNew() {
    EventRegistry registry = new EventRegistry(1, WINDOW, 1_000, clock::get);
    finish(registry, Event.to("s").id("a").build());
    finish(registry, Event.to("s").id("b").build()); // "a" keeps only its id now
    assertNotNull(registry.register(entry(Event.to("s").id("a").build())));

    clock.addAndGet(WINDOW);
    finish(registry, Event.to("s").id("c").build()); // expires "a" and "b" from the queue

    assertNull(registry.register(entry(Event.to("s").id("a").build())));
    assertEquals(0, registry.earlyEvictions());
  }

  @Test
  void theCapForgetsTheOldestIdsEarlyCountsThemAndWarnsOnce() {
    Logger logger = (Logger) LoggerFactory.getLogger(EventRegistry.class);
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    logger.addAppender(lines);
    try {
      EventRegistry registry = new EventRegistry(1, WINDOW, 3, clock::get);
      for (String id : new String[] {"a", "b", "c", "d", "e"}) {
        clock.addAndGet(1_000);
        finish(registry, Event.to("s").id(id).build());
      }

      assertEquals(2, registry.earlyEvictions());
      assertNull(registry.register(entry(Event.to("s").id("a").build())), "forgotten early");
      assertNotNull(registry.register(entry(Event.to("s").id("c").build())), "still kept");
      var warnings = lines.list.stream().filter(l -> l.getLevel() == Level.WARN).toList();
      assertEquals(1, warnings.size(), warnings::toString);
      assertTrue(warnings.get(0).getLoggerName().startsWith("dev.parley."));
      assertTrue(warnings.get(0).getFormattedMessage().contains("parley.dedup.max-ids (3)"));
    } finally {
      logger.detachAppender(lines);
    }
  }

  @Test
  void anEntryRegisteredForAnEventAcceptedEarlierIsSettledAtOnce() {
    EventRegistry registry = new EventRegistry(10, WINDOW, 1_000, clock::get);
    Event recovered = Event.to("s").id("recovered").build();
    assertNull(registry.register(new EventRegistry.Entry(recovered, new CompletableFuture<>())));

    EventRegistry.Entry first = registry.register(entry(Event.to("s").id("recovered").build()));

    assertTrue(first.settled().getNow(false), "a duplicate of it need not wait for a lane");
  }

  @Test
  void aDuplicateOfAnEventItsLaneRefusedLearnsItSoThatItCanTryAgain() {
    EventRegistry registry = new EventRegistry(10, WINDOW, 1_000, clock::get);
    Event event = Event.to("s").id("x").build();
    EventRegistry.Entry entry = entry(event);
    assertNull(registry.register(entry));
    EventRegistry.Entry first = registry.register(entry(Event.to("s").id("x").build()));
    assertSame(entry, first);
    assertTrue(!first.settled().isDone(), "the lane has not decided yet");

    assertSame(entry, registry.refused(event));
    entry.settle(false);

    assertEquals(false, first.settled().join());
    assertNull(registry.register(entry(Event.to("s").id("x").build())), "the id is free again");
  }

  private static EventRegistry.Entry entry(Event event) {
    return EventRegistry.Entry.awaitingLane(event, new CompletableFuture<>());
  }

  private EventRegistry.Entry finish(EventRegistry registry, Event event) {
    EventRegistry.Entry entry = entry(event);
    assertNull(registry.register(entry));
    entry.settle(true);
    Outcome outcome = new Outcome.Completed(event.id(), Reply.of("ok"));
    registry.finished(event, EventStatus.finished(event, 1, 0, 0, outcome), clock.get());
    entry.outcome().complete(outcome);
    return entry;
  }
}
