package dev.parley.runtime;

import com.typesafe.config.Config;
import dev.parley.runtime.admission.Admission;
import dev.parley.runtime.internal.Assembly;
import dev.parley.runtime.internal.Settings;
import dev.parley.runtime.stats.Monitor;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.javadsl.Source;

/**
 * An embedded Parley runtime. Events of one lane run one at a time in the order they were accepted;
 * lanes run in parallel; every accepted event gets exactly one {@link Outcome}.
 *
 * <pre>{@code
 * try (Parley parley = Parley.builder().handler((event, lane) -> ...).build()) {
 *   parley.submit(Event.to("user-A").payload("hi").build()).thenAccept(System.out::println);
 * }
 * }</pre>
 *
 * <p>Callbacks attached to an outcome or receipt stage without an executor run as tasks of {@code
 * parley.callback-dispatcher}, in each lane's order and never inside a lane's own message: keep
 * them short, or give that dispatcher a pool of its own, or use the {@code *Async} variants.
 */
public final class Parley implements AutoCloseable {
  /** The reason of the {@link Outcome.Rejected} outcome of events submitted after shutdown. */
  public static final String SHUTTING_DOWN = "shutting-down";

  /** The reason of the {@link Outcome.Rejected} outcome of events refused by back-pressure. */
  public static final String QUEUE_FULL = "queue-full";

  /**
   * The reason of the {@link Outcome.Rejected} outcome of events the journal could not take ({@code
   * parley.durability = journal}): they were never accepted; submit them again later.
   */
  public static final String JOURNAL_UNAVAILABLE = "journal-unavailable";

  private final Assembly parts;

  Parley(Assembly.Inputs inputs, Config config, Settings settings) {
    this.parts = new Assembly(inputs, config, settings);
  }

  /**
   * The live state of this runtime as a stream of {@link dev.parley.runtime.stats.StateUpdate}s,
   * one every {@code parley.monitor.interval}.
   *
   * @throws IllegalStateException when {@code parley.monitor.enabled} is off
   */
  public Monitor monitor() {
    return parts.launched().actors().monitorIfOn();
  }

  /**
   * The actor system this runtime runs in: the one it started, or the one given to {@link
   * ParleyBuilder#actorSystem}. Run streams such as {@code monitor().updates()} with it.
   */
  public ActorSystem<?> actorSystem() {
    return parts.launched().system();
  }

  public static ParleyBuilder builder() {
    return new ParleyBuilder();
  }

  /**
   * Accepts {@code event} into its lane. The stage completes with the event's terminal outcome, or
   * at once with {@link Outcome.Rejected}: {@value #SHUTTING_DOWN} after {@link #drain()} began,
   * {@value #QUEUE_FULL} when its lane or the runtime is full. An event whose caller-given id was
   * accepted within {@code parley.dedup.window} is not run again: the stage is the first event's.
   * Never throws for a non-null event.
   */
  public CompletionStage<Outcome> submit(Event event) {
    return parts.lookups().submit(Objects.requireNonNull(event, "event"), event.hasGivenId());
  }

  /**
   * Accepts {@code event} into its lane and answers at once with a {@link Receipt}: accepted with
   * its position and estimated wait, refused with the reason, or the first event's receipt ({@code
   * duplicate}) when its id was accepted within {@code parley.dedup.window}. Its outcome is then
   * {@link #outcome(String)}.
   */
  public CompletionStage<Receipt> enqueue(Event event) {
    return admit(event).thenApply(Admitted::receipt);
  }

  /**
   * What {@link #admit} answered.
   *
   * @param first for a duplicate, the first event's status when the answer was made (a look by id
   *     afterwards may miss it: beyond {@code parley.status.retain}); else empty
   */
  public record Admitted(Receipt receipt, Optional<EventStatus> first) {}

  /**
   * As {@link #enqueue}, with the first event's status when {@code event} is a duplicate. A
   * duplicate of an event that its lane has not taken yet waits for it: once accepted, the first
   * event's status answers; refused, {@code event} is enqueued in its place (accepted, refused, or
   * a duplicate of another). A duplicate is never answered about an event that does not exist.
   */
  public CompletionStage<Admitted> admit(Event event) {
    return parts.lookups().admit(Objects.requireNonNull(event, "event"));
  }

  /**
   * The outcome of an event accepted through {@link #enqueue} or with a caller-given id, while it
   * is live and for the {@code parley.status.retain} newest finished ones.
   */
  public Optional<CompletionStage<Outcome>> outcome(String eventId) {
    return parts.lookups().outcome(eventId);
  }

  /**
   * Where an event accepted through {@link #enqueue} or with a caller-given id is now: pending
   * (with its position and estimated wait), running, or finished (for the {@code
   * parley.status.retain} newest finished ones). Empty for an id Parley does not know.
   */
  public CompletionStage<Optional<EventStatus>> status(String eventId) {
    return parts.lookups().status(eventId);
  }

