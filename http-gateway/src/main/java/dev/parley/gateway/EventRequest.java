package dev.parley.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.runtime.DoubleTextPolicy;
import dev.parley.runtime.Event;
import dev.parley.runtime.Priority;
import java.time.Duration;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The body of {@code POST /v1/spaces/{spaceId}/events}, checked field by field: {@code {"id"?,
 * "group"?, "tenant"?, "priority"?, "payload"?, "attributes"?, "timeoutMs"?, "policy"?}}; without a
 * payload the handler gets {@code null} ({@code {}} is a valid body). Anything else is a {@link
 * BadRequest} whose message names the field.
 */
final class EventRequest {
  private static final Set<String> FIELDS =
      Set.of("id", "group", "tenant", "priority", "payload", "attributes", "timeoutMs", "policy");

  /** The longest handler timeout a request may ask for. */
  private static final long MAX_TIMEOUT_MS = Duration.ofHours(1).toMillis();

  /** A request the client must fix; its message becomes the problem's detail. */
  static final class BadRequest extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadRequest(String message) {
      super(message, null, false, false);
    }
  }

  private EventRequest() {}

  /** Parses and validates {@code body} into an event of {@code spaceId}. */
  static Event parse(String spaceId, String body) {
    JsonNode root = object(body, FIELDS);
    try {
      Event.Builder event = Event.to(spaceId);
      text(root, "id").ifPresent(event::id);
      text(root, "group").ifPresent(event::group);
      text(root, "tenant").ifPresent(event::tenant);
      text(root, "priority").ifPresent(p -> event.priority(priority(p)));
      text(root, "policy").ifPresent(p -> event.policy(policy(p)));
      JsonNode timeout = root.get("timeoutMs");
      if (timeout != null && !timeout.isNull()) {
        if (!timeout.canConvertToExactIntegral()
            || !timeout.canConvertToLong()
            || timeout.asLong() < 1
            || timeout.asLong() > MAX_TIMEOUT_MS) {
          throw new BadRequest("timeoutMs: must be an integer from 1 to " + MAX_TIMEOUT_MS);
        }
        event.timeout(Duration.ofMillis(timeout.asLong()));
      }
      JsonNode attributes = root.get("attributes");
      if (attributes != null && !attributes.isNull()) {
        if (!attributes.isObject()) {
          throw new BadRequest("attributes: must be an object of strings");
        }
        for (Map.Entry<String, JsonNode> attribute : attributes.properties()) {
          if (!attribute.getValue().isTextual()) {
            throw new BadRequest("attributes." + attribute.getKey() + ": must be a string");
          }
          event.attribute(attribute.getKey(), attribute.getValue().asText());
        }
      }
      JsonNode payload = root.get("payload");
      event.payload(payload == null ? null : Json.MAPPER.convertValue(payload, Object.class));
      return event.build();
    } catch (IllegalArgumentException e) {
      throw new BadRequest(e.getMessage());
    }
  }

  /** {@code body} as a JSON object with no field outside {@code fields}. */
  static JsonNode object(String body, Set<String> fields) {
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      throw new BadRequest("body: not valid JSON (" + e.getOriginalMessage() + ")");
    }
    if (root == null || !root.isObject()) {
      throw new BadRequest("body: must be a JSON object");
    }
    for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!fields.contains(name)) {
        throw new BadRequest(name + ": unknown field; allowed: " + fields);
      }
    }
    return root;
  }

  static java.util.Optional<String> text(JsonNode root, String field) {
    JsonNode node = root.get(field);
    if (node == null || node.isNull()) {
      return java.util.Optional.empty();
    }
    if (!node.isTextual()) {
      throw new BadRequest(field + ": must be a string");
    }
    return java.util.Optional.of(node.asText());
  }

  static Priority priority(String value) {
    try {
      return Priority.valueOf(value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new BadRequest("priority: must be one of P0, P1, P2, P3, got \"" + value + "\"");
    }
  }

  static DoubleTextPolicy policy(String value) {
    try {
      return DoubleTextPolicy.valueOf(value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new BadRequest(
          "policy: must be one of enqueue, reject, interrupt, coalesce, latest, rollback, got \""
              + value
              + "\"");
    }
  }
}
