package dev.parley.runtime;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import dev.parley.runtime.internal.GroupLanes;
import dev.parley.runtime.internal.PlainValueDeserializer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * One incoming message for a conversation. Immutable. Events of one lane (the group if set, else
 * the space id) are handled one at a time, in the order Parley accepted them.
 */
@JsonAutoDetect(
    fieldVisibility = JsonAutoDetect.Visibility.ANY,
    getterVisibility = JsonAutoDetect.Visibility.NONE,
    isGetterVisibility = JsonAutoDetect.Visibility.NONE)
public final class Event {
  /** What a space id and a group name may look like. */
  public static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:@-]{1,128}");

  /** The longest event id accepted. */
  public static final int MAX_ID_LENGTH = 128;

  private final String id;
  private final boolean idGiven;
  private final String spaceId;
  private final String group;
  private final String lane; // null: the group, else the space; set for a space of a parallel group
  private final Priority priority;
  private final String tenant;
  private final Object payload;
  private final Map<String, String> attributes;
  private final Duration timeout;
  private final RetryPolicy retryPolicy;
  private final DoubleTextPolicy policy;
  @JsonIgnore private final List<Event> batch; // never journaled: a lane journals the raw events

  /** The journal's way back to an event (the builder's checks were passed when it was made). */
  @JsonCreator
  private Event(
      @JsonProperty("id") String id,
      @JsonProperty("idGiven") boolean idGiven,
      @JsonProperty("spaceId") String spaceId,
      @JsonProperty("group") String group,
      @JsonProperty("lane") String lane,
      @JsonProperty("priority") Priority priority,
      @JsonProperty("tenant") String tenant,
      @JsonProperty("payload") @JsonDeserialize(using = PlainValueDeserializer.class)
          Object payload,
      @JsonProperty("attributes") Map<String, String> attributes,
      @JsonProperty("timeout") Duration timeout,
      @JsonProperty("retryPolicy") RetryPolicy retryPolicy,
      @JsonProperty("policy") DoubleTextPolicy policy) {
    this.id = id;
    this.idGiven = idGiven;
    this.spaceId = spaceId;
    this.group = group;
    this.lane = lane;
    this.priority = priority;
    this.tenant = tenant;
    this.payload = payload;
    this.attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
    this.timeout = timeout;
    this.retryPolicy = retryPolicy;
    this.policy = policy;
    this.batch = null;
  }

  private Event(Builder b) {
    this.id = b.id != null ? b.id : newId();
    this.idGiven = b.id != null;
    this.spaceId = b.spaceId;
    this.group = b.group;
    this.lane = null;
    this.priority = b.priority;
    this.tenant = b.tenant;
    this.payload = b.payload;
    this.attributes = b.attributes == null ? Map.of() : Map.copyOf(b.attributes);
    this.timeout = b.timeout;
    this.retryPolicy = b.retryPolicy;
    this.policy = b.policy;
    this.batch = null;
  }

  /** A coalesced batch: the newest event's fields, and every event of the batch in order. */
  private Event(Event newest, List<Event> batch) {
    this.id = newest.id;
    this.idGiven = newest.idGiven;
    this.spaceId = newest.spaceId;
    this.group = newest.group;
    this.lane = newest.lane;
    this.priority = newest.priority;
    this.tenant = newest.tenant;
    this.payload = newest.payload;
    this.attributes = newest.attributes;
    this.timeout = newest.timeout;
    this.retryPolicy = newest.retryPolicy;
    this.policy = newest.policy;
    this.batch = List.copyOf(batch);
  }

  /**
   * The events handed to the handler together under {@link DoubleTextPolicy#COALESCE}, oldest
   * first; this event alone otherwise. A batch carries the newest event's id, space and payload.
   */
  public List<Event> batch() {
    return batch != null ? batch : List.of(this);
  }

  /** Makes the batch event a lane hands its handler when it coalesces {@code events}. */
  public static Event coalesced(List<Event> events) {
    if (events.isEmpty()) {
      throw new IllegalArgumentException("events: a batch needs at least one event");
    }
    return new Event(events.get(events.size() - 1), events);
  }

  /** Starts an event for the space {@code spaceId}; {@link Builder#build()} validates it. */
  public static Builder to(String spaceId) {
    return new Builder(spaceId);
  }

  public String id() {
    return id;
  }

  /** Whether {@code value} is a valid space id or group name ({@link #NAME}). */
  public static boolean isName(String value) {
    return EventNames.isName(value);
  }

  /** Whether the id came from the caller (only such ids can repeat; generated ones cannot). */
  boolean hasGivenId() {
    return idGiven;
  }

  public String spaceId() {
    return spaceId;
  }

  public Optional<String> group() {
    return Optional.ofNullable(group);
  }

  /**
   * The unit of ordering: the group if the event has one, else the space id; for a space of a
   * parallel group ({@code parley.groups."<name>".max-parallel}) the space's lane in that group,
   * {@code group/space}.
   */
  public String laneKey() {
    return lane != null ? lane : group != null ? group : spaceId;
  }

  public Priority priority() {
    return priority;
  }

  /**
   * The tenant whose turns its lane waits in for a permit of the global cap; empty: the shared one.
   */
  public Optional<String> tenant() {
    return Optional.ofNullable(tenant);
  }

  public Object payload() {
    return payload;
  }

  public Map<String, String> attributes() {
    return attributes;
  }

  /** This event's handler timeout, overriding {@code parley.worker.handler-timeout}. */
  public Optional<Duration> timeout() {
    return Optional.ofNullable(timeout);
  }

  /** This event's retry policy, overriding the runtime's. */
  public Optional<RetryPolicy> retryPolicy() {
    return Optional.ofNullable(retryPolicy);
  }

  /** This event's double-text policy, overriding its space's and the runtime's. */
  public Optional<DoubleTextPolicy> policy() {
    return Optional.ofNullable(policy);
  }

  /**
   * This event in the concurrency group {@code newGroup}: what one-lane mode ({@code
   * parley.concurrency.enabled = off}) makes of every event. Its own group, if any, is replaced.
   */
  public Event withGroup(String newGroup) {
    if (!isName(newGroup)) {
      throw new IllegalArgumentException("group: must match " + NAME.pattern());
    }
    return newGroup.equals(group) ? this : copy(newGroup, null, priority);
  }

  /**
   * This event in its space's own lane of its group, {@code group/space}: what a parallel group
   * makes of its events, so that its spaces run side by side, each in order.
   */
  public Event inSpaceLaneOfGroup() {
    if (group == null) {
      throw new IllegalStateException("event " + id + " has no group");
    }
    return copy(group, GroupLanes.laneOf(group, spaceId), priority);
  }

  /** This event with another priority: what {@code Parley.reprioritize} makes of a pending one. */
  public Event withPriority(Priority newPriority) {
    return copy(group, lane, Objects.requireNonNull(newPriority, "priority"));
  }

  private Event copy(String newGroup, String newLane, Priority newPriority) {
    return new Event(
        id,
        idGiven,
        spaceId,
        newGroup,
        newLane,
        newPriority,
        tenant,
        payload,
        attributes,
        timeout,
        retryPolicy,
        policy);
  }

  /** Events are equal when every field is: what the journal gives back equals what it took. */
  @Override
  public boolean equals(Object other) {
    return other instanceof Event e
        && id.equals(e.id)
        && idGiven == e.idGiven
        && spaceId.equals(e.spaceId)
        && Objects.equals(group, e.group)
        && Objects.equals(lane, e.lane)
        && priority == e.priority
        && Objects.equals(tenant, e.tenant)
        && Objects.equals(payload, e.payload)
        && attributes.equals(e.attributes)
        && Objects.equals(timeout, e.timeout)
        && Objects.equals(retryPolicy, e.retryPolicy)
        && policy == e.policy
        && Objects.equals(batch, e.batch);
  }

  @Override
  public int hashCode() {
    return id.hashCode();
  }

  @Override
  public String toString() {
    return "Event[id=" + id + ", lane=" + laneKey() + ", space=" + spaceId + "]";
  }

  /** A version 4 UUID, without {@link UUID#randomUUID()}'s shared lock: ids are not secrets. */
  private static String newId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long high = (random.nextLong() & ~0xF000L) | 0x4000L;
    long low = (random.nextLong() & ~(0xC0L << 56)) | (0x80L << 56);
    return new UUID(high, low).toString();
  }

  /** Builds an {@link Event}; every setter may be called at most once per field, last one wins. */
  public static final class Builder {
    private final String spaceId;
    private String id;
    private String group;
    private Priority priority = Priority.DEFAULT;
    private String tenant;
    private Object payload;
    private Map<String, String> attributes;
    private Duration timeout;
    private RetryPolicy retryPolicy;
    private DoubleTextPolicy policy;

    private Builder(String spaceId) {
      this.spaceId = spaceId;
    }

    /** The idempotency key; a random UUID when not set. */
    public Builder id(String id) {
      this.id = id;
      return this;
    }

    /** Puts the event's space into a concurrency group: one ordered lane for all its spaces. */
    public Builder group(String group) {
      this.group = group;
      return this;
    }

    public Builder priority(Priority priority) {
      this.priority = Objects.requireNonNull(priority, "priority");
      return this;
    }

    /**
     * Whose share of the global cap its lane waits in ({@code parley.admission.tenant-weights}).
     */
    public Builder tenant(String tenant) {
      this.tenant = tenant;
      return this;
    }

    public Builder payload(Object payload) {
      this.payload = payload;
      return this;
    }

    public Builder attribute(String key, String value) {
      if (key == null || value == null) {
        throw new IllegalArgumentException("attribute: key and value must not be null");
      }
      if (attributes == null) {
        attributes = new LinkedHashMap<>();
      }
      attributes.put(key, value);
      return this;
    }

    /** How long the handler may take for this event (positive). */
    public Builder timeout(Duration timeout) {
      if (timeout == null || timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout: must be positive, got " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /** What happens when this event arrives while its lane is busy. */
    public Builder policy(DoubleTextPolicy policy) {
      this.policy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /** How this event is retried, overriding the runtime's policy. */
    public Builder retryPolicy(RetryPolicy retryPolicy) {
      this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
      return this;
    }

    /**
     * @throws IllegalArgumentException naming the field, when the space id, group or id is not
     *     valid
     */
    public Event build() {
      requireName("spaceId", spaceId);
      if (group != null) {
        requireName("group", group);
      }
      if (tenant != null) {
        requireName("tenant", tenant);
      }
      if (id != null
          && (id.isBlank() || id.length() > MAX_ID_LENGTH || EventNames.hasControlChar(id))) {
        throw new IllegalArgumentException(
            "id: must be 1.."
                + MAX_ID_LENGTH
                + " characters without control characters, got "
                + EventNames.describe(id));
      }
      return new Event(this);
    }

    private static void requireName(String field, String value) {
      if (!EventNames.isName(value)) {
        throw new IllegalArgumentException(
            field + ": must match " + NAME.pattern() + ", got " + EventNames.describe(value));
      }
    }
  }
}
