package dev.parley.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code kill -9} of the packaged demo with its journal (the default), forwarding to a recording
 * upstream: every event that got {@code 202} is delivered after a restart on the same data
 * directory, first deliveries keep each space's submission order, only events that were running at
 * the kill are delivered twice (and say so), and a clean restart afterwards delivers nothing.
 */
abstract class DemoServerCrashIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int SPACES = 100;
  private static final int PER_SPACE = 20;

  @RegisterExtension final DemoWatch watch = new DemoWatch();

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private RecordingUpstream upstream;
  private List<RecordingUpstream.Delivery> deliveries;
  private Path dataDir;

  @BeforeEach
  void startUpstream() throws Exception {
    dataDir = DemoProcess.freshDataDir();
    upstream = new RecordingUpstream();
    deliveries = upstream.deliveries;
  }

  @AfterEach
  void stopUpstream() {
    upstream.close();
  }

  /** JVM options that choose the demo's journal; none: H2 under its data directory. */
  abstract List<String> journalOptions();

  private DemoProcess startDemo() throws Exception {
    String url = upstream.url();
    List<String> options = new ArrayList<>(journalOptions());
    options.add("-Dparley.forward.max-connections=4"); // most events wait in their lanes
    return watch.track(DemoProcess.start(dataDir, options, "--forward", url));
  }

  @Test
  void everyAcceptedEventIsDeliveredAfterAKillNineInOrderAndOnlyRunningOnesTwice()
      throws Exception {
    upstream.holdAfter(SPACES * PER_SPACE / 4); // most events wait in their lanes at the kill
    DemoProcess first = startDemo();
    long submitStart = System.nanoTime();
    Map<String, List<String>> accepted = submitAll(first.base());
    long submitMs = (System.nanoTime() - submitStart) / 1_000_000;
    int acceptedCount = accepted.values().stream().mapToInt(List::size).sum();
    assertEquals(SPACES * PER_SPACE, acceptedCount, "every event got 202");
    int deliveredBeforeKill = deliveries.size();
    first.process().destroyForcibly(); // kill -9
    first.exitValue(Duration.ofSeconds(30));
    System.out.printf(
        "submitted %d events in %d ms, %d delivered before the kill%n",
        acceptedCount, submitMs, deliveredBeforeKill);
    assertTrue(
        deliveredBeforeKill < acceptedCount / 2,
        "most events were pending at the kill: " + deliveredBeforeKill);

    upstream.slow.set(false);
    upstream.release();
    DemoProcess second = startDemo();
    awaitAllCompleted(second.base(), accepted);

    Map<String, List<RecordingUpstream.Delivery>> byId = new HashMap<>();
    for (RecordingUpstream.Delivery delivery : deliveries) {
      byId.computeIfAbsent(delivery.id(), id -> new ArrayList<>()).add(delivery);
    }
    Map<String, Integer> redeliveredBySpace = new HashMap<>();
    for (Map.Entry<String, List<String>> space : accepted.entrySet()) {
      List<String> firstOrder = new ArrayList<>();
      for (RecordingUpstream.Delivery delivery : deliveries) {
        if (delivery.space().equals(space.getKey()) && !firstOrder.contains(delivery.id())) {
          firstOrder.add(delivery.id());
        }
      }
      assertEquals(space.getValue(), firstOrder, "first deliveries in submission order");
      for (String id : space.getValue()) {
        List<RecordingUpstream.Delivery> of = byId.get(id);
        assertTrue(of.size() <= 2, id + " delivered " + of.size() + " times");
        assertTrue(!of.get(0).redelivered() || of.size() == 1, id + ": first delivery " + of);
        if (of.size() == 2) {
          assertTrue(of.get(1).redelivered(), id + ": the second delivery says redelivered");
        }
        // Redelivered: it was running at the kill (perhaps still waiting for an upstream
        // connection, so delivered only once after all).
        if (of.get(of.size() - 1).redelivered()) {
          redeliveredBySpace.merge(space.getKey(), 1, Integer::sum);
        }
      }
    }
    redeliveredBySpace.forEach(
        (space, count) ->
            assertTrue(count <= 1, space + ": only the running event runs again, got " + count));

    // A clean restart (SIGTERM, drained) afterwards delivers nothing again.
    second.process().destroy();
    assertEquals(0, second.exitValue(Duration.ofSeconds(60)));
    int settled = deliveries.size();
    DemoProcess third = startDemo();
    JsonNode view = get(third.base(), "/v1/spaces/space-0/events/space-0-0");
    assertEquals("completed", view.path("status").asText(), view.toString());
    awaitIdle(third.base());
    assertEquals(settled, deliveries.size(), "nothing delivered again after a clean restart");
  }

  /** Submits each space's events in order (one at a time per space, spaces at once). */
  private Map<String, List<String>> submitAll(URI base) throws Exception {
    Map<String, List<String>> accepted = new ConcurrentHashMap<>();
    List<CompletableFuture<Void>> spaces = new ArrayList<>();
    for (int s = 0; s < SPACES; s++) {
      String space = "space-" + s;
      CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
      for (int i = 0; i < PER_SPACE; i++) {
        String id = space + "-" + i;
        chain =
            chain.thenCompose(
                ignored ->
                    http.sendAsync(
                            HttpRequest.newBuilder(base.resolve("/v1/spaces/" + space + "/events"))
                                .header("Content-Type", "application/json")
                                .POST(
                                    HttpRequest.BodyPublishers.ofString(
                                        "{\"id\":\"" + id + "\",\"payload\":{\"n\":1}}"))
                                .build(),
                            HttpResponse.BodyHandlers.ofString())
                        .thenAccept(
                            response -> {
                              if (response.statusCode() == 202) {
                                accepted
                                    .computeIfAbsent(space, k -> new CopyOnWriteArrayList<>())
                                    .add(id);
                              }
                            }));
      }
      spaces.add(chain);
    }
    CompletableFuture.allOf(spaces.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
    return accepted;
  }

  private void awaitAllCompleted(URI base, Map<String, List<String>> accepted)
      throws InterruptedException {
    for (List<String> ids : accepted.values()) {
      for (String id : ids) {
        String path = "/v1/spaces/" + id.substring(0, id.lastIndexOf('-')) + "/events/" + id;
        DemoProcess.await(
            Duration.ofSeconds(120),
            id + " to complete",
            () -> get(base, path).path("status").asText().equals("completed"));
      }
    }
  }

  /** Waits until no lane of the demo has a running or pending event. */
  private void awaitIdle(URI base) throws InterruptedException {
    for (int s = 0; s < SPACES; s++) {
      String path = "/v1/spaces/space-" + s;
      DemoProcess.await(
          Duration.ofSeconds(30),
          path + " to be idle",
          () -> {
            JsonNode lane = get(base, path);
            return !lane.has("running") && lane.path("pending").size() == 0;
          });
    }
  }

  private JsonNode get(URI base, String path) {
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(base.resolve(path)).GET().build(),
              HttpResponse.BodyHandlers.ofString());
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
