package dev.parley.runtime;

/** How urgent an event is: {@code P0} is the highest, {@code P3} the lowest. */
public enum Priority {
  P0,
  P1,
  P2,
  P3;

  /** The priority of events that do not name one. */
  public static final Priority DEFAULT = P2;
}
