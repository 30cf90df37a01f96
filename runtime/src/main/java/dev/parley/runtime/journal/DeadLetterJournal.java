package dev.parley.runtime.journal;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.parley.runtime.DeadLetter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * The runtime's dead letters in the journal ({@code parley.durability = journal}), so that they
 * survive a restart and can be redriven after it: every change of the in-memory store (added, taken
 * by a redrive, purged) is journaled here, and at start the store is filled from it. Bounded like
 * the store, {@code parley.dead-letters.max-entries}; snapshots keep recovery short.
 */
public final class DeadLetterJournal
    extends EventSourcedBehavior<
        DeadLetterJournal.Command, DeadLetterJournal.Change, DeadLetterJournal.Letters> {

  /** A change of the dead letters: the journal's vocabulary. */
  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
  @JsonSubTypes({
    @JsonSubTypes.Type(value = Added.class, name = "Added"),
    @JsonSubTypes.Type(value = Taken.class, name = "Taken"),
    @JsonSubTypes.Type(value = Purged.class, name = "Purged")
  })
  public sealed interface Change {}

  public record Added(DeadLetter letter) implements Change {}

  /** Taken out of the store (a redrive). */
  public record Taken(String eventId) implements Change {}

  public record Purged(int count) implements Change {}

  public sealed interface Command {}

  /** Journal {@code change}; then tell {@code replyTo}, when not null. */
  public record Record(Change change, ActorRef<Done> replyTo) implements Command {}

  /** How the store hands its changes to the journal. */
  public interface Sink {
    /** Journals {@code change}; when {@code wait}, returns once it is written. */
    void record(Change change, boolean wait);
  }

  /** Reply with the dead letters, once recovered. */
  public record Get(ActorRef<List<DeadLetter>> replyTo) implements Command {}

  /** What a snapshot holds: the letters, oldest first. */
  public record Snapshot(List<DeadLetter> letters) {}

  /** The letters, oldest first; changed only by the event handler. */
  public static final class Letters {
    private final LinkedHashMap<String, DeadLetter> byId = new LinkedHashMap<>();

    List<DeadLetter> list() {
      return new ArrayList<>(byId.values());
    }
  }

  private static final int SNAPSHOT_EVERY = 1000;
  private final int maxEntries;

  public static Behavior<Command> create(String systemName, int maxEntries) {
    return new DeadLetterJournal(PersistenceId.of("parley-dead-letters", systemName), maxEntries);
  }

  private DeadLetterJournal(PersistenceId id, int maxEntries) {
    super(id);
    this.maxEntries = maxEntries;
  }

  @Override
  public Letters emptyState() {
    return new Letters();
  }

  @Override
  public CommandHandler<Command, Change, Letters> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(
            Record.class,
            (letters, record) ->
                Effect()
                    .persist(record.change())
                    .thenRun(
                        written -> {
                          if (record.replyTo() != null) {
                            record.replyTo().tell(Done.getInstance());
                          }
                        }))
        .onCommand(
            Get.class,
            (letters, get) -> Effect().none().thenRun(state -> get.replyTo().tell(state.list())))
        .build();
  }

  @Override
  public EventHandler<Letters, Change> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onAnyEvent(
            (letters, change) -> {
              if (change instanceof Added added) {
                letters.byId.remove(added.letter().event().id());
                letters.byId.put(added.letter().event().id(), added.letter());
                if (letters.byId.size() > maxEntries) {
                  letters.byId.remove(letters.byId.keySet().iterator().next());
                }
              } else if (change instanceof Taken taken) {
                letters.byId.remove(taken.eventId());
              } else {
                letters.byId.clear();
              }
              return letters;
            });
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(SNAPSHOT_EVERY, 1).withDeleteEventsOnSnapshot();
  }

  @Override
  public SnapshotAdapter<Letters> snapshotAdapter() {
    return new SnapshotAdapter<>() {
      @Override
      public Object toJournal(Letters letters) {
        return new Snapshot(letters.list());
      }

      @Override
      public Letters fromJournal(Object from) {
        Letters letters = new Letters();
        ((Snapshot) from)
            .letters()
            .forEach(letter -> letters.byId.put(letter.event().id(), letter));
        return letters;
      }
    };
  }
}
