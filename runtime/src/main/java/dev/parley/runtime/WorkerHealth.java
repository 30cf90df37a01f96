package dev.parley.runtime;

import java.util.Locale;

/** The state of one lane's worker, as the monitor shows it. */
public enum WorkerHealth {
  /** Spawned, not yet running its first event. */
  STARTING,
  /** Idle and ready. */
  HEALTHY,
  /** Running an event. */
  BUSY;

  /** The lower-case name used in JSON and the monitor. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
