package dev.parley.runtime;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.Objects;

/** How an event ended. Every accepted event gets exactly one. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = Outcome.Completed.class, name = "Completed"),
  @JsonSubTypes.Type(value = Outcome.Failed.class, name = "Failed"),
  @JsonSubTypes.Type(value = Outcome.Rejected.class, name = "Rejected"),
  @JsonSubTypes.Type(value = Outcome.TimedOut.class, name = "TimedOut"),
  @JsonSubTypes.Type(value = Outcome.DeadLettered.class, name = "DeadLettered"),
  @JsonSubTypes.Type(value = Outcome.Cancelled.class, name = "Cancelled"),
  @JsonSubTypes.Type(value = Outcome.Interrupted.class, name = "Interrupted")
})
public sealed interface Outcome {
  String eventId();

  /** The handler answered. */
  record Completed(String eventId, Reply reply) implements Outcome {
    public Completed {
      Objects.requireNonNull(eventId, "eventId");
      Objects.requireNonNull(reply, "reply");
    }
  }

  /** The handler threw or returned a failed stage. */
  record Failed(String eventId, Error error) implements Outcome {
    public Failed {
      Objects.requireNonNull(eventId, "eventId");
      Objects.requireNonNull(error, "error");
    }
  }

  /** Parley refused the event before it was queued; {@code reason} is a short code. */
  record Rejected(String eventId, String reason) implements Outcome {
    public Rejected {
      Objects.requireNonNull(eventId, "eventId");
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * The handler did not complete within the event's timeout ({@code parley.worker.handler-timeout}
   * or {@code Event.Builder.timeout}); its stage was cancelled and its late result is ignored.
   */
  record TimedOut(String eventId, java.time.Duration timeout) implements Outcome {
    public TimedOut {
      Objects.requireNonNull(eventId, "eventId");
      Objects.requireNonNull(timeout, "timeout");
    }
  }

  /**
   * The event failed on its last attempt under a retry policy and is kept in the dead letters
   * ({@code Parley.deadLetters()}).
   */
  record DeadLettered(String eventId, Error error, int attempts) implements Outcome {
    public DeadLettered {
      Objects.requireNonNull(eventId, "eventId");
      Objects.requireNonNull(error, "error");
    }
  }

  /**
   * The event was taken out of its queue before it ran: by {@code Parley.cancel}, an operator's
   * emergency stop, or a double-text policy; {@code reason} is a short code.
   */
  record Cancelled(String eventId, String reason) implements Outcome {
    public Cancelled {
      Objects.requireNonNull(eventId, "eventId");
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * The event was stopped before it could finish: by the shutdown drain's timeout ({@code
   * shutdown}), an operator's emergency stop ({@code emergency-stop}), or a newer event under the
   * {@code INTERRUPT} or {@code ROLLBACK} policy ({@code interrupted}); {@code rolledBack} is true
   * when the handler undid its effects.
   */
  record Interrupted(String eventId, String reason, boolean rolledBack) implements Outcome {
    public Interrupted {
      Objects.requireNonNull(eventId, "eventId");
      Objects.requireNonNull(reason, "reason");
    }

    public Interrupted(String eventId, String reason) {
      this(eventId, reason, false);
    }
  }

  /** Why a handler failed: the exception's class name and message. */
  record Error(String type, String message) {
    public Error {
      Objects.requireNonNull(type, "type");
      message = message == null ? "" : message;
    }

    public static Error of(Throwable cause) {
      return new Error(cause.getClass().getName(), cause.getMessage());
    }
  }
}
