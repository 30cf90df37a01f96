package dev.parley.samples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The packaged demo ({@code target/parley-demo.jar}) as a child process: started with JVM options
 * and arguments, its output collected, its announced base URI read.
 */
final class DemoProcess implements AutoCloseable {
  static final Path JAR = Path.of("target", "parley-demo.jar");
  private static final Pattern ANNOUNCE =
      Pattern.compile("Parley demo: .+ on (http://[^\\s:]+:(\\d+))  \\(try");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final long POLL_INTERVAL_MS = 20;

  private final Process process;
  private final StringBuffer output = new StringBuffer();
  private final CompletableFuture<URI> announced = new CompletableFuture<>();
  private final CompletableFuture<Void> ended = new CompletableFuture<>();

  private DemoProcess(List<String> jvmOptions, List<String> arguments) throws IOException {
    assertTrue(Files.isRegularFile(JAR), JAR + " is missing: run mvn package first");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.addAll(List.of("-jar", JAR.toString()));
    command.addAll(arguments);
    process = new ProcessBuilder(command).redirectErrorStream(true).start();
    Thread reader = new Thread(this::read, "demo-output");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Starts the demo on an ephemeral port, with a journal of its own in a fresh directory, and waits
   * for the port it announces.
   */
  static DemoProcess start(String... jvmOptions) throws Exception {
    return start(freshDataDir(), List.of(jvmOptions));
  }

  /** A journal directory of a demo's own. */
  static Path freshDataDir() throws IOException {
    return Files.createTempDirectory("parley-demo-data");
  }

  /** Starts the demo on an ephemeral port with its journal in {@code dataDir}. */
  static DemoProcess start(Path dataDir, List<String> jvmOptions, String... arguments)
      throws Exception {
    List<String> all = new ArrayList<>(List.of("--port", "0", "--data-dir", dataDir.toString()));
    all.addAll(List.of(arguments));
    DemoProcess demo = new DemoProcess(jvmOptions, all);
    try {
      demo.announced.get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (Exception e) {
      demo.close();
      throw new AssertionError("the demo did not announce its port:\n" + demo.output(), e);
    }
    return demo;
  }

  /**
   * Starts the demo with {@code arguments} (and a journal of its own in a fresh directory) and does
   * not wait for anything.
   */
  static DemoProcess launch(String... arguments) throws IOException {
    List<String> all = new ArrayList<>(List.of(arguments));
    all.addAll(List.of("--data-dir", freshDataDir().toString()));
    return new DemoProcess(List.of(), all);
  }

  private void read() {
    try (BufferedReader lines =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        output.append(line).append('\n');
        Matcher announce = ANNOUNCE.matcher(line);
        if (announce.find() && Integer.parseInt(announce.group(2)) > 0) {
          announced.complete(URI.create(announce.group(1)));
        }
      }
    } catch (IOException | RuntimeException e) {
      announced.completeExceptionally(e);
    }
    announced.completeExceptionally(new IllegalStateException("no announce line"));
    ended.complete(null);
  }

  URI base() {
    return announced.join();
  }

  Process process() {
    return process;
  }

  /** Everything the process printed so far. */
  String output() {
    return output.toString();
  }

  /** Waits for the process to exit, and for its output to be read to the end; its exit status. */
  int exitValue(Duration timeout) throws Exception {
    assertTrue(
        process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS),
        "the demo did not exit within " + timeout);
    ended.get(timeout.toSeconds(), TimeUnit.SECONDS);
    return process.exitValue();
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }

  /**
   * Polls {@code condition} until it holds, failing after {@code timeout}; a poll that could not
   * reach the demo ({@link UncheckedIOException}) counts as not yet.
   */
  static void await(Duration timeout, String what, Supplier<Boolean> condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    RuntimeException last = null;
    while (System.nanoTime() < deadline) {
      try {
        if (condition.get()) {
          return;
        }
      } catch (UncheckedIOException e) {
        last = e;
      }
      Thread.sleep(POLL_INTERVAL_MS); // between polls of another process, not a wait for it
    }
    throw new AssertionError("timed out waiting for " + what, last);
  }
}