  /**
   * As {@link #status(String)}, then, for an id that does not find, asks the lane {@code laneKey}
   * itself if it is live: in cluster mode that finds an event wherever it was submitted (a
   * journaled lane keeps its newest ended events).
   */
  public CompletionStage<Optional<EventStatus>> status(String laneKey, String eventId) {
    return parts.lookups().status(laneKey, eventId);
  }

  /**
   * Cluster mode: until the handle is closed, every node tells the listeners here that {@link
   * EventListener#hearsOtherNodes()} of the events of {@code spaceId} that end there; completes
   * once the nodes know. In one JVM listeners hear every event already: the handle does nothing.
   */
  public CompletionStage<AutoCloseable> watchSpace(String spaceId) {
    return parts.watchSpace(spaceId);
  }

  /**
   * Completes true once the event {@code eventId} has ended, false when it has not within {@code
   * within} or is not known; in cluster mode, wherever it was submitted.
   */
  public CompletionStage<Boolean> awaitEnd(String eventId, Duration within) {
    return parts.lookups().awaitEnd(eventId, within);
  }

  /**
   * The event with this id, while {@link #status} knows it (accepted through {@link #enqueue} or
   * with a caller-given id; live, or among the newest finished); empty otherwise.
   */
  public Optional<Event> event(String eventId) {
    return parts.lookups().event(eventId);
  }

  /**
   * The lane {@code laneKey} as an operator sees it: health, paused, its running and pending events
   * with positions and ETAs, counters. A lane without a live worker (idle, passivated) has none.
   */
  public CompletionStage<LaneView> lane(String laneKey) {
    return parts.lane(laneKey);
  }

  /**
   * Whether new events are accepted: false once {@link #drain()} began, while the journal's
   * database is unavailable ({@link #journalAvailable()}), and while a cluster node is not {@code
   * Up}.
   */
  public boolean isAccepting() {
    return parts.isAccepting();
  }

  /** In cluster mode, whether this node is an {@code Up} member of its cluster; else true. */
  public boolean clusterMemberUp() {
    return parts.lifecycle().memberUp();
  }

  /**
   * False after the journal's database failed a write or a recovery, until it answers again
   * (checked every 2 s); always true with {@code parley.durability = none}. Meanwhile new events
   * are refused at once ({@value #JOURNAL_UNAVAILABLE}).
   */
  public boolean journalAvailable() {
    return parts.journalSignals().available();
  }

  /** A snapshot of the counters and of every live lane. */
  public Stats stats() {
    return parts.stats();
  }

  /**
   * Writes the queue's state to {@code out} as one JSON document, for debugging: {@code at}, {@code
   * admission}, {@code totals}, {@code deadLetters}, {@code liveLanes}, and {@code lanes}, every
   * live lane with pending or running events (health, paused, running and pending events with
   * priority, position, ETA, attempts). Lanes are written as they answer, a few at a time. Blocks
   * the calling thread until done: never call it from an actor or a handler.
   */
  public void export(OutputStream out) throws IOException {
    parts.export().write(out);
  }

  /** {@link #export}'s data as NDJSON lines: the summary, then one line per lane. */
  public Source<String, NotUsed> exportLines() {
    return parts.export().lines();
  }

  /**
   * Changes the global cap at runtime; 0 means unlimited. A lower cap takes effect as running
   * events end. Events that started while the runtime was unlimited do not count against a cap set
   * later.
   *
   * @throws IllegalArgumentException when {@code maxInFlight} is negative
   */
  public void setMaxInFlight(int maxInFlight) {
    parts.launched().actors().admission().tell(new Admission.SetMaxInFlight(maxInFlight));
  }

  /**
   * Lets the parallel group {@code group} ({@code parley.groups."<name>".max-parallel}) run {@code
   * n} events at once from now on, never two of one space and each space's in order. With a lower
   * N, running events finish first. Per node in cluster mode, as the global cap; not journaled.
   *
   * @throws IllegalArgumentException when {@code n} is below 1, or {@code group} is not named in
   *     {@code parley.groups} (which groups are parallel is fixed at start)
   */
  public void groupParallelism(String group, int n) {
    parts.groups().set(group, n);
  }

  /**
   * The parallel group {@code group}: its N, the running and pending events of its spaces' live
   * lanes (on this node, in cluster mode); IllegalArgumentException when it is not parallel.
   */
  public CompletionStage<GroupView> group(String group) {
    return parts.groups().view(group);
  }

  /**
   * Sets the double-text policy of one space (events that name their own policy keep it); {@code
   * null} returns the space to the runtime default ({@code parley.double-text.policy}).
   *
   * @throws IllegalArgumentException when {@code spaceId} is not a valid space id
   */
  public void policy(String spaceId, DoubleTextPolicy policy) {
    parts.policies().set(spaceId, policy);
  }

  /**
   * Cancels a pending event (accepted through {@link #enqueue} or with a caller-given id): it ends
   * {@link Outcome.Cancelled}. Completes false when the event is running, has ended, or is unknown.
   */
  public CompletionStage<Boolean> cancel(String eventId) {
    return parts.operators().cancel(eventId);
  }

