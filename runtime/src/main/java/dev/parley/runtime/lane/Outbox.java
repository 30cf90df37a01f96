package dev.parley.runtime.lane;

import dev.parley.runtime.internal.LaneLogger;
import java.util.ArrayList;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs what a lane tells the world (outcome futures, receipts, listeners, query replies) off the
 * lane's own message, in the order the lane produced it: one task at a time per lane on the
 * callback executor, each running everything queued so far. One per lane, kept across restarts.
 *
 * <p>The lane queues into a list of its own and hands it over at {@link #flush}, under one lock, by
 * swapping lists: an outcome costs neither a queue node nor a closure. The task moves what was
 * handed over into a list of its thread's and runs it from there, so that an outbox keeps two
 * lists, not three.
 */
final class Outbox implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(Outbox.class);
  private static final int KEPT_CAPACITY = 64; // a list grown past it by a burst is not kept

  private static final int INITIAL_CAPACITY = 2; // most lanes hand over an item or two at a time

  /** The list a task runs from: its thread's, empty between tasks. */
  private static final ThreadLocal<ArrayList<Object>> RUNNING =
      ThreadLocal.withInitial(ArrayList::new);

  private final String laneKey;
  private final Executor executor;
  private final OutcomeSink outcomes;
  private ArrayList<Object> adding = new ArrayList<>(INITIAL_CAPACITY); // the lane's only
  private ArrayList<Object> handedOver = new ArrayList<>(INITIAL_CAPACITY); // guarded by this
  private boolean scheduled; // guarded by this: a task of this lane is queued or running

  Outbox(String laneKey, Executor executor, OutcomeSink outcomes) {
    this.laneKey = laneKey;
    this.executor = executor;
    this.outcomes = outcomes;
  }

  /** Queues {@code callback}; it runs after {@link #flush}. Called by the lane only. */
  void add(Runnable callback) {
    adding.add(callback);
  }

  /** Queues the outcome {@code deliver} gives its event. Called by the lane only. */
  void outcome(Effect.Deliver deliver) {
    adding.add(deliver);
  }

  /** Hands what is queued to the executor, unless a task of this lane is on its way already. */
  void flush() {
    if (adding.isEmpty()) {
      return;
    }
    boolean schedule;
    synchronized (this) {
      if (handedOver.isEmpty()) {
        ArrayList<Object> empty = handedOver;
        handedOver = adding;
        adding = empty;
      } else {
        for (int i = 0; i < adding.size(); i++) { // not addAll: it copies the list into an array
          handedOver.add(adding.get(i));
        }
        adding = adding.size() > KEPT_CAPACITY ? new ArrayList<>(INITIAL_CAPACITY) : clear(adding);
      }
      schedule = !scheduled;
      scheduled = true;
    }
    if (schedule) {
      executor.execute(this);
    }
  }

  @Override
  public void run() {
    ArrayList<Object> running = RUNNING.get();
    if (!running.isEmpty()) { // this task runs inside another one's callback: not its list
      running = new ArrayList<>(INITIAL_CAPACITY);
    }
    while (true) {
      synchronized (this) {
        if (handedOver.isEmpty()) {
          scheduled = false;
          return;
        }
        for (int i = 0; i < handedOver.size(); i++) {
          running.add(handedOver.get(i));
        }
        handedOver =
            handedOver.size() > KEPT_CAPACITY
                ? new ArrayList<>(INITIAL_CAPACITY)
                : clear(handedOver);
      }
      try {
        for (int i = 0; i < running.size(); i++) {
          run(running.get(i));
        }
      } finally {
        if (running.size() > KEPT_CAPACITY) {
          RUNNING.remove(); // a burst's list is not kept
        }
        running.clear();
      }
    }
  }

  private void run(Object item) {
    try {
      if (item instanceof Effect.Deliver deliver) {
        outcomes.outcome(deliver.job(), deliver.outcome());
      } else {
        ((Runnable) item).run();
      }
    } catch (RuntimeException e) {
      new LaneLogger(LOG, laneKey, null).warn("an outcome callback failed", e);
    }
  }

  private static ArrayList<Object> clear(ArrayList<Object> list) {
    list.clear();
    return list;
  }
}
