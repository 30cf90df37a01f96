package dev.parley.gateway;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import dev.parley.runtime.Parley;
import dev.parley.runtime.Reply;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Thousands of generated bad and odd requests against a real server — random bytes, truncated JSON,
 * wrong types, huge numbers, deep nesting, odd ids, wrong methods and content types, oversized and
 * empty bodies, bad Prefer headers, unknown routes, malformed raw HTTP — never get a 5xx or hang,
 * every error the gateway answers is problem+json, and the server still serves events afterwards.
 */
class FuzzTest {
  private static final long SEED = 20_240_606L;
  private static final int IN_FLIGHT = 8;
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration RUN_TIMEOUT = Duration.ofSeconds(40);
  private static final int MAX_BODY = 8 * 1024;
  private static final String CONFIG =
      "parley.http.port = 0\nparley.system-name = fuzz-test\nparley.http.max-body = 8 KiB"
          // Thousands of refused requests: keep the server's warnings about each out of the log.
          + "\npekko.http.server.parsing.error-logging-verbosity = off"
          + "\npekko.http.server.parsing.illegal-header-warnings = off";
  private static final String PROBLEM_JSON = "application/problem+json";
  private static final int OFFENDERS_SHOWN = 12;
  private static final int EXAMPLES_PER_KIND = 2;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Where generated events go; lanes that are never paused, so "Prefer: wait" ends at once. */
  private static final String[] SPACES = {"fuzz-0", "fuzz-1", "fuzz-2", "fuzz-3", "fuzz-4"};

  /** The only lanes the fuzz pauses, so that no generated event waits on a paused lane. */
  private static final String[] PAUSED_SPACES = {"pz-0", "pz-1"};

  private static final String BIG_INTEGER = "9".repeat(400);
  private static final String BIG_DECIMAL = "0." + "1".repeat(399);

  /** Every kind of JSON value, to put where the API expects another. */
  private static final String[] JSON_VALUES = {
    "null",
    "true",
    "false",
    "0",
    "-1",
    "1.5",
    "-0",
    "1e3",
    "1e400",
    "-1e400",
    "1e-400",
    "9223372036854775808",
    "18446744073709551621",
    BIG_INTEGER,
    "-" + BIG_INTEGER,
    BIG_DECIMAL,
    "\"\"",
    "\" \"",
    "\"P9\"",
    "\"p0 \"",
    "\"\\u0000\"",
    "\"\\ud800\"",
    "\"\\u202e\\u200f\"",
    "\"" + "x".repeat(300) + "\"",
    "[]",
    "[1,\"a\",null]",
    "{}",
    "{\"a\":{\"b\":[1]}}",
    "[[[[[[[[[[]]]]]]]]]]",
  };

  private static final String[] FIELDS = {
    "id", "group", "priority", "payload", "attributes", "timeoutMs", "policy"
  };

  /** Pieces of odd ids: unicode, controls, separators, escapes, traversal, over-long names. */
  private static final String[] ODD_PIECES = {
    "\u0000",
    "/",
    "\\",
    "..",
    ".",
    "%",
    "%00",
    "%2F",
    "\u200F",
    "\u202E",
    "\u200B",
    "\uFEFF",
    "\uD83D\uDE00",
    "\uD83D\uDC69\u200D\uD83D\uDC67",
    "e\u0301",
    "\u65E5\u672C",
    "\u0085",
    "\u2028",
    "\uD835\uDD4F",
    "\uD800",
    " ",
    "\t",
    "\r\n",
    "?",
    "#",
    ";",
    "&",
    "=",
    "+",
    "'",
    "\"",
    "<script>",
    "${jndi:x}",
    "a",
    "Z9",
    "-",
    "_",
    ":",
    "@",
  };

  /** Percent-encoded junk pasted into a URI as is (syntactically valid escapes). */
  private static final String[] ENCODED_JUNK = {
    "%00",
    "%2F",
    "%2f",
    "%2e%2e",
    "%25",
    "%20",
    "%C3%28",
    "%FF",
    "%E2%80%AE",
    "%E2%80%8F",
    "%F0%9F%98%80",
    "%ED%A0%80",
    "%C0%AF",
    "%0D%0A",
    "%3F",
    "%23",
  };

  /** A route and the methods it answers; the others of {@link #METHODS} are wrong for it. */
  private record Route(String path, Set<String> allowed) {}

  /** Standard, extension and misspelt methods, tried on every route. */
  private static final String[] METHODS = {
    "GET",
    "POST",
    "PUT",
    "PATCH",
    "DELETE",
    "OPTIONS",
    "TRACE",
    "HEAD",
    "BREW",
    "PROPFIND",
    "get",
    "M-SEARCH"
  };

