package dev.parley.load;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code parley-load}: drives a running server on this machine over HTTP for a bounded time and
 * reports latency percentiles, throughput and status codes. Bad options exit with status 2 and a
 * message naming the option; a run in which no request got an answer exits with 1.
 */
@Command(
    name = "parley-load",
    mixinStandardHelpOptions = true,
    version = "parley-load 0.1.0",
    sortOptions = false,
    usageHelpWidth = 100,
    description = {
      "Drives a server on 127.0.0.1 over HTTP/1.1 and reports latency percentiles (HdrHistogram,"
          + " from each request's intended send time), throughput and status codes.",
      "Open model: --rate N requests/s on a schedule. Closed model: --concurrency N in flight"
          + " (the default, 64)."
    })
public final class ParleyLoad implements Callable<Integer> {
  static final int MAX_RATE = 1_000_000;
  static final int MAX_CONNECTIONS = 4_096;
  static final int MAX_SPACES = 1_000_000;
  static final int MAX_PAYLOAD_BYTES = 1 << 20;
  static final int MAX_WAIT_SECONDS = 300;
  static final Duration MAX_DURATION = Duration.ofHours(1);
  static final int DEFAULT_CONCURRENCY = 64;

  /** Time left to a waiting submit's answer beyond its {@code Prefer: wait}. */
  private static final Duration WAIT_MARGIN = Duration.ofSeconds(10);

  @Spec private CommandSpec spec;

  @Option(
      names = "--server",
      paramLabel = "URL",
      description = "The server's base URL, on this machine (default: ${DEFAULT-VALUE}).")
  URI server = URI.create("http://127.0.0.1:8080");

  @Option(
      names = "--target",
      paramLabel = "submit|healthz|url",
      description =
          "submit: POST /v1/spaces/{space}/events; healthz: GET /healthz (the ceiling);"
              + " url: --url (default: submit).",
      converter = TargetConverter.class)
  Requests.Target target = Requests.Target.SUBMIT;

  @Option(
      names = "--url",
      paramLabel = "URL",
      description = "With --target url: the URL, on this machine.")
  URI url;

  @Option(
      names = "--method",
      paramLabel = "GET|POST",
      description = "With --target url: POST sends the event body, GET none (default: POST).")
  String method = "POST";

  @ArgGroup(exclusive = true)
  Load load;

  /** The open or the closed model, not both. */
  static final class Load {
    @Option(
        names = "--rate",
        paramLabel = "N",
        description = "Open model: N requests per second, whatever the answers' pace.")
    Integer rate;

    @Option(
        names = "--concurrency",
        paramLabel = "N",
        description = "Closed model: N requests in flight (default: 64).")
    Integer concurrency;
  }

  @Option(
      names = "--connections",
      paramLabel = "N",
      description = "Open model: most connections and requests in flight (default: 64).")
  Integer connections;

  @Option(
      names = "--spaces",
      paramLabel = "N",
      description =
          "Submits go to the spaces load-0 .. load-(N-1) in turn (default: ${DEFAULT-VALUE}).")
  int spaces = 1_000;

  @Option(
      names = "--payload-bytes",
      paramLabel = "N",
      description = "Length of the payload's text (default: ${DEFAULT-VALUE}).")
  int payloadBytes = 64;

  @Option(
      names = "--wait",
      paramLabel = "SECONDS",
      description =
          "Submit with Prefer: wait=SECONDS (200 with the outcome); without it, fire-and-forget"
              + " (202).")
  Integer waitSeconds;

  @Option(
      names = "--duration",
      paramLabel = "TIME",
      description = "Measured time, e.g. 30s, 500ms, 2m (default: 10s).",
      converter = DurationConverter.class)
  Duration duration = Duration.ofSeconds(10);

  @Option(
      names = "--warmup",
      paramLabel = "TIME",
      description = "Load before the measured time, not in the figures (default: 2s).",
      converter = DurationConverter.class)
  Duration warmup = Duration.ofSeconds(2);

  @Option(
      names = "--timeout",
      paramLabel = "TIME",
      description = "A request without an answer by then fails (default: 10s, plus --wait).",
      converter = DurationConverter.class)
  Duration timeout;

  @ArgGroup(exclusive = true)
  Output output;

  /** One machine-readable output, or the text report. */
  static final class Output {
    @Option(names = "--json", description = "Print the report as one JSON object.")
    boolean json;

    @Option(names = "--csv", description = "Print the report as a CSV header and one line.")
    boolean csv;
  }

  @Option(
      names = "--progress",
      negatable = true,
      description = "A progress bar on stderr while it runs (default: when stderr is a terminal).")
  Boolean progress;

  public static void main(String[] args) {
    System.exit(execute(System.out, System.err, args));
  }

  /** Runs the command line {@code args}: the report on {@code out}, problems on {@code err}. */
  static int execute(PrintStream out, PrintStream err, String... args) {
    CommandLine line = new CommandLine(new ParleyLoad(out, err));
    line.setOut(new PrintWriter(out, true));
    line.setErr(new PrintWriter(err, true));
    return line.execute(args);
  }

  private final PrintStream out;
  private final PrintStream err;

