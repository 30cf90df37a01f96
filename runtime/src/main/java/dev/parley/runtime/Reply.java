package dev.parley.runtime;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import dev.parley.runtime.internal.PlainValueDeserializer;
import java.util.Objects;

/** What a handler answers for one event. The value may be any object, or {@code null}. */
public final class Reply {
  private static final Reply EMPTY = new Reply(null);

  @JsonProperty("value")
  private final Object value;

  private Reply(Object value) {
    this.value = value;
  }

  @JsonCreator
  private static Reply fromJournal(
      @JsonProperty("value") @JsonDeserialize(using = PlainValueDeserializer.class) Object value) {
    return of(value);
  }

  /** A reply carrying {@code value}; {@code null} gives {@link #empty()}. */
  public static Reply of(Object value) {
    return value == null ? EMPTY : new Reply(value);
  }

  /** A reply without a value, for handlers that only act. */
  public static Reply empty() {
    return EMPTY;
  }

  @JsonIgnore
  public Object value() {
    return value;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Reply r && Objects.equals(value, r.value);
  }

  @Override
  public int hashCode() {
    return Objects.hashCode(value);
  }

  @Override
  public String toString() {
    return "Reply[" + value + "]";
  }
}
