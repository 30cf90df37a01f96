package dev.parley.runtime.internal;

/**
 * The lanes of a parallel group ({@code parley.groups."<name>".max-parallel}): each space of the
 * group has its own lane, keyed {@code group/space} (a {@code /} is in no space id or group name),
 * and the group's permits ({@code Admission}) let at most N of them run at once.
 */
public final class GroupLanes {
  static final char SEPARATOR = '/';

  private GroupLanes() {}

  /** The lane of {@code spaceId} in the parallel group {@code group}. */
  public static String laneOf(String group, String spaceId) {
    return group + SEPARATOR + spaceId;
  }

  /** The parallel group of a lane, or null when the lane is not a space's lane in one. */
  public static String groupOf(String laneKey) {
    int at = laneKey.indexOf(SEPARATOR);
    return at < 0 ? null : laneKey.substring(0, at);
  }

  /** The space of a lane of a parallel group ({@code laneKey} itself for any other lane). */
  public static String spaceOf(String laneKey) {
    return laneKey.substring(laneKey.indexOf(SEPARATOR) + 1);
  }
}
