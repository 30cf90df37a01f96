package dev.parley.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

/**
 * The OpenAPI document {@code GET /openapi.json} serves: {@code openapi.json} from the jar, made to
 * match the configuration. With auth off no operation needs a token, so none declares security or a
 * 401; with auth on the /v1 operations do, and {@code /metrics} only when {@code
 * parley.http.metrics.require-token} is on.
 */
final class OpenApiDocument {
  private OpenApiDocument() {}

  static byte[] served(GatewaySettings settings) {
    ObjectNode doc = load();
    boolean metricsNeedToken = settings.authEnabled() && settings.metricsRequireToken();
    ObjectNode metrics = (ObjectNode) doc.path("paths").path("/metrics").path("get");
    if (metricsNeedToken) {
      metrics.putArray("security").addObject().putArray("bearer");
    } else {
      ((ObjectNode) metrics.path("responses")).remove("401");
    }
    for (JsonNode path : doc.path("paths")) {
      for (Map.Entry<String, JsonNode> entry : path.properties()) {
        if (entry.getValue() instanceof ObjectNode operation && operation.has("responses")) {
          if (!settings.authEnabled()) {
            operation.remove("security");
            ((ObjectNode) operation.path("responses")).remove("401");
          }
          if (!operation.has("security")) {
            operation.putArray("security"); // explicitly open: no token needed
          }
        }
      }
    }
    if (!settings.authEnabled()) {
      ObjectNode components = (ObjectNode) doc.path("components");
      components.remove("securitySchemes");
      ((ObjectNode) components.path("responses")).remove("Unauthorized");
      ((ObjectNode) components.path("headers")).remove("WWW-Authenticate");
    }
    return Json.bytes(doc);
  }

  private static ObjectNode load() {
    try (InputStream in = OpenApiDocument.class.getResourceAsStream("openapi.json")) {
      if (in == null) {
        throw new IllegalStateException("openapi.json is missing from the gateway jar");
      }
      return (ObjectNode) Json.MAPPER.readTree(in);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read openapi.json", e);
    }
  }
}
