package dev.parley.monitor;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.lang.management.OperatingSystemMXBean;

/**
 * The process's resource use, sampled when an update is sent: heap in use and its limit, and the
 * process's share of the machine's CPU over the JVM's last measuring period ({@code -1} where the
 * JVM does not tell).
 *
 * @param heapUsedBytes heap in use now (live and not yet collected)
 * @param heapMaxBytes the heap's limit ({@code -Xmx}); {@code -1} when undefined
 * @param cpuLoad the process's CPU load, 0..1 of all processors; {@code -1} when unknown
 * @param processors processors available to the JVM
 */
record ProcessFigures(long heapUsedBytes, long heapMaxBytes, double cpuLoad, int processors) {

  static ProcessFigures sample() {
    MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    double cpu =
        os instanceof com.sun.management.OperatingSystemMXBean jdk ? jdk.getProcessCpuLoad() : -1;
    return new ProcessFigures(
        heap.getUsed(),
        heap.getMax(),
        Double.isNaN(cpu) || cpu < 0 ? -1 : cpu,
        Runtime.getRuntime().availableProcessors());
  }
}
