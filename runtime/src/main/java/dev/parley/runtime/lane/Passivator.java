package dev.parley.runtime.lane;

/** How an idle lane's shell asks to stop. */
public interface Passivator {
  /**
   * Stops routing to the lane if {@code received} routed commands are all that were sent to it;
   * false when one is on its way (the lane then stays).
   */
  boolean tryPassivate(long received);
}
