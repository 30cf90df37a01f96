package dev.parley.runtime.lane;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * The queue of one lane: pending items in order and at most one running item. Plain and
 * single-threaded (its worker owns it), so the in-memory worker and an event-sourced one share the
 * same logic and the tests need no actors.
 *
 * @param <T> the queued item; {@code idOf} names it
 */
public final class LaneState<T> {
  private final ArrayDeque<T> pending = new ArrayDeque<>();
  private final Function<T, String> idOf;
  private T running;
  private long completed;
  private long failed;

  public LaneState(Function<T, String> idOf) {
    this.idOf = Objects.requireNonNull(idOf, "idOf");
  }

  /** Appends {@code item} and returns its position among the pending items (0 runs next). */
  public int enqueue(T item) {
    pending.addLast(Objects.requireNonNull(item, "item"));
    return pending.size() - 1;
  }

  /**
   * Starts the next pending item and returns it, or {@code null} when nothing is pending.
   *
   * @throws IllegalStateException when an item is already running: a lane runs one at a time
   */
  public T next() {
    if (running != null) {
      throw new IllegalStateException("lane is busy with " + idOf.apply(running));
    }
    running = pending.pollFirst();
    return running;
  }

  /** Ends the running item as a success and returns it. */
  public T complete() {
    T done = takeRunning();
    completed++;
    return done;
  }

  /** Ends the running item as a failure and returns it. */
  public T fail() {
    T done = takeRunning();
    failed++;
    return done;
  }

  private T takeRunning() {
    if (running == null) {
      throw new IllegalStateException("no item is running");
    }
    T done = running;
    running = null;
    return done;
  }

  /** Removes a pending item; running items cannot be cancelled here. */
  public Optional<T> cancel(String id) {
    for (Iterator<T> it = pending.iterator(); it.hasNext(); ) {
      T item = it.next();
      if (idOf.apply(item).equals(id)) {
        it.remove();
        return Optional.of(item);
      }
    }
    return Optional.empty();
  }

  /**
   * Moves a pending item to {@code newIndex} among the pending items (clamped to the queue).
   *
   * @return false when no pending item has that id
   */
  public boolean move(String id, int newIndex) {
    List<T> items = new ArrayList<>(pending);
    int from = indexOf(items, id);
    if (from < 0) {
      return false;
    }
    T item = items.remove(from);
    items.add(Math.max(0, Math.min(newIndex, items.size())), item);
    pending.clear();
    pending.addAll(items);
    return true;
  }

  /** The position of a pending item (0 runs next), or -1 when it is not pending. */
  public int position(String id) {
    return indexOf(pending, id);
  }

  private int indexOf(Iterable<T> items, String id) {
    int index = 0;
    for (T item : items) {
      if (idOf.apply(item).equals(id)) {
        return index;
      }
      index++;
    }
    return -1;
  }

  /** Removes and returns every pending item, in order. */
  public List<T> drainPending() {
    List<T> all = new ArrayList<>(pending);
    pending.clear();
    return all;
  }

  /** A copy of the pending items, in order. */
  public List<T> pendingView() {
    return List.copyOf(pending);
  }

  /** The item that {@link #next()} would start, or {@code null}. */
  public T peek() {
    return pending.peekFirst();
  }

  public Optional<T> running() {
    return Optional.ofNullable(running);
  }

  public int pendingCount() {
    return pending.size();
  }

  public boolean isBusy() {
    return running != null;
  }

  /** Nothing running and nothing pending. */
  public boolean isIdle() {
    return running == null && pending.isEmpty();
  }

  public long completedCount() {
    return completed;
  }

  public long failedCount() {
    return failed;
  }
}