  /**
   * Cancels the pending events among {@code eventIds} ({@link Outcome.Cancelled}); the report says
   * which were, and why the others were not (unknown, running, finished).
   */
  public CompletionStage<CancelReport> cancelAll(Collection<String> eventIds) {
    return parts.operators().cancelAll(eventIds);
  }

  /** Cancels every pending event of the lane {@code laneKey} at once; its running event runs on. */
  public CompletionStage<CancelReport> cancelPending(String laneKey) {
    return parts.operators().cancelPending(laneKey);
  }

  /**
   * Has the lane {@code laneKey} run the pending {@code eventIds} next, in this order, the others
   * after them in their order. Completes with those of {@code eventIds} not pending in that lane;
   * then nothing moved.
   */
  public CompletionStage<List<String>> reorder(String laneKey, List<String> eventIds) {
    return parts.operators().reorder(laneKey, eventIds);
  }

  /**
   * Moves a pending event to {@code newIndex} among its lane's pending events (0 runs next; an
   * index past the end moves it last). Completes false when it is not pending.
   */
  public CompletionStage<Boolean> move(String eventId, int newIndex) {
    return parts.operators().move(eventId, newIndex);
  }

  /**
   * Gives a pending event {@code priority}; it keeps its place in its lane, and as the lane's next
   * event it sets the rank its lane waits with for a permit of the global cap. Completes false when
   * the event is not pending.
   */
  public CompletionStage<Boolean> reprioritize(String eventId, Priority priority) {
    return parts.operators().reprioritize(eventId, priority);
  }

  /**
   * Pauses a lane: its running event finishes, then it starts nothing until {@link #resume}; its
   * queue keeps accepting. Returns false when it was paused already.
   */
  public boolean pause(String laneKey) {
    return parts.operators().pause(laneKey);
  }

  /**
   * Whether {@code laneKey} starts nothing now: it, everything, or (in a parallel group) its group
   * or space is paused. In cluster mode as this node knows it (others' pauses arrive in moments).
   */
  public boolean isPaused(String laneKey) {
    return parts.pauses().isPaused(laneKey);
  }

  /** The policy of {@code spaceId}'s events that name none: its own, or the runtime default. */
  public DoubleTextPolicy policy(String spaceId) {
    return parts.policies().of(spaceId);
  }

  /** Resumes a paused lane. Returns false when it was not paused. */
  public boolean resume(String laneKey) {
    return parts.operators().resume(laneKey);
  }

  /** Pauses every lane, as {@link #pause} does one. */
  public void pauseAll() {
    parts.operators().pauseAll();
  }

  /** Ends {@link #pauseAll}; lanes paused one by one stay paused. */
  public void resumeAll() {
    parts.operators().resumeAll();
  }

  /**
   * Cancels every pending event ({@link Outcome.Cancelled}, reason {@code emergency-stop}) and
   * interrupts every running one cooperatively: its stage is cancelled and {@link
   * LaneContext#isCancelled()} turns true; a handler that stops ends {@link Outcome.Interrupted},
   * one that ignores it runs on until its timeout. New events are still accepted: pair it with
   * {@link #pauseAll()} to hold them.
   */
  public CompletionStage<EmergencyStopReport> emergencyStop() {
    return parts.operators().emergencyStop();
  }

  /** What {@link #emergencyStop()} did: pending events cancelled, running events interrupted. */
  public record EmergencyStopReport(int cancelled, int interrupted) {}

  /** The dead-lettered events, newest first. */
  public List<DeadLetter> deadLetters() {
    return parts.deadLetters().list();
  }

  /**
   * Submits a dead-lettered event again, at the tail of its lane, with its attempts counted from 1,
   * and removes it from the dead letters.
   *
   * @return the new outcome, or empty when no dead letter has that id
   */
  public Optional<CompletionStage<Outcome>> redrive(String eventId) {
    return parts.deadLetters().take(eventId).map(letter -> parts.lookups().redrive(letter.event()));
  }

  /** Removes every dead letter; returns how many there were. */
  public int purgeDeadLetters() {
    return parts.deadLetters().purge();
  }

  /**
   * Stops accepting events, lets running and pending events finish within {@code
   * parley.shutdown.drain-timeout}, and ends what is left {@link Outcome.Interrupted}. The stage
   * completes when every accepted event has its outcome. Idempotent; {@link #shutdown()} and the
   * actor system's coordinated shutdown call it.
   */
  public CompletionStage<Done> drain() {
    return parts.lifecycle().drain();
  }

  /**
   * {@link #drain() Drains}, then stops the runtime (and its actor system, when Parley started it).
   * Idempotent.
   */
  public CompletionStage<Done> shutdown() {
    return parts.lifecycle().shutdown();
  }

  /** {@link #shutdown()} and wait for it. */
  @Override
  public void close() {
    shutdown().toCompletableFuture().join();
  }
}
