package dev.parley.gateway;

import static java.util.stream.Collectors.toSet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.runtime.Parley;
import dev.parley.runtime.ParleyBuilder;
import dev.parley.runtime.Reply;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** {@code GET /openapi.json} describes exactly the routes the gateway serves. */
class OpenApiTest {
  /** Every route of GatewayRoutes; a new route must be added here and to openapi.json. */
  private static final Set<String> ROUTES =
      Set.of(
          "POST /v1/spaces/{spaceId}/events",
          "GET /v1/spaces/{spaceId}/events/{id}",
          "DELETE /v1/spaces/{spaceId}/events/{id}",
          "PATCH /v1/spaces/{spaceId}/events/{id}",
          "POST /v1/spaces/{spaceId}/cancel",
          "PATCH /v1/spaces/{spaceId}/order",
          "POST /v1/cancel",
          "GET /v1/export",
          "GET /v1/groups/{group}",
          "PUT /v1/groups/{group}",
          "POST /v1/spaces/{spaceId}/events/{id}/move",
          "GET /v1/spaces/{spaceId}",
          "GET /v1/spaces/{spaceId}/stream",
          "POST /v1/spaces/{spaceId}/pause",
          "POST /v1/spaces/{spaceId}/resume",
          "DELETE /v1/dead-letters",
          "GET /v1/dead-letters",
          "POST /v1/dead-letters/{id}/redrive",
          "POST /v1/admin/pause",
          "POST /v1/admin/resume",
          "POST /v1/admin/emergency-stop",
          "GET /healthz",
          "HEAD /healthz",
          "GET /readyz",
          "HEAD /readyz",
          "GET /metrics",
          "GET /openapi.json",
          "GET /monitor",
          "GET /monitor/ws");

  @Test
  void theServedDocumentDeclaresSecurityOnlyWhenAuthIsOn() {
    try (TestGateway open = TestGateway.start(echo())) {
      JsonNode doc = open.get("/openapi.json").assertJson(200);
      for (JsonNode path : doc.path("paths")) {
        for (Map.Entry<String, JsonNode> operation : path.properties()) {
          if (operation.getKey().equals("parameters")) {
            continue;
          }
          assertEquals(
              "[]",
              operation.getValue().path("security").toString(),
              "auth off: no operation needs a token");
        }
      }
      assertTrue(doc.path("components").path("securitySchemes").isMissingNode());
      assertTrue(
          doc.at("/paths/~1v1~1spaces~1{spaceId}~1events/post/responses/401").isMissingNode());
    }
    try (TestGateway secured =
        TestGateway.start(
            echo(),
            "parley.http.auth.enabled = on",
            "parley.http.auth.tokens = [ { token = \"reader-token-0123456789abc\", roles = [read] } ]")) {
      JsonNode doc = secured.get("/openapi.json").assertJson(200);
      assertEquals(
          "bearer",
          doc.at("/paths/~1v1~1spaces~1{spaceId}~1events/post/security/0").fieldNames().next());
      assertFalse(
          doc.at("/paths/~1v1~1spaces~1{spaceId}~1events/post/responses/401").isMissingNode());
      assertEquals("[]", doc.at("/paths/~1metrics/get/security").toString(), "metrics stay open");
      assertEquals("[]", doc.at("/paths/~1healthz/get/security").toString());
    }
  }

  private static ParleyBuilder echo() {
    return Parley.builder()
        .handler((event, lane) -> CompletableFuture.completedFuture(Reply.of("ok")));
  }

  @Test
  void theDocumentListsEveryRouteAndEveryListedRouteIsServed() {
    try (TestGateway gateway =
        TestGateway.start(
            Parley.builder()
                .handler((event, lane) -> CompletableFuture.completedFuture(Reply.of("ok"))))) {
      JsonNode doc = gateway.get("/openapi.json").assertJson(200);

      assertEquals("3.1.0", doc.path("openapi").asText());
      Set<String> documented = new TreeSet<>();
      for (Map.Entry<String, JsonNode> path : doc.path("paths").properties()) {
        for (Iterator<String> methods = path.getValue().fieldNames(); methods.hasNext(); ) {
          String method = methods.next();
          if (!method.equals("parameters")) {
            documented.add(method.toUpperCase(Locale.ROOT) + " " + path.getKey());
          }
        }
      }
      assertEquals(new TreeSet<>(ROUTES), documented);
      assertEquals(
          documented.stream().map(r -> r.substring(r.indexOf(' ') + 1)).collect(toSet()),
          Set.copyOf(RouteTemplates.TEMPLATES),
          "the HTTP metrics' route templates are the documented paths");

      // In a fixed order, in which each pause is resumed before an event could wait on it.
      for (String route : new TreeSet<>(ROUTES)) {
        String method = route.substring(0, route.indexOf(' '));
        String path =
            route
                .substring(route.indexOf(" ") + 1)
                .replace("{spaceId}", "s")
                .replace("{id}", "x")
                .replace("{group}", "g");
        if (path.endsWith("/stream")) {
          try (SseClient stream = SseClient.open(gateway, path)) {
            assertEquals(200, stream.status(), route + " is served");
          }
          continue;
        }
        String body = method.equals("POST") ? "{\"payload\":{\"text\":\"hi\"}}" : null;
        TestGateway.Response response =
            gateway.send(method, path, body == null ? null : "application/json", body);
        assertNotEquals(405, response.status(), route + " is served: " + response);
        assertFalse(
            response.status() == 404 && response.body().contains("no such route"),
            route + " is served: " + response);
      }

      OpenApiConformance.assertConforms(gateway);
    }
  }
}
