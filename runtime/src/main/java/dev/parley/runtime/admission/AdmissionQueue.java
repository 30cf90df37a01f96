package dev.parley.runtime.admission;

import dev.parley.runtime.Priority;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The global in-flight cap and the lanes waiting for a permit: a plain, single-threaded class (the
 * {@link Admission} actor owns it) with the clock passed in, so the ordering is tested without
 * actors or real time.
 *
 * <p>Order: tenants with waiting lanes take turns, as often as their weights say (smooth weighted
 * round-robin: with weights 1:1 they alternate), so one tenant's thousand busy lanes cannot starve
 * another's one. Within a tenant: effective priority (P0 first), then waiting time. A lane's
 * effective priority rises one level for every {@code agingInterval} it has waited, so a P3 lane is
 * served even under a steady stream of P0 lanes. Aging keeps the order within one base priority
 * (the oldest waits longest), so only the first lane of each priority's queue that may run can be
 * next.
 *
 * <p>A lane of a parallel group ({@code parley.groups."<name>".max-parallel}) also needs one of its
 * group's N permits: while N of the group's lanes run, the group's waiting lanes are passed over
 * (others are served), whatever the global cap.
 */
public final class AdmissionQueue {
  /** The tenant of events that name none. */
  public static final String SHARED = "";

  /** One tenant's waiting lanes, by priority, and its turn credit. */
  private static final class Tenant {
    final int weight;
    long credit;
    final Map<Priority, LinkedHashMap<String, Long>> waiting = new EnumMap<>(Priority.class);

    Tenant(int weight) {
      this.weight = weight;
      for (Priority p : Priority.values()) {
        waiting.put(p, new LinkedHashMap<>());
      }
    }
  }

  /** Where a waiting lane is: its tenant, its priority, and its parallel group (or null). */
  private record Place(String tenant, Priority priority, String group) {}

  /** A parallel group's permits: how many it has, and how many of them are out. */
  private static final class Group {
    int max;
    int out;

    Group(int max) {
      this.max = max;
    }
  }

  private final long agingNanos;
  private final Map<String, Integer> weights;
  private final Map<String, Tenant> tenants = new LinkedHashMap<>(); // those with waiting lanes
  private final Map<String, Place> placeOf = new LinkedHashMap<>();
  private final Map<String, Group> groups = new HashMap<>();
  private final Map<String, Group> heldBy = new HashMap<>(); // lanes holding a group's permit
  private int maxInFlight;
  private int inFlight;

  /**
   * @param maxInFlight the cap, at least 1
   * @param agingNanos how long a lane waits before its priority rises one level
   */
  public AdmissionQueue(int maxInFlight, long agingNanos) {
    this(maxInFlight, agingNanos, Map.of());
  }

  /**
   * @param weights each tenant's share of the turns ({@code parley.admission.tenant-weights}); a
   *     tenant not named has weight 1
   */
  public AdmissionQueue(int maxInFlight, long agingNanos, Map<String, Integer> weights) {
    this.agingNanos = agingNanos;
    this.weights = Map.copyOf(weights);
    setMaxInFlight(maxInFlight);
  }