  private ParleyLoad(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  @Override
  public Integer call() throws InterruptedException {
    Requests requests = requests();
    LoadDriver.Model model = model();
    try (HttpConnections connections =
        new HttpConnections(requests.serverHost(), requests.serverPort(), requestTimeout())) {
      LoadDriver driver =
          new LoadDriver(connections, requests, model, warmup, duration, requestTimeout());
      Progress bar =
          (progress != null ? progress : Progress.stderrIsTerminal())
              ? Progress.start(driver, err)
              : null;
      try {
        driver.run();
      } finally {
        if (bar != null) {
          bar.close();
        }
      }
      Report report = Report.of(requests.describe(), driver, seconds(warmup), seconds(duration));
      out.println(output == null ? report.text() : output.json ? report.json() : report.csv());
      if (report.statuses().isEmpty()) {
        err.println(
            "parley-load: no request got an answer from " + server + ": " + report.errors());
        return 1;
      }
      return 0;
    }
  }

  private Requests requests() {
    check(target != Requests.Target.URL || url != null, "--target url needs --url");
    check(url == null || target == Requests.Target.URL, "--url needs --target url");
    check(
        method.equals("GET") || method.equals("POST"),
        "--method: GET or POST, got '" + method + "'");
    URI uri = target == Requests.Target.URL ? url : server;
    String option = target == Requests.Target.URL ? "--url" : "--server";
    check(
        "http".equals(uri.getScheme()) && uri.getHost() != null,
        option + ": an http:// URL with a host, got '" + uri + "'");
    check(
        isLoopback(uri.getHost()),
        option + ": servers on this machine only (127.0.0.1, localhost), got '" + uri + "'");
    check(waitSeconds == null || target == Requests.Target.SUBMIT, "--wait needs --target submit");
    range("--wait", waitSeconds == null ? 1 : waitSeconds, 1, MAX_WAIT_SECONDS);
    range("--spaces", spaces, 1, MAX_SPACES);
    range("--payload-bytes", payloadBytes, 0, MAX_PAYLOAD_BYTES);
    range("--duration", duration, Duration.ofMillis(1), MAX_DURATION);
    range("--warmup", warmup, Duration.ZERO, MAX_DURATION);
    range("--timeout", requestTimeout(), Duration.ofMillis(1), MAX_DURATION);
    return new Requests(
        target, uri, method, spaces, payloadBytes, waitSeconds == null ? 0 : waitSeconds);
  }

  private LoadDriver.Model model() {
    if (load != null && load.rate != null) {
      range("--rate", load.rate, 1, MAX_RATE);
      int most = connections == null ? DEFAULT_CONCURRENCY : connections;
      range("--connections", most, 1, MAX_CONNECTIONS);
      return new LoadDriver.Model.Open(load.rate, most);
    }
    check(connections == null, "--connections needs --rate (with --concurrency N, N connections)");
    int concurrency = load == null ? DEFAULT_CONCURRENCY : load.concurrency;
    range("--concurrency", concurrency, 1, MAX_CONNECTIONS);
    return new LoadDriver.Model.Closed(concurrency);
  }

  private Duration requestTimeout() {
    if (timeout != null) {
      return timeout;
    }
    return WAIT_MARGIN.plusSeconds(waitSeconds == null ? 0 : waitSeconds);
  }

  private static boolean isLoopback(String host) {
    try {
      for (InetAddress address : InetAddress.getAllByName(host)) {
        if (!address.isLoopbackAddress()) {
          return false;
        }
      }
      return true;
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private void range(String option, int value, int min, int max) {
    check(
        value >= min && value <= max,
        String.format(Locale.ROOT, "%s: from %,d to %,d, got %,d", option, min, max, value));
  }

  private void range(String option, Duration value, Duration min, Duration max) {
    check(
        value.compareTo(min) >= 0 && value.compareTo(max) <= 0,
        option + ": from " + min + " to " + max + ", got " + value);
  }

  private void check(boolean valid, String message) {
    if (!valid) {
      throw new ParameterException(spec.commandLine(), message);
    }
  }

  private static double seconds(Duration duration) {
    return duration.toNanos() / 1e9;
  }

  /** {@code submit}, {@code healthz} or {@code url}, in any case. */
  static final class TargetConverter implements CommandLine.ITypeConverter<Requests.Target> {
    @Override
    public Requests.Target convert(String value) {
      try {
        return Requests.Target.valueOf(value.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(
            "submit, healthz or url, got '" + value + "'");
      }
    }
  }

  /** {@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h}, a number of seconds, or ISO-8601. */
  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    private static final Pattern SHORT = Pattern.compile("(\\d{1,9})(ms|s|m|h)?");

    @Override
    public Duration convert(String value) {
      Matcher m = SHORT.matcher(value.trim());
      if (m.matches()) {
        long amount = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
          case "ms" -> Duration.ofMillis(amount);
          case "m" -> Duration.ofMinutes(amount);
          case "h" -> Duration.ofHours(amount);
          default -> Duration.ofSeconds(amount);
        };
      }
      try {
        return Duration.parse(value.trim());
      } catch (DateTimeParseException e) {
        throw new CommandLine.TypeConversionException(
            "a duration like 500ms, 30s, 2m, got '" + value + "'");
      }
    }
  }
}
