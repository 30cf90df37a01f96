package dev.parley.runtime.admission;

import dev.parley.runtime.Priority;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The global in-flight cap and the lanes waiting for a permit: a plain, single-threaded class (the
 * {@link Admission} actor owns it) with the clock passed in, so the ordering is tested without
 * actors or real time.
 *
 * <p>Order: effective priority (P0 first), then waiting time. A lane's effective priority rises one
 * level for every {@code agingInterval} it has waited, so a P3 lane is served even under a steady
 * stream of P0 lanes. Aging keeps the order within one base priority (the oldest waits longest), so
 * only the head of each priority's queue can be next: choosing is O(1).
 */
public final class AdmissionQueue {
  private final long agingNanos;
  private final Map<Priority, LinkedHashMap<String, Long>> waiting = new EnumMap<>(Priority.class);
  private final Map<String, Priority> priorityOf = new LinkedHashMap<>();
  private int maxInFlight;
  private int inFlight;

  /**
   * @param maxInFlight the cap, at least 1
   * @param agingNanos how long a lane waits before its priority rises one level
   */
  public AdmissionQueue(int maxInFlight, long agingNanos) {
    this.agingNanos = agingNanos;
    for (Priority p : Priority.values()) {
      waiting.put(p, new LinkedHashMap<>());
    }
    setMaxInFlight(maxInFlight);
  }

  public void setMaxInFlight(int maxInFlight) {
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("maxInFlight: must be at least 1, got " + maxInFlight);
    }
    this.maxInFlight = maxInFlight;
  }

  /** Queues {@code lane} for a permit (replacing its earlier request, keeping its wait). */
  public void request(String lane, Priority priority, long nowNanos) {
    Objects.requireNonNull(priority, "priority");
    Priority before = priorityOf.get(lane);
    long since = nowNanos;
    if (before != null) {
      since = waiting.get(before).remove(lane);
    }
    priorityOf.put(lane, priority);
    insertInOrder(waiting.get(priority), lane, since);
  }

  /** Keeps each priority's queue ordered by waiting time, also for a re-queued request. */
  private static void insertInOrder(LinkedHashMap<String, Long> queue, String lane, long since) {
    if (queue.isEmpty() || lastSince(queue) <= since) {
      queue.put(lane, since);
      return;
    }
    LinkedHashMap<String, Long> ordered = new LinkedHashMap<>();
    boolean placed = false;
    for (Map.Entry<String, Long> e : queue.entrySet()) {
      if (!placed && e.getValue() > since) {
        ordered.put(lane, since);
        placed = true;
      }
      ordered.put(e.getKey(), e.getValue());
    }
    queue.clear();
    queue.putAll(ordered);
  }

  private static long lastSince(LinkedHashMap<String, Long> queue) {
    long last = Long.MIN_VALUE;
    for (long since : queue.values()) {
      last = since;
    }
    return last;
  }

  /** Takes {@code lane} out of the queue (paused, or nothing left to run). */
  public boolean withdraw(String lane) {
    Priority priority = priorityOf.remove(lane);
    return priority != null && waiting.get(priority).remove(lane) != null;
  }

  /** Returns a permit. */
  public void release() {
    if (inFlight == 0) {
      throw new IllegalStateException("no permit is out");
    }
    inFlight--;
  }

  /**
   * Grants the next permit if one is free: removes and returns the lane that gets it, or {@code
   * null} when the cap is reached or nobody waits.
   */
  public String grantNext(long nowNanos) {
    if (inFlight >= maxInFlight) {
      return null;
    }
    String best = null;
    int bestLevel = Integer.MAX_VALUE;
    long bestSince = Long.MAX_VALUE;
    for (LinkedHashMap<String, Long> queue : waiting.values()) {
      Iterator<Map.Entry<String, Long>> head = queue.entrySet().iterator();
      if (!head.hasNext()) {
        continue;
      }
      Map.Entry<String, Long> first = head.next();
      int level = effectiveLevel(priorityOf.get(first.getKey()), first.getValue(), nowNanos);
      if (level < bestLevel || (level == bestLevel && first.getValue() < bestSince)) {
        best = first.getKey();
        bestLevel = level;
        bestSince = first.getValue();
      }
    }
    if (best != null) {
      withdraw(best);
      inFlight++;
    }
    return best;
  }

  private int effectiveLevel(Priority priority, long sinceNanos, long nowNanos) {
    long levels = agingNanos <= 0 ? 0 : (nowNanos - sinceNanos) / agingNanos;
    return (int) Math.max(0, priority.ordinal() - Math.min(levels, Priority.values().length));
  }

  /** How many lanes would be served before {@code lane} if permits were granted now (-1: none). */
  public int position(String lane, long nowNanos) {
    Priority priority = priorityOf.get(lane);
    if (priority == null) {
      return -1;
    }
    long since = waiting.get(priority).get(lane);
    int level = effectiveLevel(priority, since, nowNanos);
    int ahead = 0;
    for (LinkedHashMap<String, Long> queue : waiting.values()) {
      for (Map.Entry<String, Long> e : queue.entrySet()) {
        int other = effectiveLevel(priorityOf.get(e.getKey()), e.getValue(), nowNanos);
        if (other < level || (other == level && e.getValue() < since)) {
          ahead++;
        }
      }
    }
    return ahead;
  }

  public int inFlight() {
    return inFlight;
  }

  public int maxInFlight() {
    return maxInFlight;
  }

  public int waitingCount() {
    return priorityOf.size();
  }

  public boolean isWaiting(String lane) {
    return priorityOf.containsKey(lane);
  }
}
