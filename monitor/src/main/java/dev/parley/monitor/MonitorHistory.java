package dev.parley.monitor;

import dev.parley.runtime.stats.Monitor;
import dev.parley.runtime.stats.StateUpdate;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * The last {@code parley.monitor.history} of the runtime's updates, one point per update, so that a
 * dashboard that connects shows the recent past at once instead of charts that start empty.
 * Bounded: {@code history ÷ interval} points, the oldest dropped first. Fed by one subscription to
 * {@link Monitor#updates()}, which ends when the runtime stops; it samples the process's figures
 * too, once per update.
 */
final class MonitorHistory {
  /** The most points kept, whatever the interval: a day at one second. */
  static final int MAX_POINTS = 86_400;

  /** One update's figures (and the process's, sampled when it arrived). */
  record Point(
      long ts,
      double acceptedPerSec,
      double completedPerSec,
      double failedPerSec,
      long queueLength,
      int inFlight,
      double queueWaitMsP50,
      double queueWaitMsP99,
      double handlerMsP50,
      double handlerMsP99,
      long heapUsedBytes,
      double cpuLoad) {

    static Point of(StateUpdate update, ProcessFigures process) {
      return new Point(
          update.ts(),
          update.throughput().acceptedPerSec(),
          update.throughput().completedPerSec(),
          update.throughput().failedPerSec(),
          update.queueLength(),
          update.admission().inFlight(),
          update.latency().queueWaitMsP50(),
          update.latency().queueWaitMsP99(),
          update.latency().handlerMsP50(),
          update.latency().handlerMsP99(),
          process.heapUsedBytes(),
          process.cpuLoad());
    }
  }

  private final int capacity;
  private final Duration interval;
  private final ArrayDeque<Point> points;
  private volatile ProcessFigures process;

  /** A history of {@code capacity} points (0: none kept); feed it with {@link #add}. */
  MonitorHistory(int capacity, Duration interval) {
    this.capacity = capacity;
    this.interval = interval;
    this.points = new ArrayDeque<>(Math.min(capacity, 1024));
  }

  /**
   * A history of {@code window} at {@code monitor}'s interval, fed from its updates from now on.
   */
  static MonitorHistory follow(Monitor monitor, Duration window, ActorSystem<?> system) {
    MonitorHistory history =
        new MonitorHistory(capacity(window, monitor.interval()), monitor.interval());
    monitor.updates().runWith(Sink.foreach(history::sampled), system);
    return history;
  }

  /**
   * The process's figures as sampled at the newest update. Sampled here once per interval, not per
   * client: the JVM's CPU load is measured between two calls, so calls close together read noise.
   */
  ProcessFigures process() {
    ProcessFigures newest = process;
    return newest != null ? newest : ProcessFigures.sample();
  }

  private void sampled(StateUpdate update) {
    ProcessFigures figures = ProcessFigures.sample();
    process = figures;
    add(Point.of(update, figures));
  }

  static int capacity(Duration window, Duration interval) {
    long points = window.toMillis() / Math.max(1, interval.toMillis());
    if (points > MAX_POINTS) {
      throw new IllegalArgumentException(
          "parley.monitor.history: "
              + window
              + " at parley.monitor.interval "
              + interval
              + " would keep "
              + points
              + " points; at most "
              + MAX_POINTS);
    }
    return (int) points;
  }

  synchronized void add(Point point) {
    if (capacity == 0) {
      return;
    }
    Point last = points.peekLast();
    if (last != null && point.ts() <= last.ts()) {
      return; // the update sent on subscribing may repeat the newest one
    }
    points.addLast(point);
    while (points.size() > capacity) {
      points.removeFirst();
    }
  }

  /** The points held, oldest first. */
  synchronized List<Point> points() {
    return new ArrayList<>(points);
  }

  Duration interval() {
    return interval;
  }

  Duration window() {
    return interval.multipliedBy(capacity);
  }
}
