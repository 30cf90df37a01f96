package dev.parley.runtime.lane;

import dev.parley.runtime.WorkerHealth;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * One lane's entry in the routing table: how callers reach its worker without a routing actor in
 * between, and what the worker publishes for {@code stats()}.
 *
 * <p>Guarantees: (1) submissions from one thread reach the worker in the order they were made, also
 * while the worker is still being spawned (they are buffered here and handed over before the
 * worker's reference is published); (2) no submission is lost to passivation: {@link #sent} counts
 * every delivery and a worker may only {@link #tryClose close} the lane when it has received all of
 * them; a closed lane refuses deliveries and the caller makes a fresh one.
 */
public final class Lane {
  private static final long CLOSED = Long.MIN_VALUE;

  private final String key;
  private final AtomicLong sent = new AtomicLong();
  private volatile ActorRef<Worker.Command> worker;
  private List<Worker.Command> buffer = new ArrayList<>(); // guarded by this while worker == null

  private final AtomicInteger pending = new AtomicInteger();
  private final AtomicReference<WorkerHealth> health = new AtomicReference<>(WorkerHealth.STARTING);
  private final AtomicLong restarts = new AtomicLong();
  private final AtomicLong deadlineNanos = new AtomicLong();

  Lane(String key) {
    this.key = key;
  }

  public String key() {
    return key;
  }

  /** Delivers {@code command} to this lane's worker; false when the lane is closed. */
  boolean tryDeliver(Worker.Command command) {
    if (sent.getAndIncrement() < 0) {
      return false; // closed: stays negative whatever is added
    }
    ActorRef<Worker.Command> target = worker;
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
  synchronized void attach(ActorRef<Worker.Command> spawned) {
    buffer.forEach(spawned::tell);
    buffer = null;
    worker = spawned;
  }

  /**
   * Closes the lane when exactly {@code received} deliveries were made, so none is in flight.
   * Called by the worker before it passivates.
   */
  boolean tryClose(long received) {
    return sent.compareAndSet(received, received | CLOSED);
  }

  void publish(int pendingCount) {
    pending.lazySet(pendingCount);
  }

  void publish(WorkerHealth state) {
    health.lazySet(state);
  }

  void publishRestarts(long count) {
    restarts.lazySet(count);
  }

  /** The {@code System.nanoTime()} by which the running attempt must end; 0 when none runs. */
  void publishDeadline(long nanos) {
    deadlineNanos.lazySet(nanos);
  }

  /**
   * Marks the lane unhealthy when its running attempt is past its deadline; true when it did so
   * now.
   */
  boolean checkOverdue(long nowNanos) {
    long deadline = deadlineNanos.get();
    return deadline != 0
        && nowNanos - deadline > 0
        && health.compareAndSet(WorkerHealth.BUSY, WorkerHealth.UNHEALTHY);
  }

  public long restarts() {
    return restarts.get();
  }

  public int pendingCount() {
    return pending.get();
  }

  public WorkerHealth health() {
    return health.get();
  }
}
