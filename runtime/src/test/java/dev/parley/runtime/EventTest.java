package dev.parley.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The rules {@link Event.Builder#build()} enforces and the shape of the events it makes. */
class EventTest {

  private static final String LONGEST_NAME = "a".repeat(128);
  private static final String TOO_LONG_NAME = "a".repeat(129);

  static String[] validNames() {
    return new String[] {
      "a",
      "Z",
      "7",
      "user-42",
      "user_42",
      "tenant.user",
      "tenant:user",
      "alice@example.com",
      "A.b_C:d@e-9",
      "-",
      LONGEST_NAME
    };
  }

  static String[] invalidNames() {
    return new String[] {
      "",
      " ",
      "   ",
      "\t",
      TOO_LONG_NAME,
      "user 42",
      " user",
      "user ",
      "user/42",
      "a\\b",
      "user\n",
      "café",
      "用户",
      "ｕｓｅｒ",
      "user#1",
      "a,b",
      "\u0000"
    };
  }

  private static void assertRejected(String field, Runnable build) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, build::run, "expected " + field + " error");
    assertTrue(
        e.getMessage().startsWith(field + ":"),
        "message should start with \"" + field + ":\" but was: " + e.getMessage());
  }

  @Nested
  class SpaceId {
    @ParameterizedTest
    @MethodSource("dev.parley.runtime.EventTest#validNames")
    void acceptsLettersDigitsAndDotUnderscoreColonAtDashUpTo128Characters(String spaceId) {
      Event event = Event.to(spaceId).build();

      assertEquals(spaceId, event.spaceId());
    }

    @Test
    void acceptsLengthOneAndLength128() {
      assertEquals(1, Event.to("x").build().spaceId().length());
      assertEquals(128, Event.to(LONGEST_NAME).build().spaceId().length());
    }

    @ParameterizedTest
    @NullSource
    @MethodSource("dev.parley.runtime.EventTest#invalidNames")
    void rejectsInvalidSpaceIdWithMessageNamingSpaceId(String spaceId) {
      assertRejected("spaceId", () -> Event.to(spaceId).build());
    }

    @Test
    void rejects129Characters() {
      assertRejected("spaceId", () -> Event.to(TOO_LONG_NAME).build());
    }

    @Test
    void messageShowsTheRejectedValue() {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> Event.to("bad/space").build());

      assertTrue(e.getMessage().contains("bad/space"), e.getMessage());
    }

    @Test
    void spaceIdIsCheckedBeforeGroupAndId() {
      assertRejected("spaceId", () -> Event.to("bad space").group("bad group").id(" ").build());
    }
  }

  @Nested
  class Tenant {
    @ParameterizedTest
    @MethodSource("dev.parley.runtime.EventTest#validNames")
    void acceptsTheSameNamesAsASpaceIdAndKeepsTheLane(String tenant) {
      Event event = Event.to("space").tenant(tenant).build();

      assertEquals(Optional.of(tenant), event.tenant());
      assertEquals("space", event.laneKey());
    }

    @ParameterizedTest
    @MethodSource("dev.parley.runtime.EventTest#invalidNames")
    void rejectsAnInvalidTenantWithAMessageNamingIt(String tenant) {
      assertRejected("tenant", () -> Event.to("space").tenant(tenant).build());
    }

    @Test
    void isEmptyWhenNotSetAndSurvivesACopy() {
      assertEquals(Optional.empty(), Event.to("space").build().tenant());
      Event event = Event.to("space").tenant("acme").build();
      assertEquals(Optional.of("acme"), event.withPriority(Priority.P0).tenant());
      assertEquals(Optional.of("acme"), event.withGroup("g").tenant());
    }
  }

  @Nested
  class Group {
    @ParameterizedTest
    @MethodSource("dev.parley.runtime.EventTest#validNames")
    void acceptsTheSameNamesAsASpaceId(String group) {
      Event event = Event.to("space").group(group).build();

      assertEquals(Optional.of(group), event.group());
    }

    @ParameterizedTest
    @MethodSource("dev.parley.runtime.EventTest#invalidNames")
    void rejectsInvalidGroupWithMessageNamingGroup(String group) {
      assertRejected("group", () -> Event.to("space").group(group).build());
    }

    @Test
    void rejects129Characters() {
      assertRejected("group", () -> Event.to("space").group(TOO_LONG_NAME).build());
    }

    @Test
    void nullGroupMeansNoGroupAndIsNotAnError() {
      Event event = Event.to("space").group(null).build();

      assertEquals(Optional.empty(), event.group());
      assertEquals("space", event.laneKey());
    }

    @Test
    void isEmptyWhenNotSet() {
      assertEquals(Optional.empty(), Event.to("space").build().group());
    }
  }

  @Nested
  class Id {
    @Test
    void keepsAnExplicitId() {
      assertEquals("order-17", Event.to("space").id("order-17").build().id());
    }

    @Test
    void accepts128CharactersAndAnyPrintableCharacter() {
      String longest = "x".repeat(Event.MAX_ID_LENGTH);
      assertEquals(longest, Event.to("space").id(longest).build().id());
      assertEquals("a b/c é 用户", Event.to("space").id("a b/c é 用户").build().id());
    }

    @Test
    void rejectsMoreThan128Characters() {
      String tooLong = "x".repeat(Event.MAX_ID_LENGTH + 1);

      assertRejected("id", () -> Event.to("space").id(tooLong).build());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "   ", "\t", "\n"})
    void rejectsEmptyOrBlankId(String id) {
      assertRejected("id", () -> Event.to("space").id(id).build());
    }

    @ParameterizedTest
    @ValueSource(strings = {"a\nb", "a\rb", "a\tb", "a\u0000b", "a\u001bb", "a\u007fb", "ab\u0085"})
    void rejectsControlCharacters(String id) {
      assertRejected("id", () -> Event.to("space").id(id).build());
    }

    @Test
    void generatedIdIsAVersion4UuidString() {
      String id = Event.to("space").build().id();

      UUID uuid = UUID.fromString(id);
      assertEquals(id, uuid.toString());
      assertEquals(4, uuid.version());
      assertEquals(2, uuid.variant());
    }

    @Test
    void generatedIdsAreUniqueOver10000Builds() {
      Set<String> ids = new HashSet<>();
      for (int i = 0; i < 10_000; i++) {
        String id = Event.to("space").build().id();
        UUID uuid = UUID.fromString(id);
        assertEquals(4, uuid.version(), id);
        assertEquals(2, uuid.variant(), id);
        assertTrue(ids.add(id), "duplicate id " + id + " after " + i + " builds");
      }
      assertEquals(10_000, ids.size());
    }

    @Test
    void eachBuildOfOneBuilderWithoutIdGetsAFreshId() {
      Event.Builder builder = Event.to("space");

      assertNotEquals(builder.build().id(), builder.build().id());
    }
  }

  @Nested
  class LaneKey {
    @Test
    void isTheSpaceIdWithoutAGroup() {
      assertEquals("user-A", Event.to("user-A").build().laneKey());
    }

    @Test
    void isTheGroupWhenSet() {
      assertEquals("team-1", Event.to("user-A").group("team-1").build().laneKey());
    }

    @Test
    void eventsOfDifferentSpacesInOneGroupShareALane() {
      Event a = Event.to("user-A").group("team-1").build();
      Event b = Event.to("user-B").group("team-1").build();

      assertEquals(a.laneKey(), b.laneKey());
    }
  }

  @Nested
  class PriorityAndPayload {
    @Test
    void defaultPriorityIsP2() {
      assertEquals(Priority.P2, Event.to("space").build().priority());
      assertEquals(Priority.P2, Priority.DEFAULT);
    }

    @Test
    void keepsAnExplicitPriority() {
      assertEquals(Priority.P0, Event.to("space").priority(Priority.P0).build().priority());
    }

    @Test
    void rejectsNullPriority() {
      assertThrows(NullPointerException.class, () -> Event.to("space").priority(null));
    }

    @Test
    void payloadIsCarriedAsIsAndNullByDefault() {
      Object payload = new Object();

      assertSame(payload, Event.to("space").payload(payload).build().payload());
      assertNull(Event.to("space").build().payload());
    }
  }

  @Nested
  class Attributes {
    @Test
    void areEmptyByDefault() {
      Map<String, String> attributes = Event.to("space").build().attributes();

      assertNotNull(attributes);
      assertTrue(attributes.isEmpty());
    }

    @Test
    void keepTheValuesSetAndTheLastOneWins() {
      Event event =
          Event.to("space")
              .attribute("k1", "v1")
              .attribute("k2", "v2")
              .attribute("k1", "v3")
              .build();

      assertEquals(Map.of("k1", "v3", "k2", "v2"), event.attributes());
    }

    @Test
    void areImmutable() {
      Event event = Event.to("space").attribute("k", "v").build();

      assertThrows(UnsupportedOperationException.class, () -> event.attributes().put("x", "y"));
      assertThrows(UnsupportedOperationException.class, () -> event.attributes().remove("k"));
      assertThrows(UnsupportedOperationException.class, () -> event.attributes().clear());
      assertThrows(
          UnsupportedOperationException.class,
          () -> Event.to("space").build().attributes().put("x", "y"));
    }

    @Test
    void areCopiedSoChangingTheBuilderAfterBuildDoesNotChangeTheEvent() {
      Event.Builder builder = Event.to("space").attribute("k", "v");
      Event event = builder.build();

      builder.attribute("k", "changed").attribute("extra", "x");
      Event later = builder.build();

      assertEquals(Map.of("k", "v"), event.attributes());
      assertEquals(Map.of("k", "changed", "extra", "x"), later.attributes());
    }

    @Test
    void nullKeyIsRejected() {
      Event.Builder builder = Event.to("space");

      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> builder.attribute(null, "x"));
      assertTrue(e.getMessage().startsWith("attribute"), e.getMessage());
    }

    @Test
    void nullValueIsRejected() {
      assertThrows(IllegalArgumentException.class, () -> Event.to("space").attribute("k", null));
    }
  }

  @Test
  void toStringNamesIdLaneAndSpace() {
    Event event = Event.to("user-A").group("team-1").id("e1").build();

    assertEquals("Event[id=e1, lane=team-1, space=user-A]", event.toString());
  }
}
