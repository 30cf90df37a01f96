package dev.parley.runtime.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.parley.runtime.WorkerHealth;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A node's summary stays bounded whatever {@code parley.monitor.top-lanes} says. */
class NodeSummaryTest {
  private static final String NODE = "127.0.0.1:25520";

  @Test
  void aSummaryShowsAtMostItsMostLanesTheDeepestAndKeepsTheWholeFigures() {
    StateUpdate own = update(NodeSummary.MAX_LANES + 10);

    StateUpdate summary = NodeSummary.of(NODE, own).update();

    assertEquals(NodeSummary.MAX_LANES, summary.workerPool().lanes().size());
    assertEquals(NodeSummary.MAX_LANES, summary.lanesShown());
    assertEquals(
        own.workerPool().lanes().subList(0, NodeSummary.MAX_LANES), summary.workerPool().lanes());
    assertEquals(own.lanesTotal(), summary.lanesTotal());
    assertEquals(own.queueLength(), summary.queueLength());
    assertEquals(own.workerPool().totalWorkers(), summary.workerPool().totalWorkers());
  }

  @Test
  void aSummaryWithinTheBoundIsTheUpdateItself() {
    StateUpdate own = update(3);

    assertSame(own, NodeSummary.of(NODE, own).update());
  }

  private static StateUpdate update(int lanes) {
    List<LaneReport> shown = new ArrayList<>();
    for (int i = lanes; i > 0; i--) {
      shown.add(
          new LaneReport(
              "lane-" + i, i, WorkerHealth.BUSY, Optional.empty(), 0, 0, 0, Double.NaN, NODE));
    }
    return new StateUpdate(
        1L,
        (long) lanes * (lanes + 1) / 2,
        true,
        new StateUpdate.WorkerPool(lanes, lanes, Map.of(WorkerHealth.BUSY, lanes), shown),
        new StateUpdate.Permits(0, 0, lanes, 0),
        new StateUpdate.Throughput(0, 0, 0),
        new StateUpdate.Latency(0, 0, 0, 0),
        new StateUpdate.Totals(0, 0, 0, 0, 0, 0, 0, 0),
        0,
        lanes,
        lanes,
        List.of());
  }
}
