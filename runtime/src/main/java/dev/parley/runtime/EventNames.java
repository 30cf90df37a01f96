package dev.parley.runtime;

/** The checks of {@link Event.Builder}'s names and ids, and how a refused value is shown. */
final class EventNames {
  private EventNames() {}

  /** {@link Event#NAME} without a regex: this runs for every submitted event. */
  static boolean isName(String value) {
    if (value == null || value.isEmpty() || value.length() > 128) {
      return false;
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '.'
              || c == '_'
              || c == ':'
              || c == '@'
              || c == '-';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  static boolean hasControlChar(String s) {
    return s.chars().anyMatch(Character::isISOControl);
  }

  static String describe(String value) {
    if (value == null) {
      return "null";
    }
    String shown = value.length() > 40 ? value.substring(0, 40) + "…" : value;
    return "\"" + shown + "\" (" + value.length() + " characters)";
  }
}
