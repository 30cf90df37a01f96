package dev.parley.runtime.internal;

import dev.parley.runtime.DeadLetter;
import dev.parley.runtime.journal.RuntimeJournal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;

/**
 * The bounded store of dead-lettered events, by event id: when full, the oldest entry is dropped
 * and counted. Written by workers, read by operators; both are rare, so a lock is enough.
 */
public final class DeadLetterStore {
  private final int maxEntries;
  private final LinkedHashMap<String, DeadLetter> entries = new LinkedHashMap<>();
  private long dropped;
  private RuntimeJournal.Sink journal = (change, wait) -> {}; // journal = none

  /**
   * Has every change from now on journaled through {@code journal}, after filling the store with
   * {@code recovered} (the journal's letters, oldest first). An operator's change (a redrive, a
   * purge) returns once it is written; a lane's new letter does not wait.
   */
  public synchronized void journaled(List<DeadLetter> recovered, RuntimeJournal.Sink journal) {
    recovered.forEach(letter -> entries.put(letter.event().id(), letter));
    this.journal = journal;
  }

  public DeadLetterStore(int maxEntries) {
    this.maxEntries = maxEntries;
  }

  public synchronized void add(DeadLetter letter) {
    entries.remove(letter.event().id()); // a redriven event that failed again moves to the end
    entries.put(letter.event().id(), letter);
    journal.record(new RuntimeJournal.DeadLetterAdded(letter), false);
    if (entries.size() > maxEntries) {
      String oldest = entries.keySet().iterator().next();
      entries.remove(oldest);
      dropped++;
    }
  }

  /** Every entry, newest first. */
  public synchronized List<DeadLetter> list() {
    List<DeadLetter> all = new ArrayList<>(entries.values());
    Collections.reverse(all);
    return all;
  }

  /** Removes and returns the entry of {@code eventId}. */
  public synchronized Optional<DeadLetter> take(String eventId) {
    DeadLetter taken = entries.remove(eventId);
    if (taken != null) {
      journal.record(new RuntimeJournal.DeadLetterTaken(eventId), true);
    }
    return Optional.ofNullable(taken);
  }

  /** Removes every entry and returns how many there were. */
  public synchronized int purge() {
    int count = entries.size();
    entries.clear();
    journal.record(new RuntimeJournal.DeadLettersPurged(count), true);
    return count;
  }

  public synchronized int size() {
    return entries.size();
  }

  /** Entries dropped because the store was full, since start. */
  public synchronized long dropped() {
    return dropped;
  }
}