  @Test
  void generatedBadRequestsGetAProblemNeverA5xxAndTheServerStaysReady() throws Exception {
    long started = System.nanoTime();
    try (ParleyServer server =
        ParleyServer.start(
            Parley.builder().handler((e, l) -> CompletableFuture.completedFuture(Reply.of("ok"))),
            ConfigFactory.parseString(CONFIG))) {
      HttpClient client =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .connectTimeout(REQUEST_TIMEOUT)
              .build();
      Sender sender = new Sender(client, server.port());
      List<Probe> probes = new Generator(sender.base()).generate();
      assertTrue(probes.size() >= 2_000, () -> "only " + probes.size() + " probes generated");

      List<Result> results = sender.sendAll(probes);
      Map<String, List<Result>> offenders = new TreeMap<>();
      for (Result result : results) {
        result
            .offence()
            .ifPresent(
                offence ->
                    offenders
                        .computeIfAbsent(
                            offence + ": " + result.shortAnswer(), k -> new ArrayList<>())
                        .add(result));
      }
      System.out.println(summary(probes, results, started));

      // Still ready, and still serving events, whatever the fuzz found.
      HttpResponse<String> ready =
          client.send(
              HttpRequest.newBuilder(URI.create(sender.base() + "/readyz"))
                  .timeout(REQUEST_TIMEOUT)
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      HttpResponse<String> valid =
          client.send(
              HttpRequest.newBuilder(URI.create(sender.base() + "/v1/spaces/after-fuzz/events"))
                  .timeout(REQUEST_TIMEOUT)
                  .header("Content-Type", "application/json")
                  .header("Prefer", "wait=5")
                  .POST(HttpRequest.BodyPublishers.ofString("{\"payload\":{\"text\":\"hi\"}}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertAll(
          () -> assertTrue(offenders.isEmpty(), () -> offenceReport(offenders, results.size())),
          () ->
              assertEquals(
                  200, ready.statusCode(), () -> "/readyz after the fuzz: " + ready.body()),
          () ->
              assertEquals(
                  200, valid.statusCode(), () -> "a valid event after the fuzz: " + valid.body()),
          () -> assertEquals("completed", JSON.readTree(valid.body()).path("status").asText()));
    }
  }

  /** How many offenders of each kind, and the first few of each with their requests. */
  private static String offenceReport(Map<String, List<Result>> offenders, int sent) {
    int total = offenders.values().stream().mapToInt(List::size).sum();
    StringBuilder text =
        new StringBuilder(
            total
                + " of "
                + sent
                + " requests got a 5xx, no answer, or a 4xx that is not a problem+json:\n");
    offenders.forEach(
        (kind, results) ->
            text.append("  ").append(results.size()).append(" × ").append(kind).append('\n'));
    text.append("the first few of each kind:\n");
    offenders.values().stream()
        .flatMap(results -> results.stream().limit(EXAMPLES_PER_KIND))
        .limit(OFFENDERS_SHOWN)
        .forEach(result -> text.append("  ").append(result).append('\n'));
    return text.toString();
  }

  private static String summary(List<Probe> probes, List<Result> results, long started) {
    Map<String, Map<String, Integer>> byCategory = new TreeMap<>();
    for (Result result : results) {
      byCategory
          .computeIfAbsent(result.probe().category(), c -> new TreeMap<>())
          .merge(result.shortAnswer(), 1, Integer::sum);
    }
    long raw = probes.stream().filter(Probe::isRaw).count();
    StringBuilder text =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "fuzz: %d requests (%d raw), %d ms%n",
                probes.size(),
                raw,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)));
    byCategory.forEach(
        (category, answers) ->
            text.append(
                String.format(
                    Locale.ROOT,
                    "  %-15s %4d  %s%n",
                    category,
                    answers.values().stream().mapToInt(Integer::intValue).sum(),
                    answers)));
    return text.toString();
  }

  /**
   * One generated request: through {@link HttpClient}, or as raw bytes on a socket when HttpClient
   * refuses to build it. {@code malformed} marks raw requests the HTTP parser itself refuses (bad
   * syntax or over its limits): its own answers need not be problem+json, and it may just close.
   * {@code oversized} marks bodies over max-body: the server answers 413 before it has read them
   * and closes, so the client, still writing, may see the connection reset instead of the answer.
   */
  private record Probe(
      String category,
      HttpRequest request,
      byte[] raw,
      boolean malformed,
      boolean halfClose,
      boolean oversized,
      String shown) {

    boolean isRaw() {
      return raw != null;
    }

    boolean isHead() {
      return request != null && request.method().equals("HEAD");
    }

    @Override
    public String toString() {
      return "[" + category + (isRaw() ? ", raw" : "") + "] " + shown;
    }
  }

  /** What came back: a status (or -1), or why nothing did. */
  private record Result(Probe probe, int status, String contentType, String body, String failure) {

    /** Why this answer breaks the contract, if it does. */
    Optional<String> offence() {
      if (failure != null) {
        boolean mayClose = probe.malformed() || probe.halfClose() || probe.oversized();
        return failure.startsWith("closed") && mayClose
            ? Optional.empty()
            : Optional.of("NO ANSWER");
      }
      if (status >= 500) {
        return Optional.of("5xx");
      }
      if (status >= 400 && !probe.malformed()) {
        if (!contentType.toLowerCase(Locale.ROOT).startsWith(PROBLEM_JSON)) {
          return Optional.of("4xx NOT PROBLEM+JSON");
        }
        if (!probe.isHead() && !isProblem()) {
          return Optional.of("4xx WITH A BAD PROBLEM BODY");
        }
      }
      return Optional.empty();
    }

    private boolean isProblem() {
      try {
        JsonNode problem = JSON.readTree(body);
        return problem.path("status").asInt() == status
            && !problem.path("type").asText().isBlank()
            && !problem.path("title").asText().isBlank()
            && problem.has("detail");
      } catch (IOException e) {
        return false;
      }
    }

    String shortAnswer() {
      if (failure != null) {
        return failure.startsWith("closed") ? "closed" : "none";
      }
      String type = contentType.isEmpty() ? "-" : contentType.split(";")[0].trim();
      return status + (status >= 400 ? " " + type : "");
    }

    @Override
    public String toString() {
      String answer =
          failure != null
              ? failure
              : status + " [" + contentType + "] " + Generator.shown(body.getBytes(UTF_8), 300);
      return probe + "\n    -> " + answer;
    }
  }

  /** Sends probes, {@value #IN_FLIGHT} at a time, each with its own timeout. */
  private static final class Sender {
    private final HttpClient client;
    private final int port;

    Sender(HttpClient client, int port) {
      this.client = client;
      this.port = port;
    }

    String base() {
      return "http://127.0.0.1:" + port;
    }

    List<Result> sendAll(List<Probe> probes) throws InterruptedException {
      ExecutorService pool = Executors.newFixedThreadPool(IN_FLIGHT);
      try {
        List<Future<Result>> futures =
            pool.invokeAll(
                probes.stream().map(p -> (Callable<Result>) () -> send(p)).toList(),
                RUN_TIMEOUT.toMillis(),
                TimeUnit.MILLISECONDS);
        List<Result> results = new ArrayList<>();
        for (int i = 0; i < futures.size(); i++) {
          Future<Result> future = futures.get(i);
          if (future.isCancelled()) {
            results.add(
                new Result(probes.get(i), -1, "", "", "none: the run ended after " + RUN_TIMEOUT));
          } else {
            try {
              results.add(future.get());
            } catch (ExecutionException e) {
              results.add(new Result(probes.get(i), -1, "", "", "none: " + e.getCause()));
            }
          }
        }
        return results;
      } finally {
        pool.shutdownNow();
      }
    }

