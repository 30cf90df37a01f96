package dev.parley.runtime.lane;

import dev.parley.runtime.WorkerHealth;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * One lane's entry in the local routing table: how callers reach its worker without a routing actor
 * in between, and the figures its worker publishes — the one source of lane telemetry that {@code
 * stats()}, the monitor and the health check read.
 *
 * <p>Guarantees: (1) commands from one thread reach the worker in the order they were sent, also
 * while the worker is still being spawned (they are buffered here and handed over before the
 * worker's reference is published); (2) no command is lost to passivation: {@link #sent} counts
 * every delivery and a worker may only {@link #tryClose close} the lane when it has received all of
 * them; a closed lane refuses deliveries and the caller makes a fresh one.
 */
public final class Lane {
  private static final long CLOSED = Long.MIN_VALUE;
  private static final VarHandle SENT;
  private static final VarHandle VERSION;

  static {
    try {
      SENT = MethodHandles.lookup().findVarHandle(Lane.class, "sent", long.class);
      VERSION = MethodHandles.lookup().findVarHandle(Lane.class, "version", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final String key;
  private volatile long sent; // through SENT: a field, not an AtomicLong, as there is one per lane
  private volatile ActorRef<LaneCommand> worker;
  private List<LaneCommand> buffer = new ArrayList<>(); // guarded by this while worker == null

  // What the lane shows, written in place by its worker (one writer) under a sequence lock: a
  // version that is odd while the worker writes. A reader copies the fields and takes the copy
  // when the version was even and the same before and after (a record per publish would be one
  // allocation per message, the largest one on the hot path).
  private int version; // through VERSION
  private int pending;
  private WorkerHealth health = WorkerHealth.STARTING;
  private String runningId;
  private long deadlineNanos;
  private long completed;
  private long failed;
  private int restarts;
  private double averageMs = Double.NaN;

  // Journaled lanes: commands wait here, and their worker takes all that wait at once (one write).
  private final ConcurrentLinkedQueue<LaneCommand.Routed> batch;
  private final AtomicBoolean pullSent; // a Pull is on its way to the worker; null unless batched

  public Lane(String key) {
    this(key, false);
  }

  /**
   * @param batched the worker takes the commands that wait for it in batches ({@link
   *     #nextInBatch}), so that a journaled lane writes the events of many commands at once
   */
  public Lane(String key, boolean batched) {
    this.key = key;
    this.batch = batched ? new ConcurrentLinkedQueue<>() : null;
    this.pullSent = batched ? new AtomicBoolean() : null;
  }

  public String key() {
    return key;
  }

  /** The lane's worker; null until the scheduler attached it. */
  ActorRef<LaneCommand> worker() {
    return worker;
  }

  /** Delivers {@code command} to this lane's worker; false when the lane is closed. */
  boolean tryDeliver(LaneCommand.Routed command) {
    if ((long) SENT.getAndAdd(this, 1L) < 0) {
      return false; // closed: stays negative whatever is added
    }
    if (batch != null) {
      batch.add(command);
      ActorRef<LaneCommand> target = worker; // null until attached: attach() sends the Pull
      if (target != null && !pullSent.getAndSet(true)) {
        target.tell(LaneCommand.Pull.INSTANCE);
      }
      return true;
    }
    ActorRef<LaneCommand> target = worker;
    if (target == null) {
      synchronized (this) {
        target = worker;
        if (target == null) {
          buffer.add(command);
          return true;
        }
      }
    }
    target.tell(command);
    return true;
  }

  /** Called once by the scheduler: hands over what was buffered, then publishes the worker. */
  synchronized void attach(ActorRef<LaneCommand> spawned) {
    buffer.forEach(spawned::tell);
    buffer = null;
    worker = spawned;
    if (batch != null && !pullSent.getAndSet(true)) {
      spawned.tell(LaneCommand.Pull.INSTANCE); // for what came before the worker was published
    }
  }

  /**
   * The worker of a batched lane takes the next command that waits for it; null when none does.
   * Call {@link #pulled} first, before taking any.
   */
  LaneCommand.Routed nextInBatch() {
    return batch.poll();
  }

  /** The worker got a {@link LaneCommand.Pull}: a command added from now on sends another. */
  void pulled() {
    pullSent.set(false);
  }

  /**
   * Has the worker pull again when commands wait for it here, or when {@code more} (something else
   * waits for it), unless a pull is on its way already.
   */
  void pullAgainIfWaiting(ActorRef<LaneCommand> self, boolean more) {
    if ((more || !batch.isEmpty()) && !pullSent.getAndSet(true)) {
      self.tell(LaneCommand.Pull.INSTANCE);
    }
  }

  /**
   * Closes the lane whatever is in flight, for a worker that stopped on a failure; returns the
   * commands that were waiting for it (those already sent to it are lost with it).
   */
  List<LaneCommand.Routed> closeNow() {
    SENT.getAndBitwiseOr(this, CLOSED);
    List<LaneCommand.Routed> left = new ArrayList<>();
    if (batch != null) {
      LaneCommand.Routed command;
      while ((command = batch.poll()) != null) {
        left.add(command);
      }
    }
    return left;
  }

  /**
   * Closes the lane when exactly {@code received} deliveries were made, so none is in flight.
   * Called by the worker before it passivates.
   */
  boolean tryClose(long received) {
    return SENT.compareAndSet(this, received, received | CLOSED);
  }

  /**
   * The lane's worker publishes what the lane shows: for stats, the monitor and the health check.
   * Only the lane's worker calls this (one writer at a time).
   */
  public void publish(
      int pending,
      WorkerHealth health,
      String runningId,
      long deadlineNanos,
      long completed,
      long failed,
      int restarts,
      double averageMs) {
    int v = (int) VERSION.getOpaque(this);
    VERSION.setOpaque(this, v + 1); // odd: a reader that sees it, or a later write, tries again
    VarHandle.storeStoreFence();
    this.pending = pending;
    this.health = health;
    this.runningId = runningId;
    this.deadlineNanos = deadlineNanos;
    this.completed = completed;
    this.failed = failed;
    this.restarts = restarts;
    this.averageMs = averageMs;
    VERSION.setRelease(this, v + 2);
  }

  /** What the lane's worker last published: one consistent snapshot of it. */
  public LaneFigures figures() {
    while (true) {
      int before = (int) VERSION.getAcquire(this);
      LaneFigures read =
          new LaneFigures(
              pending, health, runningId, deadlineNanos, completed, failed, restarts, averageMs);
      VarHandle.loadLoadFence();
      if ((before & 1) == 0 && (int) VERSION.getOpaque(this) == before) {
        return read;
      }
      Thread.onSpinWait(); // the worker is writing: a few stores, so this is short
    }
  }

  /** True when the lane's running attempt is past its deadline and the lane still shows busy. */
  boolean overdue(long nowNanos) {
    LaneFigures now = figures();
    return now.health() == WorkerHealth.BUSY
        && now.deadlineNanos() != 0
        && nowNanos - now.deadlineNanos() > 0;
  }
}
