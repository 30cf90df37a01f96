package dev.parley.runtime.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.runtime.Event;
import dev.parley.runtime.Outcome;
import dev.parley.runtime.Parley;
import dev.parley.runtime.Reply;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.slf4j.helpers.NOPLoggerFactory;

/**
 * Without an SLF4J provider, starting Parley prints one line to stderr naming the provider to add;
 * with one (Logback, as in these tests) it prints nothing. The no-provider case runs in a child JVM
 * whose class path is this one without Logback.
 */
class LoggingCheckTest {
  private static final long CHILD_TIMEOUT_SECONDS = 120;

  @Test
  void onlySlf4jsOwnFallbackCountsAsDropping() {
    assertTrue(LoggingCheck.isDropping(new NOPLoggerFactory(), false));
    assertFalse(LoggingCheck.isDropping(new NOPLoggerFactory(), true), "slf4j-nop chosen");
    assertFalse(LoggingCheck.isDropping(LoggerFactory.getILoggerFactory(), false), "Logback");
  }

  @Test
  void withoutAProviderStartingParleyTwicePrintsTheAdviceOnceToStderr(@TempDir Path dir)
      throws Exception {
    String classPath =
        Stream.of(testClassPath().split(File.pathSeparator))
            .filter(entry -> !Path.of(entry).getFileName().toString().startsWith("logback-"))
            .collect(Collectors.joining(File.pathSeparator));
    assertFalse(classPath.contains("logback-classic"), classPath);
    Path out = dir.resolve("out.txt");
    Path errFile = dir.resolve("err.txt");
    Process child =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                classPath,
                StartTwice.class.getName())
            .redirectOutput(out.toFile())
            .redirectError(errFile.toFile())
            .start();
    assertTrue(child.waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS), "child still running");
    String err = Files.readString(errFile);
    assertEquals(0, child.exitValue(), () -> "child failed; stderr:\n" + err);
    List<String> lines = Files.readAllLines(out);
    assertEquals(
        StartTwice.DONE,
        lines.get(lines.size() - 1),
        () -> "stdout: " + lines + "\nstderr: " + err);
    List<String> advice = new ArrayList<>();
    err.lines().filter(line -> line.equals(LoggingCheck.ADVICE)).forEach(advice::add);
    assertEquals(1, advice.size(), () -> "stderr should hold the advice once:\n" + err);
  }

  @Test
  void withLogbackBoundNothingIsPrinted() {
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    java.io.PrintStream original = System.err;
    System.setErr(new java.io.PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      LoggingCheck.warnIfNoProvider();
    } finally {
      System.setErr(original);
    }
    assertEquals("", captured.toString(StandardCharsets.UTF_8));
  }

  /** Surefire runs tests through a manifest-only jar; the real class path is in this property. */
  private static String testClassPath() {
    return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
  }

  /** The child: two runtimes, one after the other, each completing one event. */
  static final class StartTwice {
    static final String DONE = "both runtimes completed their event";

    public static void main(String[] args) {
      StringBuilder seen = new StringBuilder();
      for (int i = 0; i < 2; i++) {
        try (Parley parley =
            Parley.builder()
                .handler((event, lane) -> CompletableFuture.completedFuture(Reply.of("ok")))
                .build()) {
          Outcome outcome =
              parley
                  .submit(Event.to("space-" + i).payload("hi").build())
                  .toCompletableFuture()
                  .join();
          seen.append(outcome.getClass().getSimpleName()).append(' ');
        }
      }
      System.out.println(seen.toString().strip().equals("Completed Completed") ? DONE : seen);
    }
  }
}
