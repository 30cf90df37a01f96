package dev.parley.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.runtime.Outcome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The README's Java snippets are code that compiles and runs: each is copied from a sample between
 * {@code readme:NAME:start} and {@code readme:NAME:end} markers, and this test fails when the
 * README's copy differs or when the sample does not do what the README says.
 */
class ReadmeSnippetsTest {
  private static final Path BASEDIR = Path.of(System.getProperty("basedir", "."));
  private static final Path README = BASEDIR.resolve("../README.md");
  private static final Path SAMPLES = BASEDIR.resolve("src/main/java/dev/parley/samples");

  @Test
  void apiAtAGlanceRunsAndItsEventCompletesWithTheEcho() {
    ApiAtAGlance.Result result = ApiAtAGlance.run();
    Outcome.Completed completed = assertInstanceOf(Outcome.Completed.class, result.outcome());
    assertEquals("echo: hi", completed.reply().value());
    assertTrue(result.stats().totals().accepted() >= 1, () -> "stats: " + result.stats());
  }

  @Test
  void readmeShowsApiAtAGlanceExactlyAsTheSampleHasIt() throws IOException {
    String snippet = snippet(SAMPLES.resolve("ApiAtAGlance.java"), "api-at-a-glance");
    String readme = Files.readString(README);
    assertTrue(
        readme.contains("```java\n" + snippet + "```\n"),
        () -> "README.md should show, in a java block, exactly:\n" + snippet);
  }

  /** The lines between the markers, without the indentation of the first one. */
  static String snippet(Path source, String name) throws IOException {
    List<String> lines = Files.readAllLines(source);
    int start = indexOf(lines, "// readme:" + name + ":start", source);
    int end = indexOf(lines, "// readme:" + name + ":end", source);
    List<String> body = lines.subList(start + 1, end);
    int indent = body.get(0).length() - body.get(0).stripLeading().length();
    return body.stream()
        .map(line -> line.length() >= indent ? line.substring(indent) : line.strip())
        .collect(Collectors.joining("\n", "", "\n"));
  }

  private static int indexOf(List<String> lines, String marker, Path source) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).strip().equals(marker)) {
        return i;
      }
    }
    throw new AssertionError(source + " has no line " + marker);
  }
}
