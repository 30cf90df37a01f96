package dev.parley.gateway;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.path;

import dev.parley.gateway.GatewaySettings.Role;
import java.nio.charset.StandardCharsets;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /metrics}: Prometheus text format. Open like {@code /healthz}, since scrapers seldom
 * hold a token; with auth enabled and {@code parley.http.metrics.require-token} on, it needs the
 * role read.
 */
final class MetricsRoutes {
  private final GatewayMetrics metrics;
  private final GatewaySettings settings;
  private final Access access;

  MetricsRoutes(GatewayMetrics metrics, GatewaySettings settings, Access access) {
    this.metrics = metrics;
    this.settings = settings;
    this.access = access;
  }

  Route route() {
    return path(
        "metrics",
        () ->
            get(
                () ->
                    settings.authEnabled() && settings.metricsRequireToken()
                        ? access.require(Role.READ, this::scrape)
                        : scrape()));
  }

  private Route scrape() {
    return complete(
        HttpResponse.create()
            .withEntity(
                HttpEntities.create(
                    GatewayMetrics.CONTENT_TYPE,
                    metrics.scrape().getBytes(StandardCharsets.UTF_8))));
  }
}
