package dev.parley.runtime.lane;

import dev.parley.runtime.DeadLetter;
import dev.parley.runtime.Event;
import dev.parley.runtime.Outcome;
import dev.parley.runtime.Priority;
import dev.parley.runtime.Receipt;
import dev.parley.runtime.admission.AdmissionQueue;
import java.time.Duration;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * What a {@link LaneDecider} asks its shell to do. {@link EffectRunner} carries them out through
 * interfaces, so that the same decision completes a future in one JVM and sends a message across a
 * cluster.
 */
public sealed interface Effect {

  /** Tell the submitter its event is accepted. */
  record Accept(Job job, Receipt receipt) implements Effect {}

  /** The event reached the lane but is refused: it was never accepted after all. */
  record Refuse(Job job, boolean wantsReceipt, String reason, long retryAfterMs)
      implements Effect {}

  /**
   * Give an accepted event its outcome. {@code startedAtNanos} is -1 when it never started; {@code
   * redelivered} when it ran again after a restart.
   */
  record Deliver(
      Job job,
      Outcome outcome,
      int attempts,
      long startedAtNanos,
      long finishedAtNanos,
      boolean redelivered)
      implements Effect {}

  /** Wait for a permit of the global cap with the rank of the lane's next event. */
  record RequestPermit(Priority priority, String tenant) implements Effect {
    static RequestPermit of(Event next) {
      return new RequestPermit(next.priority(), next.tenant().orElse(AdmissionQueue.SHARED));
    }
  }

  enum ReleasePermit implements Effect {
    INSTANCE
  }

  enum WithdrawPermit implements Effect {
    INSTANCE
  }

  /** Call the handler for {@code attempt}; its result comes back tagged {@code run}. */
  record RunAttempt(Attempt attempt, long run) implements Effect {}

  /** Cancel the live attempt's stage and tell its context. */
  enum CancelAttempt implements Effect {
    INSTANCE
  }

  /** Call the handler's rollback for the interrupted {@code attempt}. */
  record RunRollback(Attempt attempt) implements Effect {}

  /** The lane's timers: one of each kind at a time. */
  enum Timer {
    TIMEOUT,
    RETRY,
    IDLE,
    BACKOFF
  }

  record StartTimer(Timer timer, LaneCommand message, Duration delay) implements Effect {}

  record CancelTimer(Timer timer) implements Effect {}

  record DeadLetterEvent(DeadLetter letter) implements Effect {}

  /** The running event enters (+1) or leaves (-1) the runtime's in-flight count. */
  record InFlight(int delta) implements Effect {}

  /** Restart the handler context (a fresh handler) once this decision's effects are done. */
  record RestartHandler(String why) implements Effect {}

  /**
   * A pending event changed (its priority): look-ups by id answer with {@code after} from now on.
   */
  record Replaced(Event before, Event after) implements Effect {}

  /** Reply to a query. */
  record Reply<T>(ActorRef<T> to, T message) implements Effect {}

  /** Tell whoever waits for the drain that the lane is idle. */
  record ReportDrained(ActorRef<LaneCommand.Drained> to) implements Effect {}

  /** Stop the worker: the lane has been idle for its idle timeout. */
  enum Passivate implements Effect {
    INSTANCE
  }

  /** Log a warning about the lane (and, when not null, one of its events). */
  record Warn(String eventId, String message, Throwable error) implements Effect {}
}
