package dev.parley.gateway;

import java.util.List;

/**
 * The route template of a request path ({@code /v1/spaces/{spaceId}/events/{id}}), for the HTTP
 * metrics: labelled by the raw path, every space and event id would make series of its own.
 */
final class RouteTemplates {
  /** The label of a path that no route serves. */
  static final String OTHER = "other";

  /** Every route's path, as in openapi.json. */
  static final List<String> TEMPLATES =
      List.of(
          "/healthz",
          "/readyz",
          "/openapi.json",
          "/metrics",
          "/v1/spaces/{spaceId}",
          "/v1/spaces/{spaceId}/events",
          "/v1/spaces/{spaceId}/events/{id}",
          "/v1/spaces/{spaceId}/events/{id}/move",
          "/v1/spaces/{spaceId}/pause",
          "/v1/spaces/{spaceId}/resume",
          "/v1/spaces/{spaceId}/stream",
          "/v1/spaces/{spaceId}/cancel",
          "/v1/spaces/{spaceId}/order",
          "/v1/cancel",
          "/v1/export",
          "/v1/groups/{group}",
          "/v1/dead-letters",
          "/v1/dead-letters/{id}/redrive",
          "/v1/admin/pause",
          "/v1/admin/resume",
          "/v1/admin/emergency-stop",
          "/monitor",
          "/monitor/ws");

  private static final List<String[]> SHAPES =
      TEMPLATES.stream().map(template -> template.split("/", -1)).toList();

  private RouteTemplates() {}

  /**
   * The template matching {@code path} (still percent-encoded, so that an encoded slash stays
   * inside its segment), or {@link #OTHER}.
   */
  static String of(String path) {
    String[] segments = path.split("/", -1);
    for (int i = 0; i < SHAPES.size(); i++) {
      if (matches(SHAPES.get(i), segments)) {
        return TEMPLATES.get(i);
      }
    }
    return OTHER;
  }

  private static boolean matches(String[] shape, String[] segments) {
    if (shape.length != segments.length) {
      return false;
    }
    for (int i = 0; i < shape.length; i++) {
      boolean parameter = shape[i].startsWith("{");
      if (parameter ? segments[i].isEmpty() : !shape[i].equals(segments[i])) {
        return false;
      }
    }
    return true;
  }
}
