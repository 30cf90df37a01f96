package dev.parley.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.runtime.Outcome;
import dev.parley.runtime.internal.LoggingCheck;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The README's Java snippets are code that compiles and runs: each is copied from a sample between
 * {@code readme:NAME:start} and {@code readme:NAME:end} markers, and this test fails when the
 * README's copy differs or when the sample does not do what the README says. The coordinates the
 * README gives (its minimal pom, its Gradle lines, the start-up advice on a logging provider) name
 * the versions this build uses.
 */
class ReadmeSnippetsTest {
  private static final Path BASEDIR = Path.of(System.getProperty("basedir", "."));
  private static final Path README = BASEDIR.resolve("../README.md");
  private static final Path SAMPLES = BASEDIR.resolve("src/main/java/dev/parley/samples");
  private static final Path PARENT_POM = BASEDIR.resolve("../pom.xml");
  private static final Pattern PROPERTY = Pattern.compile("\\$\\{(.+)}");
  private static final Pattern GRADLE_COORDINATES =
      Pattern.compile("\"([\\w.-]+:[\\w.-]+):([\\w.-]+)\"");

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

  @Test
  void readmesMinimalPomNamesTheVersionsOfThisBuild() throws Exception {
    Map<String, String> build = buildVersions();
    Document pom =
        xml(block(Files.readString(README), "```xml\n", "<artifactId>my-bot</artifactId>"));
    Map<String, String> named = new HashMap<>();
    for (Element element : elements(pom, "dependency", "plugin")) {
      named.put(coordinates(element), text(element, "version"));
    }
    assertTrue(named.containsKey("dev.parley:parley-runtime"), named::toString);
    named.forEach(
        (artifact, version) ->
            assertEquals(build.get(artifact), version, "README's pom: version of " + artifact));
  }

  @Test
  void readmesGradleLinesNameTheVersionsOfThisBuild() throws Exception {
    Map<String, String> build = buildVersions();
    Matcher named =
        GRADLE_COORDINATES.matcher(block(Files.readString(README), "```kotlin\n", "mavenLocal()"));
    int found = 0;
    while (named.find()) {
      found++;
      assertEquals(build.get(named.group(1)), named.group(2), "README's Gradle: " + named.group());
    }
    assertEquals(2, found, "the Gradle block names the runtime and a logging provider");
  }

  @Test
  void theAdviceOnAMissingLoggingProviderNamesTheLogbackOfThisBuild() throws Exception {
    String logback =
        "ch.qos.logback:logback-classic:" + buildVersions().get("ch.qos.logback:logback-classic");
    assertTrue(LoggingCheck.ADVICE.contains(logback), LoggingCheck.ADVICE);
  }

  /**
   * The fenced block that opens with {@code fence} and holds {@code marker}, without its fences.
   */
  private static String block(String text, String fence, String marker) {
    int at = text.indexOf(marker);
    assertTrue(at >= 0, () -> "README.md has no block with " + marker);
    int start = text.lastIndexOf(fence, at) + fence.length();
    return text.substring(start, text.indexOf("```", at));
  }

  /**
   * groupId:artifactId → version of every dependency and plugin the parent pom gives a version, its
   * properties resolved.
   */
  private static Map<String, String> buildVersions() throws Exception {
    Document parent = xml(Files.readString(PARENT_POM));
    Map<String, String> properties = new HashMap<>();
    Element root = parent.getDocumentElement();
    properties.put("project.version", text(root, "version"));
    NodeList declared = ((Element) root.getElementsByTagName("properties").item(0)).getChildNodes();
    for (int i = 0; i < declared.getLength(); i++) {
      if (declared.item(i) instanceof Element property) {
        properties.put(property.getTagName(), property.getTextContent().strip());
      }
    }
    Map<String, String> versions = new HashMap<>();
    for (Element element : elements(parent, "dependency", "plugin")) {
      String version = text(element, "version");
      if (version != null) {
        Matcher reference = PROPERTY.matcher(version);
        versions.put(
            coordinates(element),
            reference.matches() ? properties.get(reference.group(1)) : version);
      }
    }
    return versions;
  }

  private static Document xml(String text) throws Exception {
    return DocumentBuilderFactory.newInstance()
        .newDocumentBuilder()
        .parse(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
  }

  private static List<Element> elements(Document document, String... tags) {
    List<Element> found = new ArrayList<>();
    for (String tag : tags) {
      NodeList nodes = document.getElementsByTagName(tag);
      for (int i = 0; i < nodes.getLength(); i++) {
        found.add((Element) nodes.item(i));
      }
    }
    return found;
  }

  /** groupId:artifactId of a dependency or a plugin (a plugin's group defaults to Maven's). */
  private static String coordinates(Element element) {
    String group = text(element, "groupId");
    return (group != null ? group : "org.apache.maven.plugins") + ":" + text(element, "artifactId");
  }

  /** The text of the element's own child {@code tag}, or null. */
  private static String text(Element element, String tag) {
    for (var child = element.getFirstChild(); child != null; child = child.getNextSibling()) {
      if (child instanceof Element e && e.getTagName().equals(tag)) {
        return e.getTextContent().strip();
      }
    }
    return null;
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
