package dev.parley.runtime.journal;

/**
 * Hears what the journal does ({@code parley.durability = journal}), for metrics: register with
 * {@code ParleyBuilder.journalListener}. Called from the lanes' threads: keep it short and
 * non-blocking.
 */
public interface JournalListener {
  /** A lane wrote {@code events} lane events in one write, which took {@code nanos}. */
  default void onWrite(int events, long nanos) {}

  /** A write or a recovery failed: the journal's database is unavailable. */
  default void onFailure(Throwable error) {}

  /** At start, {@code lanes} lanes recovered from the journal in {@code nanos}. */
  default void onStartupRecovery(int lanes, long nanos) {}

  /** An event that was running when the runtime stopped runs again after the restart. */
  default void onRedelivery(String laneKey, String eventId) {}
}
