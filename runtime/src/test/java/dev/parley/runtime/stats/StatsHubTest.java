package dev.parley.runtime.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.runtime.WorkerHealth;
import dev.parley.runtime.admission.Admission;
import dev.parley.runtime.controls.Pauses;
import dev.parley.runtime.internal.Counters;
import dev.parley.runtime.internal.DeadLetterStore;
import dev.parley.runtime.lane.Lane;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The hub on its own: what it keeps of the reports and what an update shows. */
class StatsHubTest {
  private static final ActorTestKit KIT = ActorTestKit.create("StatsHubTest");

  private final Counters counters = new Counters();
  private final Map<String, Lane> lanes = new ConcurrentHashMap<>();
  private final Pauses pauses = new Pauses();
  private final AtomicReference<StateUpdate> latest = new AtomicReference<>();
  private ActorRef<StatsHub.Command> hub;

  @BeforeEach
  void startHub() {
    BoundedSourceQueue<StateUpdate> out =
        Source.<StateUpdate>queue(4).to(Sink.ignore()).run(KIT.system());
    hub =
        KIT.spawn(
            StatsHub.create(
                new StatsHub.Setup(
                    () -> lanes.values(),
                    pauses,
                    Duration.ofHours(1), // no tick during a test: views only
                    3,
                    counters,
                    new AtomicReference<>(new Admission.State(8, 6, 2, 1)),
                    new DeadLetterStore(10),
                    () -> true,
                    new LatencyRecorder(),
                    System::nanoTime,
                    out,
                    latest,
                    Optional.empty())));
  }

  @AfterAll
  static void stopKit() {
    KIT.shutdownTestKit();
  }

  @Test
  void publishesAnUpdateAtOnceOnStart() {
    KIT.createTestProbe()
        .awaitAssert(
            () -> {
              assertTrue(latest.get() != null);
              return null;
            });
    assertEquals(0, latest.get().lanesTotal());
    assertEquals(8, latest.get().admission().maxInFlight());
    assertEquals(6, latest.get().admission().effectiveMaxInFlight());
  }

  @Test
  void showsTheTopLanesByDepthThenHealthThenKey() {
    report(null, "a", 5, WorkerHealth.BUSY);
    report(null, "b", 9, WorkerHealth.BUSY);
    report(null, "c", 0, WorkerHealth.HEALTHY);
    report(null, "d", 0, WorkerHealth.UNHEALTHY);
    report(null, "e", 5, WorkerHealth.UNHEALTHY);

    StateUpdate update = view("", 3);

    assertEquals(List.of("b", "e", "a"), keys(update));
    assertEquals(3, update.lanesShown());
    assertEquals(5, update.lanesTotal());
    assertEquals(5, update.workerPool().totalWorkers());
    assertEquals(List.of("b", "e", "a", "d", "c"), keys(view("", 10)));
  }

  @Test
  void aLaterReportReplacesTheEarlierOne() {
    report(null, "a", 5, WorkerHealth.BUSY);
    report(null, "a", 0, WorkerHealth.HEALTHY);

    StateUpdate update = view("", 3);

    assertEquals(1, update.lanesTotal());
    assertEquals(0, update.workerPool().lanes().get(0).depth());
    assertEquals(1, update.workerPool().byHealth().get(WorkerHealth.HEALTHY));
    assertEquals(0, update.workerPool().byHealth().get(WorkerHealth.BUSY));
  }

  @Test
  void countsWorkersByHealthAcrossAllLanesNotOnlyTheShownOnes() {
    for (int i = 0; i < 50; i++) {
      report(null, "busy-" + i, i, WorkerHealth.BUSY);
    }
    for (int i = 0; i < 20; i++) {
      report(null, "idle-" + i, 0, WorkerHealth.HEALTHY);
    }
    report(null, "stuck", 1, WorkerHealth.UNHEALTHY);
    report(null, "paused", 3, WorkerHealth.PAUSED);

    StateUpdate update = view("", 3);

    assertEquals(50, update.workerPool().byHealth().get(WorkerHealth.BUSY));
    assertEquals(20, update.workerPool().byHealth().get(WorkerHealth.HEALTHY));
    assertEquals(1, update.workerPool().byHealth().get(WorkerHealth.UNHEALTHY));
    assertEquals(1, update.workerPool().byHealth().get(WorkerHealth.PAUSED));
    assertEquals(51, update.workerPool().activeWorkers()); // busy and overdue ones run an event
    assertEquals(72, update.workerPool().totalWorkers());
    assertEquals(3, update.lanesShown());
  }

