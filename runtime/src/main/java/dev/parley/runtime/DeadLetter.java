package dev.parley.runtime;

import java.time.Instant;

/**
 * An event that failed on its last attempt, kept so an operator can see it and {@link
 * Parley#redrive(String) redrive} it.
 *
 * @param event the event as it was submitted
 * @param laneKey its lane
 * @param error the error of the last attempt
 * @param attempts how many attempts were made
 * @param firstFailureAt when the first attempt failed
 * @param lastFailureAt when the last attempt failed
 */
public record DeadLetter(
    Event event,
    String laneKey,
    Outcome.Error error,
    int attempts,
    Instant firstFailureAt,
    Instant lastFailureAt) {}
