package dev.parley.runtime.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import java.io.IOException;

/**
 * Reads a payload or reply value back from the journal as plain Java data (maps, lists, strings,
 * numbers, booleans, null), whatever modules the journal's mapper has (Pekko's registers Scala's,
 * which would give Scala collections).
 */
public final class PlainValueDeserializer extends StdDeserializer<Object> {
  private static final long serialVersionUID = 1L;
  private static final ObjectMapper PLAIN = new ObjectMapper();

  public PlainValueDeserializer() {
    super(Object.class);
  }

  @Override
  public Object deserialize(JsonParser parser, DeserializationContext context) throws IOException {
    return PLAIN.treeToValue(context.readTree(parser), Object.class);
  }
}
