package dev.parley.runtime;

/**
 * Parley's answer to {@link Parley#enqueue}, as soon as the event was accepted or refused.
 *
 * @param eventId the event
 * @param laneKey its lane
 * @param status whether it was accepted
 * @param positionInLane events of its lane that run before it (0: next), -1 when refused
 * @param positionInAdmission lanes that get a permit of the global cap before its lane, 0 when
 *     there is no cap or the lane holds a permit
 * @param etaMs estimated wait before it starts, in milliseconds (see the README for the formula)
 * @param reason why it was refused ({@code queue-full}, {@code shutting-down}), else null
 * @param retryAfterMs when refused for {@code queue-full}: a suggested wait before trying again
 * @param duplicate true when an event with this id was accepted within the dedup window: this
 *     receipt describes that first event, which is not run twice
 */
public record Receipt(
    String eventId,
    String laneKey,
    Status status,
    int positionInLane,
    int positionInAdmission,
    long etaMs,
    String reason,
    long retryAfterMs,
    boolean duplicate) {

  public enum Status {
    ACCEPTED,
    REJECTED
  }

  /** The receipt of an event refused for {@code reason}. */
  /**
   * The answer to a duplicate of an accepted event: its id, lane, and where the first one is now
   * (position and ETA while it is pending).
   */
  public static Receipt duplicate(Event event, java.util.Optional<EventStatus> first) {
    return new Receipt(
        event.id(),
        event.laneKey(),
        Status.ACCEPTED,
        first.map(EventStatus::positionInLane).orElse(-1),
        0,
        first.map(EventStatus::etaMs).orElse(0L),
        null,
        0,
        true);
  }

  public static Receipt rejected(Event event, String reason, long retryAfterMs) {
    return new Receipt(
        event.id(), event.laneKey(), Status.REJECTED, -1, -1, 0, reason, retryAfterMs, false);
  }

  public boolean accepted() {
    return status == Status.ACCEPTED;
  }
}
