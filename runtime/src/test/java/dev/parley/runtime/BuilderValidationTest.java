package dev.parley.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What {@link ParleyBuilder#build()} refuses, with a message naming the bad field or key, and that
 * a valid builder starts a runtime that closes cleanly.
 */
class BuilderValidationTest {

  /** How long a test waits for an outcome of a trivial handler. */
  private static final Duration OUTCOME_TIMEOUT = Duration.ofSeconds(10);

  private static final AtomicInteger SYSTEMS = new AtomicInteger();

  private static final Handler ECHO =
      (event, lane) -> CompletableFuture.completedFuture(Reply.of(event.payload()));

  /** A config with a fresh, valid system name, so runtimes of different tests never share one. */
  private static Config uniqueSystem(String overrides) {
    String name = "builder-validation-" + SYSTEMS.incrementAndGet();
    return ConfigFactory.parseString(overrides + "\nparley.system-name = " + name);
  }

  /** Builds and closes at once, so a builder that wrongly succeeds leaks no actor system. */
  private static void buildAndClose(ParleyBuilder builder) {
    Parley parley = builder.build();
    parley.close();
  }

  private static void assertMessageStartsWith(String prefix, IllegalArgumentException e) {
    assertTrue(
        e.getMessage().startsWith(prefix),
        "message should start with \"" + prefix + "\" but was: " + e.getMessage());
  }

  @Nested
  class HandlerSources {
    @Test
    void noHandlerIsRejectedWithMessageNamingHandler() {
      ParleyBuilder builder = Parley.builder();

      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> buildAndClose(builder));

      assertMessageStartsWith("handler", e);
    }

    @Test
    void noHandlerIsRejectedEvenWithAValidConfig() {
      ParleyBuilder builder = Parley.builder().config(uniqueSystem(""));

      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> buildAndClose(builder));

      assertMessageStartsWith("handler", e);
    }

    static Stream<Arguments> twoHandlerSources() {
      HandlerFactory factory = laneKey -> ECHO;
      return Stream.of(
          Arguments.of(
              "handler twice", (UnaryOperator<ParleyBuilder>) b -> b.handler(ECHO).handler(ECHO)),
          Arguments.of(
              "handler and handlerFactory",
              (UnaryOperator<ParleyBuilder>) b -> b.handler(ECHO).handlerFactory(factory)),
          Arguments.of(
              "handler and blockingHandler",
              (UnaryOperator<ParleyBuilder>) b -> b.handler(ECHO).blockingHandler(ECHO)),
          Arguments.of(
              "handlerFactory and blockingHandlerFactory",
              (UnaryOperator<ParleyBuilder>)
                  b -> b.handlerFactory(factory).blockingHandlerFactory(factory)),
          Arguments.of(
              "blockingHandler and blockingHandlerFactory",
              (UnaryOperator<ParleyBuilder>)
                  b -> b.blockingHandler(ECHO).blockingHandlerFactory(factory)),
          Arguments.of(
              "all four",
              (UnaryOperator<ParleyBuilder>)
                  b ->
                      b.handler(ECHO)
                          .handlerFactory(factory)
                          .blockingHandler(ECHO)
                          .blockingHandlerFactory(factory)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("twoHandlerSources")
    void moreThanOneHandlerSourceIsRejected(
        String description, UnaryOperator<ParleyBuilder> configure) {
      ParleyBuilder builder = configure.apply(Parley.builder().config(uniqueSystem("")));

      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> buildAndClose(builder));

      assertMessageStartsWith("handler", e);
    }

    @Test
    void nullHandlerIsRejectedAtOnceNamingTheSetter() {
      ParleyBuilder builder = Parley.builder();

      NullPointerException handler =
          assertThrows(NullPointerException.class, () -> builder.handler(null));
      NullPointerException factory =
          assertThrows(NullPointerException.class, () -> builder.handlerFactory(null));
      NullPointerException blocking =
          assertThrows(NullPointerException.class, () -> builder.blockingHandler(null));
      NullPointerException blockingFactory =
          assertThrows(NullPointerException.class, () -> builder.blockingHandlerFactory(null));

      assertEquals("handler", handler.getMessage());
      assertEquals("handlerFactory", factory.getMessage());
      assertEquals("blockingHandler", blocking.getMessage());
      assertEquals("blockingHandlerFactory", blockingFactory.getMessage());
    }

    @Test
    void aRejectedNullHandlerDoesNotCountAsAHandlerSource() {
      ParleyBuilder builder = Parley.builder().config(uniqueSystem(""));
      assertThrows(NullPointerException.class, () -> builder.handler(null));

      try (Parley parley = builder.handler(ECHO).build()) {
        assertEquals(0, parley.stats().totals().accepted());
      }
    }

    @Test
    void nullConfigIsRejectedAtOnce() {
      NullPointerException e =
          assertThrows(NullPointerException.class, () -> Parley.builder().config(null));

      assertEquals("config", e.getMessage());
    }
  }

  @Nested
  class Configuration {
    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(
        delimiter = '|',
        value = {
          "parley.worker.idle-timeout      | -1s",
          "parley.worker.idle-timeout      | 0s",
          "parley.worker.idle-timeout      | 0",
          "parley.worker.idle-timeout      | abc",
          "parley.worker.idle-timeout      | 10 parsecs",
          "parley.worker.idle-timeout      | true",
          "parley.worker.idle-timeout      | [1, 2]",
          "parley.shutdown.drain-timeout   | 0s",
          "parley.shutdown.drain-timeout   | -30s",
          "parley.shutdown.drain-timeout   | soon",
          "parley.startup-timeout          | 0s",
          "parley.startup-timeout          | -1ms",
          "parley.stats.moving-average-window | 0s",
          "parley.stats.sample-interval    | 0s",
          "parley.stats.sample-interval    | 2m",
          "parley.system-name              | \"bad name!\"",
          "parley.system-name              | \"\"",
          "parley.system-name              | \"-leading-dash\"",
          "parley.system-name              | \"a/b\"",
          "parley.system-name              | \"café\"",
        })
    void invalidValueIsRejectedWithMessageNamingTheFullKey(String key, String value) {
      ParleyBuilder builder =
          Parley.builder().handler(ECHO).config(ConfigFactory.parseString(key + " = " + value));

      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> buildAndClose(builder));

      assertTrue(
          e.getMessage().contains(key),
          "message should name " + key + " but was: " + e.getMessage());
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(
        delimiter = '|',
        value = {
          "parley.worker.idle-timeout    | -1s",
          "parley.worker.idle-timeout    | abc",
          "parley.shutdown.drain-timeout | 0s",
          "parley.system-name            | \"bad name!\"",
        })
    void invalidValueMessageStartsWithTheKey(String key, String value) {
      ParleyBuilder builder =
          Parley.builder().handler(ECHO).config(ConfigFactory.parseString(key + " = " + value));

      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> buildAndClose(builder));

      assertMessageStartsWith(key + ":", e);
    }

    @Test
    void notADurationMessageShowsTheBadValueAndKeepsTheCause() {
      ParleyBuilder builder =
          Parley.builder()
              .handler(ECHO)
              .config(ConfigFactory.parseString("parley.worker.idle-timeout = abc"));

      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> buildAndClose(builder));

      assertTrue(e.getMessage().contains("abc"), e.getMessage());
      assertInstanceOf(ConfigException.class, e.getCause());
    }

    /**
     * Values that fail inside Typesafe Config itself (wrong type, null, a parent that is not an
     * object): its message names the path Settings asked for, so Settings must ask with the full
     * path, or say it, for the message to name the key.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(
        delimiter = '|',
        value = {
          "parley.system-name { nested = 1 }  | parley.system-name",
          "parley.system-name = null          | parley.system-name",
          "parley.worker.idle-timeout = null  | parley.worker.idle-timeout",
          "parley.worker = 5                  | parley.worker",
        })
    void valueTypesafeConfigRefusesIsRejectedNamingTheFullKey(String line, String key) {
      ParleyBuilder builder =
          Parley.builder().handler(ECHO).config(ConfigFactory.parseString(line));

      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> buildAndClose(builder));

      assertTrue(
          e.getMessage().contains(key),
          "message should name " + key + " but was: " + e.getMessage());
    }

    @Test
    void missingHandlerIsReportedBeforeAnInvalidConfig() {
      ParleyBuilder builder =
          Parley.builder().config(ConfigFactory.parseString("parley.worker.idle-timeout = 0s"));

      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> buildAndClose(builder));

      assertMessageStartsWith("handler", e);
    }
  }

  @Nested
  class ValidBuilder {
    @Test
    void buildsRunsAnEventAndClosesCleanly() throws Exception {
      try (Parley parley = Parley.builder().handler(ECHO).config(uniqueSystem("")).build()) {
        Outcome outcome =
            parley
                .submit(Event.to("user-A").payload("hi").build())
                .toCompletableFuture()
                .get(OUTCOME_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);

        Outcome.Completed completed = assertInstanceOf(Outcome.Completed.class, outcome);
        assertEquals(Reply.of("hi"), completed.reply());
      }
    }

    @Test
    void acceptsValidOverridesOfEveryKey() throws Exception {
      Config config =
          uniqueSystem(
              String.join(
                  "\n",
                  "parley.startup-timeout = 5s",
                  "parley.worker.idle-timeout = 1500ms",
                  "parley.shutdown.drain-timeout = 2s",
                  "parley.stats.moving-average-window = 10s",
                  "parley.stats.sample-interval = 10s"));

      try (Parley parley = Parley.builder().handler(ECHO).config(config).build()) {
        Outcome outcome =
            parley
                .submit(Event.to("user-A").payload(1).build())
                .toCompletableFuture()
                .get(OUTCOME_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);

        assertInstanceOf(Outcome.Completed.class, outcome);
      }
    }

    @Test
    void buildsWithTheDefaultConfigWhenNoneIsGiven() {
      try (Parley parley = Parley.builder().handler(ECHO).build()) {
        assertEquals(0, parley.stats().totals().accepted());
      }
    }

    static Stream<Arguments> singleHandlerSources() {
      HandlerFactory factory = laneKey -> ECHO;
      return Stream.of(
          Arguments.of("handler", (UnaryOperator<ParleyBuilder>) b -> b.handler(ECHO)),
          Arguments.of(
              "handlerFactory", (UnaryOperator<ParleyBuilder>) b -> b.handlerFactory(factory)),
          Arguments.of(
              "blockingHandler", (UnaryOperator<ParleyBuilder>) b -> b.blockingHandler(ECHO)),
          Arguments.of(
              "blockingHandlerFactory",
              (UnaryOperator<ParleyBuilder>) b -> b.blockingHandlerFactory(factory)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("singleHandlerSources")
    void eachHandlerSourceAloneBuildsAWorkingRuntime(
        String description, UnaryOperator<ParleyBuilder> configure) throws Exception {
      ParleyBuilder builder = configure.apply(Parley.builder().config(uniqueSystem("")));

      try (Parley parley = builder.build()) {
        Outcome outcome =
            parley
                .submit(Event.to("user-A").payload(description).build())
                .toCompletableFuture()
                .get(OUTCOME_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);

        Outcome.Completed completed = assertInstanceOf(Outcome.Completed.class, outcome);
        assertEquals(Reply.of(description), completed.reply());
      }
    }

    @Test
    void closeIsIdempotentAndLaterSubmitsAreRejected() throws Exception {
      Parley parley = Parley.builder().handler(ECHO).config(uniqueSystem("")).build();

      parley.close();
      parley.close();

      Outcome outcome =
          parley
              .submit(Event.to("user-A").build())
              .toCompletableFuture()
              .get(OUTCOME_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      Outcome.Rejected rejected = assertInstanceOf(Outcome.Rejected.class, outcome);
      assertEquals(Parley.SHUTTING_DOWN, rejected.reason());
    }
  }
}