  public void setMaxInFlight(int maxInFlight) {
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("maxInFlight: must be at least 1, got " + maxInFlight);
    }
    this.maxInFlight = maxInFlight;
  }

  /** Queues {@code lane} of the shared tenant for a permit. */
  public void request(String lane, Priority priority, long nowNanos) {
    request(lane, priority, SHARED, nowNanos);
  }

  /** Queues {@code lane} for a permit (replacing its earlier request, keeping its wait). */
  public void request(String lane, Priority priority, String tenant, long nowNanos) {
    request(lane, priority, tenant, null, nowNanos);
  }

  /**
   * Queues {@code lane} of the parallel group {@code group} (null: none) for a permit, replacing
   * its earlier request and keeping its wait.
   */
  public void request(String lane, Priority priority, String tenant, String group, long nowNanos) {
    Objects.requireNonNull(priority, "priority");
    Objects.requireNonNull(tenant, "tenant");
    Long before = take(lane);
    long since = before != null ? before : nowNanos;
    placeOf.put(lane, new Place(tenant, priority, group));
    Tenant queue =
        tenants.computeIfAbsent(tenant, t -> new Tenant(Math.max(1, weights.getOrDefault(t, 1))));
    insertInOrder(queue.waiting.get(priority), lane, since);
  }

  /** Takes {@code lane} out of its tenant's queue; returns since when it waited, or null. */
  private Long take(String lane) {
    Place place = placeOf.remove(lane);
    if (place == null) {
      return null;
    }
    Tenant tenant = tenants.get(place.tenant());
    Long since = tenant.waiting.get(place.priority()).remove(lane);
    if (tenant.waiting.values().stream().allMatch(Map::isEmpty)) {
      tenants.remove(place.tenant()); // it takes turns again from scratch when it comes back
    }
    return since;
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
    return take(lane) != null;
  }

  /** Returns the permit {@code lane} holds (and its group's, when it holds one). */
  public void release(String lane) {
    if (inFlight == 0) {
      throw new IllegalStateException("no permit is out");
    }
    inFlight--;
    Group group = heldBy.remove(lane);
    if (group != null) {
      group.out--;
    }
  }

  /** Returns a permit of a lane in no parallel group. */
  public void release() {
    release("");
  }

  /**
   * Sets the permits of the parallel group {@code group} (at least 1): lowering it starts nothing
   * of the group until fewer than {@code max} of its lanes run.
   */
  public void setGroupMax(String group, int max) {
    if (max < 1) {
      throw new IllegalArgumentException("max-parallel: must be at least 1, got " + max);
    }
    groups.computeIfAbsent(group, g -> new Group(max)).max = max;
  }

  /** The permits of {@code group} out now. */
  public int groupInFlight(String group) {
    Group g = groups.get(group);
    return g == null ? 0 : g.out;
  }

  /**
   * Grants the next permit if one is free: removes and returns the lane that gets it, or {@code
   * null} when the cap is reached or nobody waits who may run.
   */
  public String grantNext(long nowNanos) {
    if (inFlight >= maxInFlight || tenants.isEmpty()) {
      return null;
    }
    String best = bestOfNextTenant(nowNanos);
    if (best == null) {
      return null; // every waiting lane's group runs all it may
    }
    Group group = groupOf(placeOf.get(best));
    withdraw(best);
    inFlight++;
    if (group != null) {
      group.out++;
      heldBy.put(best, group);
    }
    return best;
  }

  /**
   * The lane served first of the tenant whose turn it is, among tenants with a lane that may run:
   * each such tenant gains its weight, the richest goes and pays the total.
   */
  private String bestOfNextTenant(long nowNanos) {
    Tenant next = null;
    String nextBest = null;
    long total = 0;
    for (Tenant tenant : tenants.values()) {
      String best = bestOf(tenant, nowNanos);
      if (best == null) {
        continue;
      }
      tenant.credit += tenant.weight;
      total += tenant.weight;
      if (next == null || tenant.credit > next.credit) {
        next = tenant;
        nextBest = best;
      }
    }
    if (next != null) {
      next.credit -= total;
    }
    return nextBest;
  }

  private Group groupOf(Place place) {
    return place.group() == null ? null : groups.computeIfAbsent(place.group(), g -> new Group(1));
  }

  /** Whether a lane waiting at {@code place} may run now: its group, if any, has a permit free. */
  private boolean mayRun(Place place) {
    Group group = groupOf(place);
    return group == null || group.out < group.max;
  }

  /**
   * The lane of {@code tenant} served first, among those that may run: by effective priority, then
   * by waiting time.
   */
  private String bestOf(Tenant tenant, long nowNanos) {
    String best = null;
    int bestLevel = Integer.MAX_VALUE;
    long bestSince = Long.MAX_VALUE;
    for (Map.Entry<Priority, LinkedHashMap<String, Long>> queue : tenant.waiting.entrySet()) {
      Map.Entry<String, Long> first = firstThatMayRun(queue.getValue());
      if (first == null) {
        continue;
      }
      int level = effectiveLevel(queue.getKey(), first.getValue(), nowNanos);
      if (level < bestLevel || (level == bestLevel && first.getValue() < bestSince)) {
        best = first.getKey();
        bestLevel = level;
        bestSince = first.getValue();
      }
    }
    return best;
  }

  /** The longest waiting lane of one priority's queue that may run, or null. */
  private Map.Entry<String, Long> firstThatMayRun(LinkedHashMap<String, Long> queue) {
    for (Iterator<Map.Entry<String, Long>> it = queue.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Long> e = it.next();
      if (mayRun(placeOf.get(e.getKey()))) {
        return e;
      }
    }
    return null;
  }

  private int effectiveLevel(Priority priority, long sinceNanos, long nowNanos) {
    long levels = agingNanos <= 0 ? 0 : (nowNanos - sinceNanos) / agingNanos;
    return (int) Math.max(0, priority.ordinal() - Math.min(levels, Priority.values().length));
  }

  /**
   * How many lanes of its tenant would be served before {@code lane} if permits were granted now
   * (-1: it does not wait); other tenants' turns come on top.
   */
  public int position(String lane, long nowNanos) {
    Place place = placeOf.get(lane);
    if (place == null) {
      return -1;
    }
    Tenant tenant = tenants.get(place.tenant());
    long since = tenant.waiting.get(place.priority()).get(lane);
    int level = effectiveLevel(place.priority(), since, nowNanos);
    int ahead = 0;
    for (Map.Entry<Priority, LinkedHashMap<String, Long>> queue : tenant.waiting.entrySet()) {
      for (Map.Entry<String, Long> e : queue.getValue().entrySet()) {
        int other = effectiveLevel(queue.getKey(), e.getValue(), nowNanos);
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
    return placeOf.size();
  }

  public boolean isWaiting(String lane) {
    return placeOf.containsKey(lane);
  }
}
