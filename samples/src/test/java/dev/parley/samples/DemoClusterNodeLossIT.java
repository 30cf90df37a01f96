package dev.parley.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.samples.RecordingUpstream.Delivery;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Cluster mode, process level: three packaged demos on 127.0.0.1 form a cluster on one PostgreSQL
 * (embedded in this JVM, {@code synchronous_commit} on), forwarding to a recording upstream. Each
 * space's events go one after the other through the nodes in turn; one node is killed ({@code kill
 * -9}) while events are pending, and the survivors take the rest. Every accepted event completes,
 * first deliveries keep each space's order, a lane never has two deliveries at once, only an event
 * that was running on the lost node is delivered twice (and says so), and the lanes of the lost
 * node run again soon after the kill (the time is printed). A node stopped with SIGTERM instead
 * hands its lanes over: nothing is delivered twice.
 */
class DemoClusterNodeLossIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int SPACES = 40;
  private static final int PER_SPACE = 15;

  /**
   * The lanes of the lost node deliver again within this of the kill. Measured ≈ 21 s on a loaded
   * 2-core machine (≈ 5 s failure detection, 5 s stable-after, reallocation and recovery); the
   * bound leaves room for a machine running two suites at once.
   */
  private static final Duration SETTLE = Duration.ofSeconds(60);

  private static TestPostgres postgres;

  @RegisterExtension final DemoWatch watch = new DemoWatch();

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final List<DemoProcess> nodes = new ArrayList<>();
  private final AtomicLong killedAt = new AtomicLong();
  private final Map<String, Integer> retries = new ConcurrentHashMap<>();
  private RecordingUpstream upstream;
  private List<Delivery> deliveries;
  private String journalUrl;

  @BeforeAll
  static void startPostgres() throws Exception {
    postgres = new TestPostgres();
  }

  @AfterAll
  static void stopPostgres() throws Exception {
    postgres.close();
  }

  /** A database of the test's own: the journal of an earlier test's lanes would know its ids. */
  @BeforeEach
  void start() throws Exception {
    journalUrl = postgres.freshDatabase();
    upstream = new RecordingUpstream();
    deliveries = upstream.deliveries;
  }

  @AfterEach
  void stopUpstream() {
    upstream.close();
  }

  private DemoProcess startNode(int clusterPort, int seedPort) throws Exception {
    String url = upstream.url();
    List<String> options =
        List.of(
            "-Dparley.journal.url=" + journalUrl,
            "-Dparley.journal.user=postgres",
            "-Dparley.forward.max-connections=4",
            "-Dparley.ask-timeout=5s");
    return watch.track(
        DemoProcess.start(
            DemoProcess.freshDataDir(),
            options,
            "--forward",
            url,
            "--cluster-port",
            String.valueOf(clusterPort),
            "--seed-nodes",
            "127.0.0.1:" + seedPort));
  }

  @Test
  void aNodeKilledUnderLoadLosesNothingAndItsLanesRunAgainOnTheOthers() throws Exception {
    Map<String, List<String>> accepted =
        runWithTheSecondNodeStopped(victim -> victim.process().destroyForcibly()); // kill -9
    Map<String, List<Delivery>> byId = byId();
    long settledAfterNanos = 0;
    for (Map.Entry<String, List<String>> space : accepted.entrySet()) {
      List<String> firstOrder = new ArrayList<>();
      boolean pendingAtKill = false;
      long firstAfterKill = Long.MAX_VALUE;
      int redelivered = 0;
      for (Delivery delivery : deliveries) {
        if (!delivery.space().equals(space.getKey())) {
          continue;
        }
        if (!firstOrder.contains(delivery.id())) {
          firstOrder.add(delivery.id());
        }
        if (delivery.atNanos() > killedAt.get()) {
          firstAfterKill = Math.min(firstAfterKill, delivery.atNanos());
        }
      }
      assertEquals(space.getValue(), firstOrder, "first deliveries in submission order");
      for (String id : space.getValue()) {
        List<Delivery> of = byId.get(id);
        assertTrue(of.size() <= 2, id + " delivered " + of.size() + " times");
        assertTrue(!of.get(0).redelivered() || of.size() == 1, id + ": first delivery " + of);
        if (of.size() == 2) {
          assertTrue(of.get(1).redelivered(), id + ": the second delivery says redelivered");
        }
        // Redelivered: it was running on the lost node (perhaps still waiting for an upstream
        // connection there, so delivered only once after all).
        if (of.get(of.size() - 1).redelivered()) {
          redelivered++;
        }
        if (of.get(of.size() - 1).atNanos() > killedAt.get()) {
          pendingAtKill = true;
        }
      }
      assertTrue(redelivered <= 1, space.getKey() + ": only the running event runs again");
      if (pendingAtKill) {
        settledAfterNanos = Math.max(settledAfterNanos, firstAfterKill - killedAt.get());
      }
    }
    assertEquals(0, upstream.overlaps(), "never two deliveries of one lane at the same time");
    Duration settled = Duration.ofNanos(settledAfterNanos);
    System.out.printf(
        "cluster node loss: every lane with pending work delivered again %.1f s after the kill%n",
        settled.toMillis() / 1000.0);
    assertTrue(settled.compareTo(SETTLE) <= 0, "lanes settled " + settled + " after the kill");
  }

  @Test
  void aNodeStoppedUnderLoadHandsItsLanesOverAndRunsNothingTwice() throws Exception {
    Map<String, List<String>> accepted =
        runWithTheSecondNodeStopped(victim -> victim.process().destroy()); // SIGTERM
    Map<String, List<Delivery>> byId = byId();
    for (Map.Entry<String, List<String>> space : accepted.entrySet()) {
      List<String> order =
          deliveries.stream()
              .filter(delivery -> delivery.space().equals(space.getKey()))
              .map(Delivery::id)
              .toList();
      assertEquals(space.getValue(), order, "each delivered once, in submission order");
    }
    assertTrue(
        byId.values().stream().flatMap(List::stream).noneMatch(Delivery::redelivered),
        "a handed-over lane runs nothing again");
    assertEquals(0, upstream.overlaps(), "never two deliveries of one lane at the same time");
  }

  /**
   * Starts three nodes, submits every space's events through them in turn, stops the second node
   * with {@code stop} once a third are accepted, and waits until every accepted event reads
   * completed through the others; returns the accepted ids by space, in submission order.
   */
  private Map<String, List<String>> runWithTheSecondNodeStopped(Consumer<DemoProcess> stop)
      throws Exception {
    int seed = freePort();
    nodes.add(startNode(seed, seed));
    nodes.add(startNode(freePort(), seed));
    nodes.add(startNode(freePort(), seed));
    for (DemoProcess node : nodes) {
      DemoProcess.await(Duration.ofSeconds(60), "every node Up", () -> ready(node.base()));
    }
    DemoProcess victim = nodes.get(1);
    Map<String, List<String>> accepted =
        submitAll(() -> stop.accept(victim), SPACES * PER_SPACE / 3);
    assertEquals(SPACES * PER_SPACE, accepted.values().stream().mapToInt(List::size).sum());
    System.out.println("cluster: submits sent again, by why: " + retries);
    awaitCompleted(List.of(nodes.get(0).base(), nodes.get(2).base()), accepted);
    return accepted;
  }

  private Map<String, List<Delivery>> byId() {
    Map<String, List<Delivery>> byId = new HashMap<>();
    for (Delivery delivery : deliveries) {
      byId.computeIfAbsent(delivery.id(), id -> new ArrayList<>()).add(delivery);
    }
    return byId;
  }

  /**
   * Waits until every accepted event reads completed through the survivors; else says which not.
   */
  private void awaitCompleted(List<URI> survivors, Map<String, List<String>> accepted)
      throws InterruptedException {
    List<String> open = new ArrayList<>();
    accepted.values().forEach(open::addAll);
    try {
      DemoProcess.await(
          Duration.ofSeconds(120),
          "every accepted event completed",
          () -> {
            open.removeIf(
                id -> "completed".equals(view(survivors.get(0), id).path("status").asText()));
            return open.isEmpty();
          });
    } catch (AssertionError e) {
      StringBuilder why = new StringBuilder("not completed:");
      for (String id : open.subList(0, Math.min(5, open.size()))) {
        String space = id.substring(0, id.lastIndexOf('-'));
        why.append("\n")
            .append(id)
            .append(" delivered ")
            .append(deliveries.stream().filter(d -> d.id().equals(id)).count());
        for (URI node : survivors) {
          why.append("\n  ").append(node).append(" event ").append(view(node, id));
          why.append("\n  ").append(node).append(" lane ").append(get(node, "/v1/spaces/" + space));
        }
      }
      throw new AssertionError(why + "\n(" + open.size() + " in all)", e);
    }
  }

  private JsonNode view(URI node, String id) {
    return get(node, "/v1/spaces/" + id.substring(0, id.lastIndexOf('-')) + "/events/" + id);
  }

  /**
   * Submits each space's events in order, one at a time per space (spaces at once), each through
   * the next live node; runs {@code stop} once {@code stopAfter} were accepted. A submit that finds
   * its node gone, or its lane unreachable while it moves, is sent again with the same id: a 409
   * then says the first one was accepted after all.
   */
  private Map<String, List<String>> submitAll(Runnable stop, int stopAfter) throws Exception {
    Map<String, List<String>> accepted = new ConcurrentHashMap<>();
    AtomicInteger count = new AtomicInteger();
    List<CompletableFuture<Void>> spaces = new ArrayList<>();
    for (int s = 0; s < SPACES; s++) {
      String space = "space-" + s;
      CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
      for (int i = 0; i < PER_SPACE; i++) {
        String id = space + "-" + i;
        int first = s + i;
        chain =
            chain
                .thenCompose(ignored -> submit(space, id, first, 0))
                .thenAccept(
                    ignored -> {
                      accepted.computeIfAbsent(space, k -> new CopyOnWriteArrayList<>()).add(id);
                      if (count.incrementAndGet() == stopAfter) {
                        killedAt.set(System.nanoTime());
                        stop.run();
                      }
                    });
      }
      spaces.add(chain);
    }
    CompletableFuture.allOf(spaces.toArray(CompletableFuture[]::new)).get(300, TimeUnit.SECONDS);
    return accepted;
  }

  private CompletableFuture<Void> submit(String space, String id, int turn, int tries) {
    DemoProcess node = nodes.get(turn % nodes.size());
    if (!node.process().isAlive()) {
      return submit(space, id, turn + 1, tries);
    }
    HttpRequest request =
        HttpRequest.newBuilder(node.base().resolve("/v1/spaces/" + space + "/events"))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"id\":\"" + id + "\",\"payload\":{}}"))
            .build();
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .handle(
            (response, error) -> {
              int status = error == null ? response.statusCode() : -1;
              // 200 and 409: a duplicate, of a first submit accepted after all (finished or not)
              if (status == 202 || status == 200 || status == 409) {
                return CompletableFuture.<Void>completedFuture(null);
              }
              retries.merge(
                  status == -1
                      ? error.getClass().getSimpleName()
                      : status + " " + problemType(response.body()),
                  1,
                  Integer::sum);
              if (tries > 100 || (status != -1 && status != 503)) {
                throw new AssertionError(
                    id + ": " + (error != null ? error : status + " " + response.body()));
              }
              // The node is gone, or the lane is moving: the same id again, through the next node.
              return CompletableFuture.supplyAsync(
                      () -> null, CompletableFuture.delayedExecutor(200, TimeUnit.MILLISECONDS))
                  .thenCompose(ignored -> submit(space, id, turn + 1, tries + 1));
            })
        .thenCompose(next -> next);
  }

  private boolean ready(URI base) {
    try {
      return http.send(
                  HttpRequest.newBuilder(base.resolve("/readyz")).build(),
                  HttpResponse.BodyHandlers.discarding())
              .statusCode()
          == 200;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private JsonNode get(URI base, String path) {
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10)).build(),
              HttpResponse.BodyHandlers.ofString());
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String problemType(String body) {
    try {
      return JSON.readTree(body).path("type").asText();
    } catch (IOException e) {
      return body;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
