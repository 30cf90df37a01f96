package dev.parley.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.gateway.EventRequest.BadRequest;
import dev.parley.runtime.Priority;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The bodies of the queue controls, checked field by field like {@link EventRequest}: a {@link
 * BadRequest} names the field.
 */
final class QueueRequest {
  private QueueRequest() {}

  /** One event named by its space and id. */
  record Named(String spaceId, String id) {}

  /**
   * The event ids of {@code {"ids": [id, …]}}, without repeats, in their order; empty when the body
   * has no {@code ids} and {@code required} is false.
   */
  static Optional<List<String>> ids(String body, boolean required) {
    if (body.isBlank() && !required) {
      return Optional.empty(); // a POST without a body: as {}
    }
    JsonNode ids = EventRequest.object(body, Set.of("ids")).get("ids");
    if (ids == null || ids.isNull()) {
      if (required) {
        throw new BadRequest("ids: required, an array of event ids");
      }
      return Optional.empty();
    }
    List<String> list = new ArrayList<>();
    for (JsonNode id : array(ids, "ids: must be an array of event ids")) {
      if (!id.isTextual() || id.asText().isEmpty()) {
        throw new BadRequest("ids: must be an array of event ids (non-empty strings)");
      }
      list.add(id.asText());
    }
    return Optional.of(List.copyOf(new LinkedHashSet<>(list)));
  }

  /** The events of {@code {"ids": [{"spaceId", "id"}, …]}}, without repeats, in their order. */
  static List<Named> named(String body) {
    JsonNode ids = EventRequest.object(body, Set.of("ids")).get("ids");
    String shape = "ids: must be an array of {\"spaceId\", \"id\"} objects";
    Set<Named> named = new LinkedHashSet<>();
    for (JsonNode item : array(ids, shape)) {
      JsonNode space = item.get("spaceId");
      JsonNode id = item.get("id");
      if (!item.isObject()
          || item.size() != 2
          || space == null
          || !space.isTextual()
          || id == null
          || !id.isTextual()) {
        throw new BadRequest(shape);
      }
      named.add(new Named(space.asText(), id.asText()));
    }
    return List.copyOf(named);
  }

  private static JsonNode array(JsonNode node, String message) {
    if (node == null || !node.isArray() || node.isEmpty()) {
      throw new BadRequest(message + ", not empty");
    }
    return node;
  }

  /** {@code PUT /v1/groups/{group}}: {@code {"maxParallel": n}}, n at least 1. */
  static int maxParallel(String body) {
    JsonNode node = EventRequest.object(body, Set.of("maxParallel")).get("maxParallel");
    if (node == null
        || !node.canConvertToExactIntegral()
        || !node.canConvertToInt()
        || node.asInt() < 1) {
      throw new BadRequest("maxParallel: must be an integer 1 or more");
    }
    return node.asInt();
  }

  /** {@code PATCH /v1/spaces/{spaceId}/events/{id}}: {@code {"priority"?, "position"?}}. */
  record Change(Optional<Priority> priority, OptionalInt position) {
    static Change parse(String body) {
      JsonNode root = EventRequest.object(body, Set.of("priority", "position"));
      Optional<Priority> priority = EventRequest.text(root, "priority").map(EventRequest::priority);
      OptionalInt position = OptionalInt.empty();
      JsonNode node = root.get("position");
      if (node != null && !node.isNull()) {
        if (!node.canConvertToExactIntegral() || !node.canConvertToInt() || node.asInt() < 0) {
          throw new BadRequest("position: must be an integer 0 or more (0 runs next)");
        }
        position = OptionalInt.of(node.asInt());
      }
      if (priority.isEmpty() && position.isEmpty()) {
        throw new BadRequest("body: give \"priority\", \"position\" or both");
      }
      return new Change(priority, position);
    }
  }
}