  @Test
  void filtersByLaneKeyPrefix() {
    report(null, "tenant-a:1", 1, WorkerHealth.BUSY);
    report(null, "tenant-a:2", 4, WorkerHealth.BUSY);
    report(null, "tenant-b:1", 9, WorkerHealth.BUSY);
    report(null, "tenant-ab", 7, WorkerHealth.BUSY);

    StateUpdate update = view("tenant-a:", 10);

    assertEquals(List.of("tenant-a:2", "tenant-a:1"), keys(update));
    assertEquals(2, update.lanesTotal());
    assertEquals(4, update.workerPool().totalWorkers()); // the whole runtime's
    assertEquals(List.of("tenant-a:2"), keys(view("tenant-a:", 1)));
    assertEquals(0, view("nobody", 5).lanesTotal());
  }

  @Test
  void showsOnlyTheLiveLanes() {
    report(null, "a", 0, WorkerHealth.HEALTHY);
    report(null, "b", 2, WorkerHealth.BUSY);
    lanes.remove("a"); // passivated: it left the routing table

    StateUpdate update = view("", 3);
    assertEquals(List.of("b"), keys(update));
    assertEquals(1, update.lanesTotal());
    assertEquals(0, update.workerPool().byHealth().get(WorkerHealth.HEALTHY));
  }

  @Test
  void showsAPausedIdleLanePausedAtOnce() {
    report(null, "a", 0, WorkerHealth.HEALTHY);
    pauses.pause("a"); // before its worker has heard of it

    assertEquals(WorkerHealth.PAUSED, view("", 3).workerPool().lanes().get(0).health());
  }

  @Test
  void staysBoundedWithManyLanes() {
    int lanes = 200_000;
    for (int i = 0; i < lanes; i++) {
      report(null, "lane-" + i, i % 1_000, i % 2 == 0 ? WorkerHealth.BUSY : WorkerHealth.HEALTHY);
    }

    StateUpdate update = view("", 100);

    assertEquals(100, update.workerPool().lanes().size());
    assertEquals(lanes, update.lanesTotal());
    assertEquals(999, update.workerPool().lanes().get(0).depth());
    assertEquals(lanes / 2, update.workerPool().byHealth().get(WorkerHealth.BUSY));
  }

  @Test
  void takesTotalsFromTheRuntimeCountersAndTheQueueLengthFromTheLanesShown() {
    report(null, "a", 3, WorkerHealth.BUSY);
    report(null, "b", 1, WorkerHealth.BUSY);
    counters.accepted.add(10);
    counters.outstanding.add(6); // two more on their way to their lanes: not in a lane's depth
    counters.completed.add(5);
    counters.failed.add(1);

    StateUpdate update = view("", 3);

    assertEquals(10, update.totals().accepted());
    assertEquals(5, update.totals().completed());
    assertEquals(1, update.totals().failed());
    assertEquals(4, update.queueLength());
    assertTrue(update.isRunning());
  }

  /** Publishes figures into the routing entry of {@code key}, as its worker would. */
  private void report(Object unused, String key, int depth, WorkerHealth health) {
    lanes.computeIfAbsent(key, Lane::new).publish(depth, health, null, 0, 0, 0, 0, Double.NaN);
  }

  private StateUpdate view(String prefix, int top) {
    CompletableFuture<StateUpdate> reply = new CompletableFuture<>();
    hub.tell(new StatsHub.View(prefix, top, reply));
    try {
      return reply.get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static List<String> keys(StateUpdate update) {
    return update.workerPool().lanes().stream().map(LaneReport::laneKey).toList();
  }
}
