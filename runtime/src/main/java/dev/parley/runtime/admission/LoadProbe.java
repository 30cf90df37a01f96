package dev.parley.runtime.admission;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;

/** Where adaptive admission reads the process's load; tests give their own. */
public interface LoadProbe {
  /** Heap in use after the last GC, as a fraction of the maximum (0 when unknown). */
  double heapAfterGc();

  /** The process's recent CPU load, a fraction of all cores (0 when unknown). */
  double processCpu();

  /** The JVM's view: old-generation usage after collection, and the process CPU load. */
  static LoadProbe jvm() {
    return new LoadProbe() {
      @Override
      public double heapAfterGc() {
        double worst = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
          MemoryUsage afterGc =
              pool.getType() == MemoryType.HEAP ? pool.getCollectionUsage() : null;
          if (afterGc != null && afterGc.getMax() > 0) {
            worst = Math.max(worst, (double) afterGc.getUsed() / afterGc.getMax());
          }
        }
        return worst;
      }

      @Override
      public double processCpu() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof OperatingSystemMXBean os) {
          return Math.max(0, os.getProcessCpuLoad());
        }
        return 0;
      }
    };
  }
}
