package dev.parley.load;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;

/**
 * A run's result: what was measured, how many answers in what time, the latency percentiles (from
 * each request's intended send time) and the status codes and errors, as text, JSON or CSV.
 *
 * @param target method, URL and headers of the requests
 * @param model {@code open} (a rate) or {@code closed} (a concurrency)
 * @param rate requests per second asked for, or {@code null} in the closed model
 * @param connections most connections (and requests in flight)
 * @param warmupSeconds the warm-up, not in the figures
 * @param durationSeconds the measured duration asked for
 * @param requests answered and failed requests due within the measured duration
 * @param seconds from the measurement's start until its last answer
 * @param throughput {@code requests / seconds}
 * @param statuses answers per HTTP status code
 * @param errors requests without an answer, per exception
 * @param latencyMs percentiles in milliseconds
 */
record Report(
    String target,
    String model,
    Integer rate,
    int connections,
    double warmupSeconds,
    double durationSeconds,
    long requests,
    double seconds,
    double throughput,
    Map<Integer, Long> statuses,
    Map<String, Long> errors,
    Latency latencyMs) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Latency percentiles and the maximum, in milliseconds. */
  record Latency(double p50, double p90, double p99, double p999, double max, double mean) {
    static Latency of(Histogram micros) {
      return new Latency(
          ms(micros.getValueAtPercentile(50)),
          ms(micros.getValueAtPercentile(90)),
          ms(micros.getValueAtPercentile(99)),
          ms(micros.getValueAtPercentile(99.9)),
          ms(micros.getMaxValue()),
          Math.round(micros.getMean()) / 1000.0);
    }

    private static double ms(long micros) {
      return micros / 1000.0;
    }
  }

  /** The report of a finished run of {@code driver}. */
  static Report of(String target, LoadDriver driver, double warmupSeconds, double durationSeconds) {
    Phase measured = driver.measured();
    measured.sample();
    double seconds = driver.measuredSeconds();
    LoadDriver.Model model = driver.model();
    return new Report(
        target,
        model instanceof LoadDriver.Model.Open ? "open" : "closed",
        model instanceof LoadDriver.Model.Open open ? open.rate() : null,
        model.connections(),
        warmupSeconds,
        durationSeconds,
        measured.responses(),
        seconds,
        seconds > 0 ? measured.responses() / seconds : 0,
        measured.statuses(),
        measured.errors(),
        Latency.of(measured.total()));
  }

  String json() {
    try {
      return JSON.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the report as JSON", e);
    }
  }

  /** A header line and one line of values; statuses and errors as {@code key:count} lists. */
  String csv() {
    return String.join(
            ",",
            "target",
            "model",
            "rate",
            "connections",
            "warmup_s",
            "duration_s",
            "requests",
            "seconds",
            "throughput",
            "p50_ms",
            "p90_ms",
            "p99_ms",
            "p999_ms",
            "max_ms",
            "mean_ms",
            "statuses",
            "errors")
        + "\n"
        + String.join(
            ",",
            quoted(target),
            model,
            rate == null ? "" : rate.toString(),
            Integer.toString(connections),
            number(warmupSeconds),
            number(durationSeconds),
            Long.toString(requests),
            number(seconds),
            number(throughput),
            number(latencyMs.p50),
            number(latencyMs.p90),
            number(latencyMs.p99),
            number(latencyMs.p999),
            number(latencyMs.max),
            number(latencyMs.mean),
            quoted(pairs(statuses)),
            quoted(pairs(errors)));
  }

  String text() {
    return String.format(
        Locale.ROOT,
        "target      %s%n"
            + "model       %s%n"
            + "requests    %,d in %.2f s: %,.0f requests/s (after a %.0f s warm-up)%n"
            + "latency     p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  p99.9 %.3f ms  max %.3f ms%n"
            + "statuses    %s%n"
            + "errors      %s",
        target,
        rate == null
            ? "closed, " + connections + " requests in flight"
            : "open, " + rate + " requests/s over at most " + connections + " connections",
        requests,
        seconds,
        throughput,
        warmupSeconds,
        latencyMs.p50,
        latencyMs.p90,
        latencyMs.p99,
        latencyMs.p999,
        latencyMs.max,
        statuses.isEmpty() ? "none" : pairs(statuses),
        errors.isEmpty() ? "none" : pairs(errors));
  }

  private static String pairs(Map<?, Long> counts) {
    return counts.entrySet().stream()
        .map(e -> e.getKey() + ":" + e.getValue())
        .collect(Collectors.joining(" "));
  }

  private static String number(double value) {
    return String.format(Locale.ROOT, "%.3f", value);
  }

  private static String quoted(String value) {
    return "\"" + value.replace("\"", "\"\"") + "\"";
  }
}
