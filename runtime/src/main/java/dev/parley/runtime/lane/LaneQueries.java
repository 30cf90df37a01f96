package dev.parley.runtime.lane;

import dev.parley.runtime.EventStatus;
import dev.parley.runtime.LaneView;
import dev.parley.runtime.Receipt;
import dev.parley.runtime.admission.Admission;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a lane answers about itself, part of {@link LaneDecider}: receipts, ETAs, statuses, views.
 */
final class LaneQueries {
  private final LaneDecider lane;

  LaneQueries(LaneDecider lane) {
    this.lane = lane;
  }

  /**
   * ETA = what is left of the running event (the lane's moving handling time less how long its
   * attempt has run so far, at least 0; a whole handling time while it waits for a retry) + the
   * events ahead of this one × the lane's moving handling time + the estimated wait for a permit of
   * the global cap: lanes ahead in admission ÷ the cap × the runtime's moving handling time.
   */
  Receipt receipt(int position) {
    Job job = lane.state.pending().get(position);
    return new Receipt(
        job.id(),
        lane.laneKey,
        Receipt.Status.ACCEPTED,
        position,
        admissionAhead(),
        eta(position),
        null,
        0,
        false);
  }

  int admissionAhead() {
    Admission.State permits = lane.env.admission();
    boolean waits =
        permits != null && permits.effectiveMaxInFlight() > 0 && !lane.session.holdsPermit;
    return waits ? permits.waiting() : 0;
  }

  long eta(int position) {
    double average = laneAverageMs();
    int admissionAhead = admissionAhead();
    double admissionWaitMs =
        admissionAhead == 0
            ? 0
            : (double) admissionAhead
                / lane.env.admission().effectiveMaxInFlight()
                * lane.env.averageMs();
    return Math.round(runningLeftMs(average) + position * average + admissionWaitMs);
  }

  /** What is left of the running event: its expected time less what its attempt has run. */
  private double runningLeftMs(double average) {
    if (!lane.state.isBusy()) {
      return 0;
    }
    if (!lane.session.attemptOpen) {
      return average; // between attempts: the next one is still to run
    }
    double elapsedMs = (lane.now - lane.session.attemptStartedNanos) / 1_000_000.0;
    return Math.max(0, average - elapsedMs);
  }

  double laneAverageMs() {
    return Double.isNaN(lane.state.averageMs()) ? lane.env.averageMs() : lane.state.averageMs();
  }

  Optional<EventStatus> statusOf(String eventId) {
    Attempt running = lane.state.running();
    if (running != null && running.id().equals(eventId)) {
      return Optional.of(runningStatus(running));
    }
    int position = lane.state.position(eventId);
    return position < 0
        ? Optional.empty()
        : Optional.of(pendingStatus(lane.state.pending().get(position), position));
  }

  EventStatus runningStatus(Attempt running) {
    Job job = running.head();
    return new EventStatus(
        job.id(),
        job.event().spaceId(),
        lane.laneKey,
        EventStatus.State.RUNNING,
        -1,
        0,
        running.number(),
        job.tracked() ? millis(running.startedAtNanos() - job.acceptedAtNanos()) : -1,
        job.tracked() ? millis(lane.now - running.startedAtNanos()) : -1,
        Optional.empty(),
        running.redelivered(),
        job.event().priority());
  }

  EventStatus pendingStatus(Job job, int position) {
    return new EventStatus(
        job.id(),
        job.event().spaceId(),
        lane.laneKey,
        EventStatus.State.PENDING,
        position,
        eta(position),
        0,
        job.tracked() ? millis(lane.now - job.acceptedAtNanos()) : -1,
        -1,
        Optional.empty(),
        false,
        job.event().priority());
  }

  LaneView view() {
    List<Job> pending = lane.state.pending();
    List<EventStatus> statuses = new ArrayList<>(pending.size());
    for (int i = 0; i < pending.size(); i++) {
      statuses.add(pendingStatus(pending.get(i), i));
    }
    return new LaneView(
        lane.laneKey,
        true,
        lane.health(),
        lane.paused(),
        Optional.ofNullable(lane.state.running()).map(this::runningStatus),
        statuses,
        lane.state.completedCount(),
        lane.state.failedCount(),
        lane.session.restarts);
  }

  static long millis(long nanos) {
    return Math.max(0, nanos / 1_000_000);
  }
}
