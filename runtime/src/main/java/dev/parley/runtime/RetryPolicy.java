package dev.parley.runtime;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * How often and how soon a failed or timed-out event is tried again. A retried event keeps its
 * place: its lane waits for it, because conversation order is the point. After the last attempt of
 * a retryable failure the event is dead-lettered; a failure that is not retryable ends the event at
 * once ({@link Outcome.Failed} or {@link Outcome.TimedOut}).
 *
 * <p>The backoff before attempt {@code n + 1} is {@code min(maxBackoff, initialBackoff ×
 * multiplier^(n-1))}, spread by ± {@code jitter} (a fraction, 0.2 = ±20 %).
 */
@JsonAutoDetect(
    fieldVisibility = JsonAutoDetect.Visibility.ANY,
    getterVisibility = JsonAutoDetect.Visibility.NONE,
    isGetterVisibility = JsonAutoDetect.Visibility.NONE)
public final class RetryPolicy {
  /** By default every exception is retryable except these and their subclasses. */
  public static final Predicate<Throwable> DEFAULT_RETRYABLE =
      error ->
          !(error instanceof NonRetryableException) && !(error instanceof IllegalArgumentException);

  private static final RetryPolicy NONE =
      new RetryPolicy(1, Duration.ZERO, Duration.ZERO, 1.0, 0.0, DEFAULT_RETRYABLE);

  private final int maxAttempts;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final double multiplier;
  private final double jitter;
  @JsonIgnore private final Predicate<Throwable> retryable; // not journaled: see fromJournal

  private RetryPolicy(
      int maxAttempts,
      Duration initialBackoff,
      Duration maxBackoff,
      double multiplier,
      double jitter,
      Predicate<Throwable> retryable) {
    this.maxAttempts = maxAttempts;
    this.initialBackoff = initialBackoff;
    this.maxBackoff = maxBackoff;
    this.multiplier = multiplier;
    this.jitter = jitter;
    this.retryable = retryable;
  }

  /**
   * The journal's way back to a policy: its numbers; a custom {@code retryable} predicate cannot be
   * journaled, and after a restart {@link #DEFAULT_RETRYABLE} applies.
   */
  @JsonCreator
  private static RetryPolicy fromJournal(
      @JsonProperty("maxAttempts") int maxAttempts,
      @JsonProperty("initialBackoff") Duration initialBackoff,
      @JsonProperty("maxBackoff") Duration maxBackoff,
      @JsonProperty("multiplier") double multiplier,
      @JsonProperty("jitter") double jitter) {
    return new RetryPolicy(
        maxAttempts, initialBackoff, maxBackoff, multiplier, jitter, DEFAULT_RETRYABLE);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof RetryPolicy p
        && maxAttempts == p.maxAttempts
        && initialBackoff.equals(p.initialBackoff)
        && maxBackoff.equals(p.maxBackoff)
        && multiplier == p.multiplier
        && jitter == p.jitter
        && retryable == p.retryable;
  }

  @Override
  public int hashCode() {
    return Objects.hash(maxAttempts, initialBackoff, maxBackoff, multiplier, jitter);
  }

  /** One attempt, no retry: the runtime's default. */
  public static RetryPolicy none() {
    return NONE;
  }

  public static Builder builder() {
    return new Builder();
  }

  public int maxAttempts() {
    return maxAttempts;
  }

  public Duration initialBackoff() {
    return initialBackoff;
  }

  public Duration maxBackoff() {
    return maxBackoff;
  }

  public double multiplier() {
    return multiplier;
  }

  public double jitter() {
    return jitter;
  }

  /** Whether retries are on at all (more than one attempt). */
  public boolean retries() {
    return maxAttempts > 1;
  }

  public boolean isRetryable(Throwable error) {
    return retryable.test(error);
  }

  /** Whether an event whose attempt {@code attempt} failed with {@code error} runs again. */
  public boolean shouldRetry(int attempt, Throwable error) {
    return attempt < maxAttempts && isRetryable(error);
  }

  /**
   * The wait before the attempt after {@code failedAttempt}; {@code random} in [0, 1) spreads it.
   */
  public Duration backoff(int failedAttempt, double random) {
    double base = initialBackoff.toNanos() * Math.pow(multiplier, Math.max(0, failedAttempt - 1));
    double capped = Math.min(base, maxBackoff.toNanos());
    double spread = capped * (1 + jitter * (2 * random - 1));
    return Duration.ofNanos((long) Math.max(0, Math.min(spread, maxBackoff.toNanos())));
  }

  @Override
  public String toString() {
    return "RetryPolicy[maxAttempts="
        + maxAttempts
        + ", initialBackoff="
        + initialBackoff
        + ", maxBackoff="
        + maxBackoff
        + ", multiplier="
        + multiplier
        + ", jitter="
        + jitter
        + "]";
  }

  /** Builds a {@link RetryPolicy}; {@link #build()} validates it. */
  public static final class Builder {
    private int maxAttempts = 3;
    private Duration initialBackoff = Duration.ofMillis(200);
    private Duration maxBackoff = Duration.ofSeconds(10);
    private double multiplier = 2.0;
    private double jitter = 0.2;
    private Predicate<Throwable> retryable = DEFAULT_RETRYABLE;

    private Builder() {}

    /** Attempts in all, the first included (default 3). */
    public Builder maxAttempts(int maxAttempts) {
      this.maxAttempts = maxAttempts;
      return this;
    }

    /** Wait before the second attempt (default 200 ms). */
    public Builder initialBackoff(Duration initialBackoff) {
      this.initialBackoff = initialBackoff;
      return this;
    }

    /** The longest wait between attempts (default 10 s). */
    public Builder maxBackoff(Duration maxBackoff) {
      this.maxBackoff = maxBackoff;
      return this;
    }

    /** Growth of the wait from one attempt to the next (default 2). */
    public Builder multiplier(double multiplier) {
      this.multiplier = multiplier;
      return this;
    }

    /** Random spread of each wait, a fraction in [0, 1] (default 0.2). */
    public Builder jitter(double jitter) {
      this.jitter = jitter;
      return this;
    }

    /** Which errors are worth another attempt (default {@link #DEFAULT_RETRYABLE}). */
    public Builder retryable(Predicate<Throwable> retryable) {
      this.retryable = retryable;
      return this;
    }

    /**
     * @throws IllegalArgumentException naming the field, when a value is out of range
     */
    public RetryPolicy build() {
      if (maxAttempts < 1) {
        throw new IllegalArgumentException("maxAttempts: must be at least 1, got " + maxAttempts);
      }
      requireNonNegative("initialBackoff", initialBackoff);
      requireNonNegative("maxBackoff", maxBackoff);
      if (maxBackoff.compareTo(initialBackoff) < 0) {
        throw new IllegalArgumentException("maxBackoff: must not be below initialBackoff");
      }
      if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
        throw new IllegalArgumentException("multiplier: must be at least 1, got " + multiplier);
      }
      if (!(jitter >= 0.0 && jitter <= 1.0)) {
        throw new IllegalArgumentException("jitter: must be in [0, 1], got " + jitter);
      }
      Objects.requireNonNull(retryable, "retryable");
      return new RetryPolicy(
          maxAttempts, initialBackoff, maxBackoff, multiplier, jitter, retryable);
    }

    private static void requireNonNegative(String field, Duration value) {
      if (value == null || value.isNegative()) {
        throw new IllegalArgumentException(field + ": must be zero or positive, got " + value);
      }
    }
  }
}
