package dev.parley.runtime.lane;

import dev.parley.runtime.Event;
import java.time.Instant;
import java.util.List;

/**
 * The event a lane runs (with the events of its batch, under COALESCE), and where its attempts
 * stand. Immutable: lane events replace it.
 *
 * @param members the events it answers for, the head first
 * @param number the current attempt, from 1
 * @param startedAtNanos when its first attempt started
 * @param firstFailureAt when its first attempt failed; null before
 * @param interruptReason why an operator or a newer event interrupted it; null when none did
 * @param rollback undo its effects once interrupted (ROLLBACK policy)
 * @param retryPending waiting for the backoff before its next attempt
 * @param redelivered it was running when the runtime stopped, and runs again after a restart
 */
public record Attempt(
    List<Job> members,
    int number,
    long startedAtNanos,
    Instant firstFailureAt,
    String interruptReason,
    boolean rollback,
    boolean retryPending,
    boolean redelivered) {

  public Job head() {
    return members.get(0);
  }

  public String id() {
    return head().id();
  }

  /** What the handler gets: the head's event, or the batch it leads. */
  public Event handled() {
    if (members.size() == 1) {
      return head().event();
    }
    return Event.coalesced(members.stream().map(Job::event).toList());
  }

  Attempt interrupted(String reason, boolean withRollback) {
    return new Attempt(
        members,
        number,
        startedAtNanos,
        firstFailureAt,
        reason,
        withRollback,
        retryPending,
        redelivered);
  }

  Attempt retrying(int next, Instant firstFailure) {
    return new Attempt(
        members, next, startedAtNanos, firstFailure, interruptReason, rollback, true, redelivered);
  }

  Attempt resumed() {
    return new Attempt(
        members,
        number,
        startedAtNanos,
        firstFailureAt,
        interruptReason,
        rollback,
        false,
        redelivered);
  }

  /** After a restart: attempt {@code next} runs it again. */
  Attempt redelivered(int next) {
    return new Attempt(
        members, next, startedAtNanos, firstFailureAt, interruptReason, rollback, true, true);
  }

  /** The same attempt, with its jobs' local facts re-made after a restart. */
  Attempt rebased(java.util.function.UnaryOperator<Job> rebase, long nowNanos) {
    return new Attempt(
        members.stream().map(rebase).toList(),
        number,
        nowNanos,
        firstFailureAt,
        interruptReason,
        rollback,
        retryPending,
        redelivered);
  }
}
