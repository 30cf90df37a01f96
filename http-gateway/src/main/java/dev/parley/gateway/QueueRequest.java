package dev.parley.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.gateway.EventRequest.BadRequest;
import dev.parley.runtime.Priority;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The bodies of the queue controls, checked field by field like {@link EventRequest}: a {@link
 * BadRequest} names the field.
 */
final class QueueRequest {
  private QueueRequest() {}

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
