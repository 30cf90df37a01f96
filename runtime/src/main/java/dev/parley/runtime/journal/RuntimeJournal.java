package dev.parley.runtime.journal;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.parley.runtime.DeadLetter;
import dev.parley.runtime.DoubleTextPolicy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * What the runtime keeps beside its lanes, in the journal ({@code parley.durability = journal}):
 * the dead letters (added, taken by a redrive, purged) and the operator's controls (pauses, the
 * double-text policy of a space), so that they survive a restart. Every change of the in-memory
 * stores is journaled here; at start the stores are filled from it. Snapshots keep recovery short.
 */
public final class RuntimeJournal
    extends EventSourcedBehavior<
        RuntimeJournal.Command, RuntimeJournal.Change, RuntimeJournal.Kept> {

  /** A change of what the runtime keeps: the journal's vocabulary. */
  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
  @JsonSubTypes({
    @JsonSubTypes.Type(value = DeadLetterAdded.class, name = "DeadLetterAdded"),
    @JsonSubTypes.Type(value = DeadLetterTaken.class, name = "DeadLetterTaken"),
    @JsonSubTypes.Type(value = DeadLettersPurged.class, name = "DeadLettersPurged"),
    @JsonSubTypes.Type(value = Paused.class, name = "Paused"),
    @JsonSubTypes.Type(value = Resumed.class, name = "Resumed"),
    @JsonSubTypes.Type(value = PolicySet.class, name = "PolicySet")
  })
  public sealed interface Change {}

  public record DeadLetterAdded(DeadLetter letter) implements Change {}

  /** Taken out of the store (a redrive). */
  public record DeadLetterTaken(String eventId) implements Change {}

  public record DeadLettersPurged(int count) implements Change {}

  /** The lane {@code laneKey} was paused; everything when it is null. */
  public record Paused(String laneKey) implements Change {}

  /** The lane {@code laneKey} was resumed; everything when it is null. */
  public record Resumed(String laneKey) implements Change {}

  /** The space's double-text policy; null: back to the runtime's default. */
  public record PolicySet(String spaceId, DoubleTextPolicy policy) implements Change {}

  /** How the stores hand their changes to the journal. */
  public interface Sink {
    /** Journals {@code change}; when {@code wait}, returns once it is written. */
    void record(Change change, boolean wait);
  }

  public sealed interface Command {}

  /** Journal {@code change}; then tell {@code replyTo}, when not null. */
  public record Record(Change change, ActorRef<Done> replyTo) implements Command {}

  /** Reply with what is kept, once recovered. */
  public record Get(ActorRef<Snapshot> replyTo) implements Command {}

  /** What is kept, as a snapshot holds it: the dead letters oldest first, pauses, policies. */
  public record Snapshot(
      List<DeadLetter> letters,
      Set<String> pausedLanes,
      boolean allPaused,
      Map<String, DoubleTextPolicy> policies) {}

  /** What is kept; changed only by the event handler. */
  public static final class Kept {
    private final LinkedHashMap<String, DeadLetter> letters = new LinkedHashMap<>();
    private final Set<String> pausedLanes = new HashSet<>();
    private boolean allPaused;
    private final Map<String, DoubleTextPolicy> policies = new HashMap<>();

    Snapshot snapshot() {
      return new Snapshot(
          new ArrayList<>(letters.values()),
          Set.copyOf(pausedLanes),
          allPaused,
          Map.copyOf(policies));
    }
  }

  private static final int SNAPSHOT_EVERY = 1000;
  private final int maxLetters;

  public static Behavior<Command> create(String systemName, int maxLetters) {
    return new RuntimeJournal(PersistenceId.of("parley-runtime", systemName), maxLetters);
  }

  private RuntimeJournal(PersistenceId id, int maxLetters) {
    super(id);
    this.maxLetters = maxLetters;
  }

  @Override
  public Kept emptyState() {
    return new Kept();
  }

  @Override
  public CommandHandler<Command, Change, Kept> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(
            Record.class,
            (kept, record) ->
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
            (kept, get) -> Effect().none().thenRun(state -> get.replyTo().tell(state.snapshot())))
        .build();
  }

  @Override
  public EventHandler<Kept, Change> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onAnyEvent((Kept kept, Change change) -> apply(kept, change));
  }

  private Kept apply(Kept kept, Change change) {
    if (change instanceof DeadLetterAdded added) {
      kept.letters.remove(added.letter().event().id());
      kept.letters.put(added.letter().event().id(), added.letter());
      if (kept.letters.size() > maxLetters) {
        kept.letters.remove(kept.letters.keySet().iterator().next());
      }
    } else if (change instanceof DeadLetterTaken taken) {
      kept.letters.remove(taken.eventId());
    } else if (change instanceof DeadLettersPurged) {
      kept.letters.clear();
    } else if (change instanceof Paused paused) {
      if (paused.laneKey() == null) {
        kept.allPaused = true;
      } else {
        kept.pausedLanes.add(paused.laneKey());
      }
    } else if (change instanceof Resumed resumed) {
      if (resumed.laneKey() == null) {
        kept.allPaused = false;
      } else {
        kept.pausedLanes.remove(resumed.laneKey());
      }
    } else if (change instanceof PolicySet set) {
      if (set.policy() == null) {
        kept.policies.remove(set.spaceId());
      } else {
        kept.policies.put(set.spaceId(), set.policy());
      }
    }
    return kept;
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(SNAPSHOT_EVERY, 1).withDeleteEventsOnSnapshot();
  }

  @Override
  public SnapshotAdapter<Kept> snapshotAdapter() {
    return new SnapshotAdapter<>() {
      @Override
      public Object toJournal(Kept kept) {
        return kept.snapshot();
      }

      @Override
      public Kept fromJournal(Object from) {
        Snapshot snapshot = (Snapshot) from;
        Kept kept = new Kept();
        snapshot.letters().forEach(letter -> kept.letters.put(letter.event().id(), letter));
        kept.pausedLanes.addAll(snapshot.pausedLanes());
        kept.allPaused = snapshot.allPaused();
        kept.policies.putAll(snapshot.policies());
        return kept;
      }
    };
  }
}
