package dev.parley.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.ValidationReport;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Checks a test's real exchanges against the document the server serves ({@code GET
 * /openapi.json}), with Atlassian's swagger-request-validator: every response's status, headers and
 * body must be documented, and a request the server accepted (2xx) must be a documented one. A
 * request answered 4xx may be invalid on purpose; its answer must still be documented.
 */
final class OpenApiConformance {
  private OpenApiConformance() {}

  static void assertConforms(TestGateway gw) {
    List<String> violations = violations(gw);
    assertTrue(
        violations.isEmpty(),
        () ->
            violations.size() + " violations of /openapi.json:\n" + String.join("\n", violations));
  }

  static List<String> violations(TestGateway gw) {
    List<TestGateway.Exchange> exchanges = gw.exchanges();
    TestGateway.Response document = Response(gw.client(), gw.base() + "/openapi.json");
    assertEquals(200, document.status(), document::toString);
    OpenApiInteractionValidator validator =
        OpenApiInteractionValidator.createForInlineApiSpecification(document.body()).build();
    List<String> violations = new ArrayList<>();
    for (TestGateway.Exchange exchange : exchanges) {
      ValidationReport report = validator.validate(request(exchange), response(exchange));
      boolean accepted = exchange.response().status() < 400;
      for (ValidationReport.Message message : report.getMessages()) {
        if (message.getLevel() != ValidationReport.Level.ERROR) {
          continue;
        }
        if (!accepted && message.getKey().startsWith("validation.request")) {
          continue;
        }
        violations.add(
            exchange.request().method()
                + " "
                + exchange.request().uri().getRawPath()
                + " → "
                + exchange.response().status()
                + ": "
                + message.getKey()
                + ": "
                + message.getMessage());
      }
    }
    return violations.stream().distinct().toList();
  }

  private static TestGateway.Response Response(java.net.http.HttpClient client, String uri) {
    try {
      return TestGateway.Response.of(
          client.send(
              java.net.http.HttpRequest.newBuilder(URI.create(uri)).build(),
              java.net.http.HttpResponse.BodyHandlers.ofString()));
    } catch (Exception e) {
      throw new AssertionError("cannot read /openapi.json", e);
    }
  }

  private static Request request(TestGateway.Exchange exchange) {
    URI uri = exchange.request().uri();
    SimpleRequest.Builder request =
        new SimpleRequest.Builder(exchange.request().method(), uri.getRawPath());
    if (uri.getRawQuery() != null) {
      for (String pair : uri.getRawQuery().split("&")) {
        int equals = pair.indexOf('=');
        String name = equals < 0 ? pair : pair.substring(0, equals);
        String value = equals < 0 ? "" : pair.substring(equals + 1);
        request.withQueryParam(
            URLDecoder.decode(name, StandardCharsets.UTF_8),
            URLDecoder.decode(value, StandardCharsets.UTF_8));
      }
    }
    for (Map.Entry<String, List<String>> header : exchange.request().headers().map().entrySet()) {
      request.withHeader(header.getKey(), header.getValue());
    }
    if (exchange.body() != null && !exchange.body().isEmpty()) {
      request.withBody(exchange.body());
    }
    return request.build();
  }

  private static com.atlassian.oai.validator.model.Response response(
      TestGateway.Exchange exchange) {
    TestGateway.Response answer = exchange.response();
    SimpleResponse.Builder response = SimpleResponse.Builder.status(answer.status());
    for (Map.Entry<String, List<String>> header : answer.headers().map().entrySet()) {
      if (!header.getKey().equals(":status")) {
        response.withHeader(header.getKey(), header.getValue());
      }
    }
    if (!answer.body().isEmpty()) {
      response.withBody(answer.body());
    }
    return response.build();
  }
}
