package dev.parley.runtime;

import java.util.Locale;

/** The state of one lane's worker, as the monitor shows it. */
public enum WorkerHealth {
  /** Spawned, not yet running its first event. */
  STARTING,
  /** Idle and ready. */
  HEALTHY,
  /** Running an event. */
  BUSY,
  /** Its running event has overrun its timeout, or its handler failed too often in a row. */
  UNHEALTHY,
  /** Its handler context is being restarted by supervision; its queue is kept. */
  RESTARTING,
  /** An operator paused it: it starts no new event until resumed. */
  PAUSED;

  /** The lower-case name used in JSON and the monitor. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
