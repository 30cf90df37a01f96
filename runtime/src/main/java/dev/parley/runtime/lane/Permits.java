package dev.parley.runtime.lane;

import dev.parley.runtime.Priority;
import dev.parley.runtime.admission.Admission;
import dev.parley.runtime.internal.GroupLanes;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The global cap (and a parallel group's permits, for a lane of one) as a lane sees it: ask for a
 * permit, give it back, withdraw the request.
 */
public interface Permits {
  void request(
      String laneKey, Priority priority, String tenant, ActorRef<Admission.Granted> replyTo);

  void release(String laneKey);

  void withdraw(String laneKey);

  /** The permits of {@code admission}, the runtime's Admission actor. */
  static Permits of(ActorRef<Admission.Command> admission) {
    return new Permits() {
      @Override
      public void request(
          String laneKey, Priority priority, String tenant, ActorRef<Admission.Granted> replyTo) {
        admission.tell(
            new Admission.Request(laneKey, priority, tenant, GroupLanes.groupOf(laneKey), replyTo));
      }

      @Override
      public void release(String laneKey) {
        admission.tell(new Admission.Release(laneKey));
      }

      @Override
      public void withdraw(String laneKey) {
        admission.tell(new Admission.Withdraw(laneKey));
      }
    };
  }
}
