package dev.parley.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Bad command lines exit with status 2 and name what is wrong, before any request is sent. */
class ParleyLoadOptionsTest {

  static Stream<Arguments> badCommandLines() {
    return Stream.of(
        Arguments.of("--rate 0", "--rate: from 1 to 1,000,000, got 0"),
        Arguments.of("--rate 2000000", "--rate: from 1 to 1,000,000"),
        Arguments.of("--rate ten", "--rate"),
        Arguments.of("--rate 10 --concurrency 5", "mutually exclusive"),
        Arguments.of("--concurrency 0", "--concurrency: from 1 to 4,096, got 0"),
        Arguments.of("--connections 8", "--connections needs --rate"),
        Arguments.of("--rate 10 --connections 5000", "--connections: from 1 to 4,096"),
        Arguments.of("--spaces 0", "--spaces: from 1 to 1,000,000"),
        Arguments.of("--payload-bytes -1", "--payload-bytes: from 0"),
        Arguments.of("--duration abc", "a duration like 500ms, 30s, 2m, got 'abc'"),
        Arguments.of("--duration 0s", "--duration: from"),
        Arguments.of("--duration 2h", "--duration: from"),
        Arguments.of("--wait 0", "--wait: from 1 to 300"),
        Arguments.of("--wait 5 --target healthz", "--wait needs --target submit"),
        Arguments.of("--target bogus", "submit, healthz or url, got 'bogus'"),
        Arguments.of("--target url", "--target url needs --url"),
        Arguments.of("--url http://127.0.0.1:1/echo", "--url needs --target url"),
        Arguments.of(
            "--target url --url http://127.0.0.1:1/ --method PUT", "--method: GET or POST"),
        Arguments.of("--server http://192.0.2.1:8080", "servers on this machine only"),
        Arguments.of("--server https://127.0.0.1:8080", "an http:// URL with a host"),
        Arguments.of("--json --csv", "mutually exclusive"),
        Arguments.of("--frobnicate", "Unknown option: '--frobnicate'"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badCommandLines")
  void aBadCommandLineExitsWithStatus2AndSaysWhy(String commandLine, String message) {
    CliRun run = CliRun.of(commandLine.split(" "));
    assertEquals(2, run.status(), run.err());
    assertTrue(run.err().contains(message), "expected '" + message + "' in: " + run.err());
    assertTrue(run.err().contains("Usage: parley-load"), run.err());
    assertEquals("", run.out());
  }

  @Test
  void helpPrintsTheUsageAndExitsWith0() {
    CliRun run = CliRun.of("--help");
    assertEquals(0, run.status(), run.err());
    assertTrue(run.out().contains("--rate=N"), run.out());
    assertTrue(run.out().contains("--concurrency=N"), run.out());
  }

  @Test
  void durationsReadUnitsPlainSecondsAndIso8601() {
    ParleyLoad.DurationConverter durations = new ParleyLoad.DurationConverter();
    assertEquals(Duration.ofMillis(500), durations.convert("500ms"));
    assertEquals(Duration.ofSeconds(30), durations.convert("30s"));
    assertEquals(Duration.ofSeconds(7), durations.convert("7"));
    assertEquals(Duration.ofMinutes(2), durations.convert("2m"));
    assertEquals(Duration.ofHours(1), durations.convert("1h"));
    assertEquals(Duration.ofMillis(1500), durations.convert("PT1.5S"));
  }
}
