package dev.parley.runtime.internal;

import dev.parley.runtime.DoubleTextPolicy;
import dev.parley.runtime.Event;
import dev.parley.runtime.admission.Admission;
import dev.parley.runtime.controls.Pauses;
import dev.parley.runtime.controls.Policies;
import dev.parley.runtime.lane.LaneEnvironment;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.DoubleSupplier;

/** The lanes' view of one runtime: its settings, controls, admission figures, clock and random. */
public record RuntimeEnvironment(
    Rules rules,
    Policies policies,
    Pauses pauses,
    AtomicInteger admissionGate,
    AtomicReference<Admission.State> admissionState,
    Counters counters,
    MovingAverage movingAverage,
    Clock clock,
    DoubleSupplier random)
    implements LaneEnvironment {

  @Override
  public DoubleTextPolicy policyOf(Event event) {
    return policies.of(event);
  }

  @Override
  public boolean paused(String laneKey) {
    return pauses.isPaused(laneKey);
  }

  @Override
  public boolean capped() {
    return admissionGate.get() > 0;
  }

  @Override
  public Admission.State admission() {
    return admissionState.get();
  }

  @Override
  public double averageMs() {
    return movingAverage.averageMs(counters);
  }
}