    private Result send(Probe probe) throws InterruptedException {
      return probe.isRaw() ? sendRaw(probe) : sendWithClient(probe);
    }

    private Result sendWithClient(Probe probe) throws InterruptedException {
      try {
        HttpResponse<byte[]> response =
            client.send(probe.request(), HttpResponse.BodyHandlers.ofByteArray());
        return new Result(
            probe,
            response.statusCode(),
            response.headers().firstValue("Content-Type").orElse(""),
            new String(response.body(), UTF_8),
            null);
      } catch (HttpTimeoutException e) {
        return new Result(probe, -1, "", "", "none within " + REQUEST_TIMEOUT);
      } catch (IOException e) {
        return new Result(probe, -1, "", "", "closed without an answer: " + e);
      }
    }

    private Result sendRaw(Probe probe) {
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), (int) REQUEST_TIMEOUT.toMillis());
        socket.setSoTimeout((int) REQUEST_TIMEOUT.toMillis());
        try {
          OutputStream out = socket.getOutputStream();
          out.write(probe.raw());
          out.flush();
          if (probe.halfClose()) {
            socket.shutdownOutput();
          }
        } catch (IOException e) {
          // The server may answer and close before it has read everything: read what it said.
        }
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[8192];
        try {
          for (int n; (n = in.read(buffer)) >= 0 && answer.size() < 1 << 16; ) {
            answer.write(buffer, 0, n);
          }
        } catch (SocketTimeoutException e) {
          if (answer.size() == 0) {
            return new Result(probe, -1, "", "", "none within " + REQUEST_TIMEOUT);
          }
        } catch (IOException e) {
          // A reset after the answer: the answer still counts.
        }
      } catch (IOException e) {
        return new Result(probe, -1, "", "", "none: " + e);
      }
      return parseRaw(probe, answer.toByteArray());
    }

    private static Result parseRaw(Probe probe, byte[] bytes) {
      String text = new String(bytes, ISO_8859_1);
      if (text.isEmpty()) {
        return new Result(probe, -1, "", "", "closed without an answer");
      }
      if (!text.startsWith("HTTP/1.") || text.length() < 12) {
        return new Result(probe, -1, "", "", "none: not HTTP: " + Generator.shown(bytes, 200));
      }
      int status = Integer.parseInt(text.substring(9, 12));
      int headEnd = text.indexOf("\r\n\r\n");
      String head = headEnd < 0 ? text : text.substring(0, headEnd);
      String contentType = "";
      for (String line : head.split("\r\n")) {
        if (line.toLowerCase(Locale.ROOT).startsWith("content-type:")) {
          contentType = line.substring("content-type:".length()).trim();
        }
      }
      String body =
          headEnd < 0 ? "" : new String(bytes, headEnd + 4, bytes.length - headEnd - 4, UTF_8);
      return new Result(probe, status, contentType, body, null);
    }
  }

  /** Builds the probes from one fixed-seed {@link Random}: the same requests on every run. */
  private static final class Generator {
    private final Random random = new Random(SEED);
    private final List<Probe> probes = new ArrayList<>();
    private final String base;
    private int eventIds;

    Generator(String base) {
      this.base = base;
    }

    List<Probe> generate() {
      randomByteBodies(250);
      truncatedJson(250);
      wrongTypes();
      hugeNumbers(150);
      deepNesting();
      oddIds(400);
      wrongMethods(300);
      contentTypes(200);
      oversized();
      emptyBodies(80);
      preferHeaders(150);
      unknownRoutes(150);
      rawMalformed(200);
      // Mixed, so that the requests in flight at once are of different kinds.
      Collections.shuffle(probes, random);
      return probes;
    }

    // ---------------------------------------------------------------- categories

    private void randomByteBodies(int count) {
      for (int i = 0; i < count; i++) {
        byte[] bytes = new byte[random.nextInt(4) == 0 ? random.nextInt(8) : random.nextInt(1500)];
        random.nextBytes(bytes);
        byte[] body =
            switch (random.nextInt(4)) {
              case 0 -> concat("{\"payload\":".getBytes(UTF_8), bytes);
              case 1 -> randomUnicode(bytes.length).getBytes(UTF_8);
              default -> bytes;
            };
        postJson("random-bytes", eventsPath(), body);
      }
    }

    private void truncatedJson(int count) {
      for (int i = 0; i < count; i++) {
        byte[] whole = validEvent().getBytes(UTF_8);
        byte[] cut = Arrays.copyOf(whole, random.nextInt(whole.length));
        postJson("truncated-json", eventsPath(), cut);
      }
    }

    /** Each field with every kind of value; attribute values, and bodies that are not objects. */
    private void wrongTypes() {
      for (String field : FIELDS) {
        for (String value : JSON_VALUES) {
          String body =
              field.equals("payload")
                  ? "{\"payload\":" + value + "}"
                  : "{\"payload\":{\"text\":\"hi\"},\"" + field + "\":" + value + "}";
          postJson("wrong-types", eventsPath(), body.getBytes(UTF_8));
        }
      }
      for (String value : JSON_VALUES) {
        String attributes = "{\"payload\":1,\"attributes\":{\"k\":" + value + "}}";
        postJson("wrong-types", eventsPath(), attributes.getBytes(UTF_8));
        postJson("wrong-types", eventsPath(), value.getBytes(UTF_8));
      }
      String[] structural = {
        "{\"payload\":1,\"payload\":2}",
        "{\"payload\":1,\"unknown\":2}",
        "{\"Payload\":1}",
        "{\"payload\":1}{}",
        "{\"payload\":1} x",
        "{payload:1}",
        "{'payload':1}",
        "{\"payload\":NaN}",
        "{\"payload\":Infinity}",
        "{\"payload\":01}",
        "{\"payload\":1,}",
        "{\"payload\":[1,]}",
        "{\"payload\":\"\\x41\"}",
        "{\"payload\":\"tab\there\"}",
        "/* c */{\"payload\":1}",
        "\uFEFF{\"payload\":1}",
        "{\"\":1}",
        "{\"payload\":1,\"attributes\":{\"\":\"\"}}",
      };
      for (String body : structural) {
        postJson("wrong-types", eventsPath(), body.getBytes(UTF_8));
      }
    }

    private void hugeNumbers(int count) {
      String[] numbers = {
        "1e400",
        "-1e400",
        "1e-400",
        "1E+99999999",
        "-0.0e-99999999",
        BIG_INTEGER,
        "-" + BIG_INTEGER,
        BIG_DECIMAL,
        BIG_INTEGER + "." + BIG_INTEGER.substring(0, 50),
        "1" + "0".repeat(99),
        "1" + "0".repeat(100),
        "18446744073709551621",
        "9223372036854775807",
        "-9223372036854775809",
        "1.7976931348623157e309",
        "4.9e-325",
        "3600001",
        "3600000.0000000001",
      };
      String[] places = {
        "{\"payload\":%s}",
        "{\"payload\":{\"n\":[%s,%s]}}",
        "{\"payload\":1,\"timeoutMs\":%s}",
        "{\"payload\":1,\"priority\":%s}",
        "{\"payload\":1,\"id\":%s}",
        "{\"payload\":1,\"attributes\":{\"n\":%s}}",
        "%s",
        "[%s]",
      };
      for (int i = 0; i < count; i++) {
        String number = numbers[i % numbers.length];
        String place = places[random.nextInt(places.length)];
        String body = place.replace("%s", number);
        postJson("huge-numbers", eventsPath(), body.getBytes(UTF_8));
      }
    }

    /** Nesting at, around and far beyond the limit; bodies past max-body must get 413. */
    private void deepNesting() {
      int[] depths = {63, 64, 65, 66, 100, 500, 1_000, 1_600, 4_000, 8_000, 10_000, 50_000};
      for (int depth : depths) {
        String[] shapes = {
          "[".repeat(depth),
          "[".repeat(depth) + "]".repeat(depth),
          "{\"a\":".repeat(depth),
          "{\"a\":".repeat(depth) + "1" + "}".repeat(depth),
          "[{\"a\":".repeat(depth / 2 + 1),
        };
        for (String shape : shapes) {
          if (shape.length() > 3 * MAX_BODY + 100_000) {
            continue;
          }
          postJson("deep-nesting", eventsPath(), shape.getBytes(UTF_8));
          String inPayload = "{\"payload\":" + shape + "}";
          postJson("deep-nesting", eventsPath(), inPayload.getBytes(UTF_8));
          String inAttributes = "{\"payload\":1,\"attributes\":{\"k\":" + shape + "}}";
          if (random.nextBoolean()) {
            probes.add(
                client(
                    "deep-nesting",
                    "POST",
                    eventsPath(),
                    inAttributes.getBytes(UTF_8),
                    true,
                    "Content-Type",
                    "application/json"));
          } else {
            postJson("deep-nesting", eventsPath(), inAttributes.getBytes(UTF_8));
          }
        }
      }
    }

    /** Odd space and event ids, in the path (encoded, or as raw escapes) and in the body. */
    private void oddIds(int count) {
      for (int i = 0; i < count; i++) {
        String id = oddId();
        String inPath = random.nextInt(3) == 0 ? encodedJunk() : encode(id);
        String valid = SPACES[random.nextInt(SPACES.length)];
        switch (random.nextInt(8)) {
          case 0 -> get("odd-ids", "/v1/spaces/" + inPath);
          case 1 ->
              postJson("odd-ids", "/v1/spaces/" + inPath + "/events", validEvent().getBytes(UTF_8));
          case 2 -> get("odd-ids", "/v1/spaces/" + inPath + "/events/" + encode(oddId()));
          case 3 -> get("odd-ids", "/v1/spaces/" + valid + "/events/" + inPath);
          case 4 ->
              probes.add(
                  client(
                      "odd-ids",
                      "DELETE",
                      "/v1/spaces/" + valid + "/events/" + inPath,
                      null,
                      false));
          case 5 -> post("odd-ids", "/v1/dead-letters/" + inPath + "/redrive", null);
          case 6 -> {
            String field = random.nextBoolean() ? "id" : "group";
            String body = "{\"payload\":1,\"" + field + "\":" + jsonString(id) + "}";
            postJson("odd-ids", eventsPath(), body.getBytes(UTF_8));
          }
          default -> {
            // Raw UTF-8 in the request target: not a valid URI, so HttpClient would refuse it.
            String target = "/v1/spaces/" + (random.nextBoolean() ? valid + "/events/" : "") + id;
            probes.add(raw("odd-ids", request("GET", target, List.of(), null), true, false));
          }
        }
      }
    }

    private void wrongMethods(int count) {
      List<Route> routes = routes();
      List<String[]> pairs = new ArrayList<>();
      for (Route route : routes) {
        for (String method : METHODS) {
          if (!route.allowed().contains(method)) {
            pairs.add(new String[] {method, route.path()});
          }
        }
      }
      for (int i = 0; i < count; i++) {
        String[] pair = i < pairs.size() ? pairs.get(i) : pairs.get(random.nextInt(pairs.size()));
        byte[] body = random.nextBoolean() ? validEvent().getBytes(UTF_8) : null;
        if (body == null) {
          probes.add(client("wrong-methods", pair[0], pair[1], null, false));
        } else {
          probes.add(
              client(
                  "wrong-methods",
                  pair[0],
                  pair[1],
                  body,
                  false,
                  "Content-Type",
                  "application/json"));
        }
      }
      // Methods HttpClient refuses to send.
      String[] refused = {"CONNECT", "G@T", "GET\u00e9", "(GET)", "{}", "P\u0000ST"};
      for (String method : refused) {
        for (Route route : routes) {
          probes.add(
              raw("wrong-methods", request(method, route.path(), List.of(), null), true, false));
        }
      }
    }

    private void contentTypes(int count) {
      String[] types = {
        null,
        "text/plain",
        "text/json",
        "application/xml",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/octet-stream",
        "application/problem+json",
        "application/json-patch+json",
        "application/JSON",
        "Application/Json; Charset=UTF-8",
        "application/json; charset=utf-16",
        "application/json; charset=iso-8859-1",
        "application/json; charset=bogus-42",
        "application/json; charset=\"\"",
        "application/json; charset",
        "application/json;;;",
        "application/json; q=0",
        "application/*",
        "*/*",
        "json",
        "",
        "/",
        ";",
        "application/json, text/plain",
        "text/html; charset=utf-8",
      };
      for (int i = 0; i < count; i++) {
        String type = types[i % types.length];
        byte[] body =
            random.nextInt(4) == 0
                ? "<event><payload>1</payload></event>".getBytes(UTF_8)
                : validEvent().getBytes(UTF_8);
        if (type == null) {
          post("content-types", eventsPath(), body);
        } else {
          post("content-types", eventsPath(), body, "Content-Type", type);
        }
      }
      // Non-ASCII content types (obs-text, legal in a header), which HttpClient refuses to send.
      String[] rawTypes = {"application/json\u00e9", "application/\u202ejson", "\u00ff\u00fe"};
      for (String type : rawTypes) {
        byte[] request =
            request(
                "POST", eventsPath(), List.of("Content-Type", type), validEvent().getBytes(UTF_8));
        probes.add(raw("content-types", request, false, false));
      }
      // Malformed: a control character in the header, and a second Content-Type.
      List<List<String>> malformed =
          List.of(
              List.of("Content-Type", "application/json\u0000"),
              List.of("Content-Type", "application/json", "Content-Type", "text/plain"));
      for (List<String> headers : malformed) {
        byte[] request = request("POST", eventsPath(), headers, validEvent().getBytes(UTF_8));
        probes.add(raw("content-types", request, true, false));
      }
    }

    /** Bodies past max-body, with Content-Length, chunked, and declaring more than they send. */
    private void oversized() {
      int[] sizes = {MAX_BODY + 1, MAX_BODY + 8, 9_000, 12_000, 16_384, 65_536, 262_144, 1 << 20};
      for (int size : sizes) {
        for (int kind = 0; kind < 3; kind++) {
          byte[] body =
              switch (kind) {
                case 0 -> padded(size);
                case 1 -> randomBytes(size);
                default -> (" ".repeat(size - 12) + "{\"payload\":1}").getBytes(UTF_8);
              };
          for (boolean chunked : new boolean[] {false, true}) {
            probes.add(
                client(
                    "oversized",
                    "POST",
                    eventsPath(),
                    body,
                    chunked,
                    "Content-Type",
                    "application/json"));
          }
          probes.add(raw("oversized", chunkedRequest(eventsPath(), body), false, false));
        }
        probes.add(
            raw(
                "oversized",
                request(
                    "POST",
                    eventsPath(),
                    List.of("Content-Type", "application/json"),
                    padded(size)),
                false,
                false));
      }
      // Declares more than it sends, then closes its side.
      for (String length : new String[] {"8193", "100000", "9999999999", "8192"}) {
        String head =
            "POST "
                + eventsPath()
                + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                + "Content-Type: application/json\r\nContent-Length: "
                + length
                + "\r\n\r\n";
        probes.add(
            raw(
                "oversized",
                concat(head.getBytes(ISO_8859_1), "{\"payload\":".getBytes(UTF_8)),
                true,
                true));
      }
      // A chunk that declares a huge size.
      String head =
          "POST "
              + eventsPath()
              + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
              + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
              + "FFFFFFFFFFFF\r\n{\"payload\":1}";
      probes.add(raw("oversized", head.getBytes(ISO_8859_1), true, true));
    }

    private void emptyBodies(int count) {
      String[] bodies = {null, "", " ", "\n", "\r\n\t ", "\u0000"};
      for (int i = 0; i < count; i++) {
        String text = bodies[i % bodies.length];
        byte[] body = text == null ? null : text.getBytes(UTF_8);
        switch (random.nextInt(5)) {
          case 0 -> post("empty-bodies", eventsPath(), body);
          case 1 ->
              post(
                  "empty-bodies",
                  "/v1/spaces/"
                      + PAUSED_SPACES[random.nextInt(2)]
                      + (random.nextBoolean() ? "/pause" : "/resume"),
                  body);
          case 2 -> postJson("empty-bodies", "/v1/dead-letters/x" + i + "/redrive", body);
          default -> postJson("empty-bodies", eventsPath(), body);
        }
      }
      // A POST without Content-Length nor Transfer-Encoding has an empty body.
      for (int i = 0; i < 6; i++) {
        String head =
            "POST "
                + eventsPath()
                + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                + (i % 2 == 0 ? "Content-Type: application/json\r\n" : "")
                + "\r\n";
        probes.add(raw("empty-bodies", head.getBytes(ISO_8859_1), false, false));
      }
    }

    private void preferHeaders(int count) {
      String[] prefers = {
        "wait=abc",
        "wait=-1",
        "wait=",
        "wait",
        "wait=1.5",
        "wait=0",
        "wait=99999999999999999999",
        "wait=999999999",
        "wait=1e3",
        "wait=0x10",
        "wait=+5",
        "wait = 5",
        "WAIT=5",
        "wait=\"5\"",
        "wait=5, wait=6",
        "wait=5;wait=abc",
        "return=minimal",
        "respond-async, wait=1",
        ";;;,,,",
        "=",
        "wait=" + "9".repeat(2000),
        "x".repeat(7000),
        "handling=strict; wait=2",
        "\t",
      };
      for (int i = 0; i < count; i++) {
        String prefer = prefers[i % prefers.length];
        byte[] body =
            random.nextInt(4) == 0 ? "{\"payload\":".getBytes(UTF_8) : validEvent().getBytes(UTF_8);
        post("prefer", eventsPath(), body, "Content-Type", "application/json", "Prefer", prefer);
      }
      String[] rawPrefers = {
        "wait=\u0665", "wait=\uff15", "wait=5\u202e", "wait=\u00e9", "wait=\u0000"
      };
      for (String prefer : rawPrefers) {
        probes.add(
            raw(
                "prefer",
                request(
                    "POST",
                    eventsPath(),
                    List.of("Content-Type", "application/json", "Prefer", prefer),
                    validEvent().getBytes(UTF_8)),
                prefer.contains("\u0000"),
                false));
      }
    }

    private void unknownRoutes(int count) {
      String[] prefixes = {
        "", "/v1", "/v2", "/V1", "/v1/Spaces", "/v1/spaces/fuzz-1", "/v1/spaces/fuzz-1/events/e1",
        "/v1/admin", "/v1/dead-letters/x", "/healthz", "/readyz", "/v1/spaces", "//v1",
            "/.well-known"
      };
      String[] segments = {
        "x",
        "events",
        "spaces",
        "..",
        ".",
        "",
        "%2e%2e",
        "%00",
        "admin",
        "redrive",
        "v1",
        ";a=b",
        "%2F",
        "index.html",
        "~",
        "*",
        "!",
        "$",
        "'()"
      };
      for (int i = 0; i < count; i++) {
        StringBuilder path = new StringBuilder(prefixes[random.nextInt(prefixes.length)]);
        for (int n = random.nextInt(4) + (path.length() == 0 ? 1 : 0); n > 0; n--) {
          path.append('/')
              .append(
                  random.nextInt(4) == 0
                      ? encode(oddId())
                      : segments[random.nextInt(segments.length)]);
        }
        if (random.nextInt(4) == 0) {
          path.append("?a=%ff&&=&%00=").append(encode(oddId()));
        }
        String target = path.length() == 0 ? "/" : path.toString();
        switch (random.nextInt(4)) {
          case 0 -> postJson("unknown-routes", target, validEvent().getBytes(UTF_8));
          case 1 -> probes.add(client("unknown-routes", "DELETE", target, null, false));
          default -> get("unknown-routes", target);
        }
      }
    }

    /**
     * Requests the HTTP parser itself refuses (bad syntax, bad framing, over its limits), their
     * mutations, random bytes; and a few odd but well-formed raw requests the gateway must answer.
     */
    private void rawMalformed(int count) {
      String host = "Host: 127.0.0.1\r\nConnection: close\r\n";
      List<byte[]> shapes = new ArrayList<>();
      String[] lines = {
        "GET /healthz HTTP/9.9\r\n" + host + "\r\n",
        "GET /healthz HTTP/2.0\r\n" + host + "\r\n",
        "GET /healthz HTTP/1.1.1\r\n" + host + "\r\n",
        "GET /healthz http/1.1\r\n" + host + "\r\n",
        "GET /healthz\r\n\r\n",
        "GET  /healthz HTTP/1.1\r\n" + host + "\r\n",
        "GET /healthz  HTTP/1.1\r\n" + host + "\r\n",
        " GET /healthz HTTP/1.1\r\n" + host + "\r\n",
        "GET\r\n\r\n",
        "\r\n\r\n",
        "HTTP/1.1 200 OK\r\n\r\n",
        "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        "GET healthz HTTP/1.1\r\n" + host + "\r\n",
        "GET /v1/spaces/a%zz HTTP/1.1\r\n" + host + "\r\n",
        "GET /v1/spaces/a% HTTP/1.1\r\n" + host + "\r\n",
        "GET /v1/spaces/a%0 HTTP/1.1\r\n" + host + "\r\n",
        "GET /v1/spaces/a b HTTP/1.1\r\n" + host + "\r\n",
        "GET /v1/spaces/a\u0000b HTTP/1.1\r\n" + host + "\r\n",
        "GET /v1/spaces/\u00ff\u00fe HTTP/1.1\r\n" + host + "\r\n",
        "GET /v1/spaces/a|b{c}^ HTTP/1.1\r\n" + host + "\r\n",
        "GET /readyz#frag HTTP/1.1\r\n" + host + "\r\n",
        "GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n",
        "GET /healthz HTTP/1.0\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:99999999\r\nConnection: close\r\n\r\n",
        "GET /healthz HTTP/1.1\r\n" + host + "NoColon\r\n\r\n",
        "GET /healthz HTTP/1.1\r\n" + host + "Bad Name: x\r\n\r\n",
        "GET /healthz HTTP/1.1\r\n" + host + ": empty\r\n\r\n",
        "GET /healthz HTTP/1.1\r\n" + host + "X-A: a\r\n folded\r\n\r\n",
        "GET /healthz HTTP/1.1\r\n" + host + "X-A: \u0000\u0001\r\n\r\n",
        "GET /healthz HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n\n",
        "GET /healthz HTTP/1.1\r\n" + host + "Expect: teapot\r\n\r\n",
        "GET /healthz HTTP/1.1\r\n" + host + "X-" + "n".repeat(100) + ": x\r\n\r\n",
        "GET /healthz HTTP/1.1\r\n" + host + "X-Long: " + "v".repeat(9_000) + "\r\n\r\n",
        "GET /healthz HTTP/1.1\r\n" + host + "X-Many: 1\r\n".repeat(100) + "\r\n",
        "GET /" + "a".repeat(3_000) + " HTTP/1.1\r\n" + host + "\r\n",
        "GET /v1/spaces/" + "s".repeat(5_000) + "/events HTTP/1.1\r\n" + host + "\r\n",
        "POST " + eventsPath() + " HTTP/1.1\r\n" + host + "Content-Length: abc\r\n\r\n",
        "POST " + eventsPath() + " HTTP/1.1\r\n" + host + "Content-Length: -1\r\n\r\n",
        "POST " + eventsPath() + " HTTP/1.1\r\n" + host + "Content-Length: 1, 2\r\n\r\nx",
        "POST "
            + eventsPath()
            + " HTTP/1.1\r\n"
            + host
            + "Content-Length: 99999999999999999999999\r\n\r\n",
        "POST "
            + eventsPath()
            + " HTTP/1.1\r\n"
            + host
            + "Content-Length: 13\r\nContent-Length: 14\r\n"
            + "Content-Type: application/json\r\n\r\n{\"payload\":1} ",
        "POST "
            + eventsPath()
            + " HTTP/1.1\r\n"
            + host
            + "Content-Length: 13\r\n"
            + "Transfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n0\r\n\r\n",
        "POST "
            + eventsPath()
            + " HTTP/1.1\r\n"
            + host
            + "Transfer-Encoding: gzip\r\n"
            + "Content-Type: application/json\r\n\r\n",
        "POST "
            + eventsPath()
            + " HTTP/1.1\r\n"
            + host
            + "Transfer-Encoding: chunked, chunked\r\n"
            + "Content-Type: application/json\r\n\r\n0\r\n\r\n",
        "POST "
            + eventsPath()
            + " HTTP/1.1\r\n"
            + host
            + "Transfer-Encoding: chunked\r\n"
            + "Content-Type: application/json\r\n\r\nzz\r\n{\"payload\":1}\r\n0\r\n\r\n",
        "POST "
            + eventsPath()
            + " HTTP/1.1\r\n"
            + host
            + "Transfer-Encoding: chunked\r\n"
            + "Content-Type: application/json\r\n\r\n5\r\n{\"payload\":1}\r\n0\r\n\r\n",
        "POST "
            + eventsPath()
            + " HTTP/1.1\r\n"
            + host
            + "Transfer-Encoding: chunked\r\n"
            + "Content-Type: application/json\r\n\r\nd;ext=\"x\r\n{\"payload\":1}\r\n0\r\n\r\n",
        "POST "
            + eventsPath()
            + " HTTP/1.1\r\n"
            + host
            + "Content-Encoding: gzip\r\n"
            + "Content-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"payload\":1}",
      };
      for (String line : lines) {
        shapes.add(line.getBytes(ISO_8859_1));
      }
      shapes.add(new byte[] {0x16, 0x03, 0x01, 0x00, (byte) 0xa5, 0x01, 0x00, 0x00, (byte) 0xa1});
      for (int i = 0; i < count; i++) {
        byte[] bytes;
        if (i < shapes.size()) {
          bytes = shapes.get(i);
        } else if (random.nextBoolean()) {
          bytes = shapes.get(random.nextInt(shapes.size())).clone();
          // Flip a few bytes of a known shape.
          for (int flips = random.nextInt(3) + 1; flips > 0 && bytes.length > 0; flips--) {
            bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
          }
        } else {
          bytes = randomBytes(random.nextInt(300) + 1);
        }
        // Closing our side ends anything the parser still waits for.
        probes.add(raw("raw-malformed", bytes, true, true));
      }
      // Odd but well-formed requests the gateway itself must answer with a problem.
      String[] wellFormed = {
        "OPTIONS * HTTP/1.1\r\n" + host + "\r\n",
        "GET http://127.0.0.1/v1/nowhere HTTP/1.1\r\n" + host + "\r\n",
        "GET /v1/nowhere HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n",
        "DELETE /v1/spaces/fuzz-1/events/%00 HTTP/1.1\r\n" + host + "\r\n",
        "POST "
            + eventsPath()
            + " HTTP/1.1\r\n"
            + host
            + "Expect: 100-continue\r\n"
            + "Content-Type: application/json\r\nContent-Length: 9\r\n\r\n{\"payload",
      };
      for (String request : wellFormed) {
        probes.add(raw("raw-odd", request.getBytes(ISO_8859_1), false, false));
      }
    }

    // ---------------------------------------------------------------- pieces

    private static List<Route> routes() {
      String space = SPACES[0];
      return List.of(
          new Route("/healthz", Set.of("GET", "HEAD")),
          new Route("/readyz", Set.of("GET", "HEAD")),
          new Route("/metrics", Set.of("GET", "HEAD")),
          new Route("/openapi.json", Set.of("GET", "HEAD")),
          new Route("/v1/spaces/" + space, Set.of("GET", "HEAD")),
          new Route("/v1/spaces/" + PAUSED_SPACES[0] + "/pause", Set.of("POST")),
          new Route("/v1/spaces/" + PAUSED_SPACES[0] + "/resume", Set.of("POST")),
          new Route("/v1/spaces/" + space + "/events", Set.of("POST")),
          new Route(
              "/v1/spaces/" + space + "/events/e-1", Set.of("GET", "HEAD", "DELETE", "PATCH")),
          // POST would cancel the space's pending events under the other requests.
          new Route("/v1/spaces/" + space + "/cancel", Set.of("POST")),
          new Route("/v1/spaces/" + space + "/order", Set.of("PATCH")),
          new Route("/v1/cancel", Set.of("POST")),
          new Route("/v1/export", Set.of("GET", "HEAD")),
          new Route("/v1/spaces/" + space + "/events/e-1/move", Set.of("POST")),
          // GET would open a stream that never ends.
          new Route("/v1/spaces/" + space + "/stream", Set.of("GET", "HEAD")),
          // DELETE would purge the dead letters under the other requests.
          new Route("/v1/dead-letters", Set.of("GET", "HEAD", "DELETE")),
          new Route("/v1/dead-letters/e-1/redrive", Set.of("POST")),
          // POST would pause or stop the whole runtime under the other requests.
          new Route("/v1/admin/pause", Set.of("POST")),
          new Route("/v1/admin/resume", Set.of("POST")),
          new Route("/v1/admin/emergency-stop", Set.of("POST")));
    }

    private String eventsPath() {
      return "/v1/spaces/" + SPACES[random.nextInt(SPACES.length)] + "/events";
    }

    /** A valid event body with a random choice of the optional fields. */
    private String validEvent() {
      StringBuilder body = new StringBuilder("{\"payload\":{\"text\":\"hi \uD83D\uDE00 \u00e9\"}");
      if (random.nextBoolean()) {
        body.append(",\"id\":\"fz-").append(++eventIds).append('"');
      }
      if (random.nextInt(4) == 0) {
        body.append(",\"priority\":\"P").append(random.nextInt(4)).append('"');
      }
      if (random.nextInt(4) == 0) {
        body.append(",\"attributes\":{\"k\":\"v\"}");
      }
      if (random.nextInt(4) == 0) {
        body.append(",\"timeoutMs\":").append(1 + random.nextInt(5_000));
      }
      if (random.nextInt(4) == 0) {
        body.append(",\"policy\":\"enqueue\"");
      }
      return body.append('}').toString();
    }

    private String oddId() {
      int kind = random.nextInt(6);
      if (kind == 0) {
        return "a".repeat(129 + random.nextInt(200));
      }
      if (kind == 1) {
        return ODD_PIECES[random.nextInt(ODD_PIECES.length)].repeat(40 + random.nextInt(100));
      }
      StringBuilder id = new StringBuilder();
      for (int n = random.nextInt(4) + 1; n > 0; n--) {
        id.append(ODD_PIECES[random.nextInt(ODD_PIECES.length)]);
      }
      return id.toString();
    }

    private String encodedJunk() {
      StringBuilder junk = new StringBuilder();
      for (int n = random.nextInt(3) + 1; n > 0; n--) {
        junk.append(ENCODED_JUNK[random.nextInt(ENCODED_JUNK.length)]);
        if (random.nextBoolean()) {
          junk.append("a");
        }
      }
      return junk.toString();
    }

    private String randomUnicode(int length) {
      StringBuilder text = new StringBuilder();
      while (text.length() < length) {
        int codePoint = random.nextInt(0x30000);
        if (Character.isValidCodePoint(codePoint)) {
          text.appendCodePoint(codePoint);
        }
      }
      return text.toString();
    }

    private byte[] randomBytes(int size) {
      byte[] bytes = new byte[size];
      random.nextBytes(bytes);
      return bytes;
    }

    /** A valid event whose payload pads it to {@code size} bytes. */
    private static byte[] padded(int size) {
      String head = "{\"payload\":\"";
      return (head + "p".repeat(size - head.length() - 2) + "\"}").getBytes(UTF_8);
    }

    /** Every byte except unreserved ones percent-encoded: always a valid URI segment. */
    static String encode(String value) {
      StringBuilder encoded = new StringBuilder();
      for (byte b : value.getBytes(UTF_8)) {
        char c = (char) (b & 0xff);
        if ((c >= 'a' && c <= 'z')
            || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9')
            || c == '-'
            || c == '.'
            || c == '_'
            || c == '~') {
          encoded.append(c);
        } else {
          encoded.append(String.format(Locale.ROOT, "%%%02X", b & 0xff));
        }
      }
      return encoded.toString();
    }

    private static String jsonString(String value) {
      try {
        return JSON.writeValueAsString(value);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }

    private static byte[] concat(byte[] first, byte[] second) {
      byte[] both = Arrays.copyOf(first, first.length + second.length);
      System.arraycopy(second, 0, both, first.length, second.length);
      return both;
    }

    static String abbreviate(String text, int limit) {
      return text.length() > limit
          ? text.substring(0, limit) + "… (" + text.length() + " chars)"
          : text;
    }

    /** At most {@code limit} characters of {@code bytes}, with controls escaped. */
    static String shown(byte[] bytes, int limit) {
      StringBuilder text = new StringBuilder();
      String decoded = new String(bytes, 0, Math.min(bytes.length, limit * 4), UTF_8);
      decoded
          .codePoints()
          .limit(limit)
          .forEach(
              c -> {
                if (c == '\r') {
                  text.append("\\r");
                } else if (c == '\n') {
                  text.append("\\n");
                } else if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0xfffd) {
                  text.append(String.format(Locale.ROOT, "\\x%02x", c & 0xff));
                } else {
                  text.appendCodePoint(c);
                }
              });
      if (bytes.length > limit) {
        text.append("… (").append(bytes.length).append(" bytes)");
      }
      return text.toString();
    }

    // ---------------------------------------------------------------- probes

    private void get(String category, String target) {
      probes.add(client(category, "GET", target, null, false));
    }

    private void postJson(String category, String target, byte[] body) {
      post(category, target, body, "Content-Type", "application/json");
    }

    private void post(String category, String target, byte[] body, String... headers) {
      probes.add(client(category, "POST", target, body, false, headers));
    }

    /**
     * A probe sent by HttpClient; if HttpClient refuses to build it, the same request as raw bytes
     * (not counted as malformed: the gateway must answer it).
     */
    private Probe client(
        String category,
        String method,
        String target,
        byte[] body,
        boolean chunked,
        String... headers) {
      String shown =
          abbreviate(method + " " + target, 300)
              + " "
              + abbreviate(List.of(headers).toString(), 300)
              + (chunked ? " chunked" : "")
              + (body == null ? "" : " body: " + shown(body, 200));
      try {
        HttpRequest.BodyPublisher publisher =
            body == null
                ? HttpRequest.BodyPublishers.noBody()
                : chunked
                    ? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))
                    : HttpRequest.BodyPublishers.ofByteArray(body);
        HttpRequest.Builder request =
            HttpRequest.newBuilder(URI.create(base + target))
                .timeout(REQUEST_TIMEOUT)
                .method(method, publisher);
        for (int i = 0; i < headers.length; i += 2) {
          request.header(headers[i], headers[i + 1]);
        }
        boolean oversized = body != null && body.length > MAX_BODY;
        return new Probe(category, request.build(), null, false, false, oversized, shown);
      } catch (IllegalArgumentException e) {
        List<String> all = List.of(headers);
        return raw(category, request(method, target, all, body), false, false);
      }
    }

    private Probe raw(String category, byte[] bytes, boolean malformed, boolean halfClose) {
      // A raw request longer than max-body carries a body over it.
      return new Probe(
          category,
          null,
          bytes,
          malformed,
          halfClose,
          bytes.length > MAX_BODY,
          (malformed ? "malformed " : "") + (halfClose ? "half-closed " : "") + shown(bytes, 300));
    }

    /** HTTP/1.1 by hand: the method, target and header values go out as UTF-8, as given. */
    private static byte[] request(String method, String target, List<String> headers, byte[] body) {
      StringBuilder head =
          new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n");
      for (int i = 0; i < headers.size(); i += 2) {
        head.append(headers.get(i)).append(": ").append(headers.get(i + 1)).append("\r\n");
      }
      if (body != null) {
        head.append("Content-Length: ").append(body.length).append("\r\n");
      }
      head.append("Connection: close\r\n\r\n");
      byte[] bytes = head.toString().getBytes(UTF_8);
      return body == null ? bytes : concat(bytes, body);
    }

    private static byte[] chunkedRequest(String target, byte[] body) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      String head =
          "POST "
              + target
              + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
              + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
      out.writeBytes(head.getBytes(ISO_8859_1));
      for (int offset = 0; offset < body.length; offset += 4096) {
        int length = Math.min(4096, body.length - offset);
        out.writeBytes((Integer.toHexString(length) + "\r\n").getBytes(ISO_8859_1));
        out.write(body, offset, length);
        out.writeBytes("\r\n".getBytes(ISO_8859_1));
      }
      out.writeBytes("0\r\n\r\n".getBytes(ISO_8859_1));
      return out.toByteArray();
    }
  }
}
