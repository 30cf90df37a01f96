package dev.parley.gateway;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Which lane each space's events went to, as the gateway accepted them: a space in a concurrency
 * group has no lane of its own, so {@code GET /v1/spaces/{spaceId}} looks here to name its group's
 * lane. Bounded ({@code parley.http.spaces-remembered}): the least recently used space is forgotten
 * first. A space whose newest event went to another lane follows that event.
 */
final class SpaceDirectory {
  private final Map<String, String> laneBySpace;

  SpaceDirectory(int maxEntries) {
    this.laneBySpace =
        new LinkedHashMap<>(16, 0.75f, true) {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > maxEntries;
          }
        };
  }

  /** An event of {@code spaceId} was accepted into {@code laneKey}. */
  synchronized void accepted(String spaceId, String laneKey) {
    laneBySpace.put(spaceId, laneKey);
    if (!laneKey.equals(spaceId)) {
      laneBySpace.putIfAbsent(laneKey, laneKey); // a group's name is a lane the gateway knows
    }
  }

  /** The lane of the newest event accepted for {@code spaceId}, if the gateway still knows it. */
  synchronized Optional<String> laneOf(String spaceId) {
    return Optional.ofNullable(laneBySpace.get(spaceId));
  }
}
