package dev.parley.gateway;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Prometheus text format, parsed for assertions: one sample per line, comments skipped. */
record Prometheus(List<Sample> samples) {
  private static final Pattern LINE =
      Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)\\})? (\\S+)(?: \\d+)?");
  private static final Pattern LABEL =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  /** One line: a name, its labels, a value. */
  record Sample(String name, Map<String, String> labels, double value) {}

  /** Parses {@code text}, failing the test on a line that is neither a comment nor a sample. */
  static Prometheus parse(String text) {
    List<Sample> samples = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      Matcher matcher = LINE.matcher(line);
      if (!matcher.matches()) {
        throw new AssertionError("not a Prometheus sample: " + line);
      }
      Map<String, String> labels = new LinkedHashMap<>();
      if (matcher.group(2) != null) {
        Matcher label = LABEL.matcher(matcher.group(2));
        while (label.find()) {
          labels.put(label.group(1), label.group(2));
        }
      }
      samples.add(new Sample(matcher.group(1), labels, Double.parseDouble(matcher.group(3))));
    }
    return new Prometheus(samples);
  }

  /** The samples named {@code name} whose labels include {@code labels} (name, value, …). */
  List<Sample> find(String name, String... labels) {
    List<Sample> found = new ArrayList<>();
    for (Sample sample : samples) {
      if (sample.name().equals(name) && hasLabels(sample, labels)) {
        found.add(sample);
      }
    }
    return found;
  }

  /** The value of the one sample named {@code name} with {@code labels}; fails when not one. */
  double value(String name, String... labels) {
    List<Sample> found = find(name, labels);
    if (found.size() != 1) {
      throw new AssertionError(
          found.size() + " samples " + name + " " + List.of(labels) + " in " + samples);
    }
    return found.get(0).value();
  }

  private static boolean hasLabels(Sample sample, String... labels) {
    for (int i = 0; i < labels.length; i += 2) {
      if (!labels[i + 1].equals(sample.labels().get(labels[i]))) {
        return false;
      }
    }
    return true;
  }
}
