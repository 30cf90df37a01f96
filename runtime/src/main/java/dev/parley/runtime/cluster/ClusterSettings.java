package dev.parley.runtime.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueType;
import dev.parley.runtime.journal.JournalSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code parley.mode} and {@code parley.cluster}: whether lanes are entities of Pekko Cluster
 * Sharding spread over the nodes of a cluster, and how this node joins it.
 *
 * @param enabled {@code parley.mode = cluster}
 * @param host the address other nodes reach this one at
 * @param port its Artery TCP port (0: any free one, for tests)
 * @param seedNodes {@code host:port} of the nodes a new node joins through; empty: this node starts
 *     a cluster of its own, which others join through it
 * @param stableAfter how long the membership must be stable before the Split Brain Resolver downs
 *     unreachable nodes ({@code keep-majority})
 */
public record ClusterSettings(
    boolean enabled, String host, int port, List<String> seedNodes, Duration stableAfter) {

  /**
   * The reason of the receipt (and outcome) of an event whose lane did not answer within {@code
   * parley.ask-timeout}: its node was lost, and the lane is moving to another. The event may still
   * run; submit it again with the same id, and it runs once.
   */
  public static final String LANE_UNREACHABLE = "lane-unreachable";

  public static ClusterSettings from(Config config) {
    String mode = config.getString("parley.mode").trim().toLowerCase(Locale.ROOT);
    if (!mode.equals("local") && !mode.equals("cluster")) {
      throw new IllegalArgumentException(
          "parley.mode: must be local or cluster, got \"" + mode + "\"");
    }
    String host = config.getString("parley.cluster.host").trim();
    if (host.isEmpty()) {
      throw new IllegalArgumentException("parley.cluster.host: must not be empty");
    }
    int port = config.getInt("parley.cluster.port");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("parley.cluster.port: must be 0 to 65535, got " + port);
    }
    Duration stableAfter = config.getDuration("parley.cluster.split-brain.stable-after");
    if (stableAfter.isNegative() || stableAfter.isZero()) {
      throw new IllegalArgumentException(
          "parley.cluster.split-brain.stable-after: must be positive, got " + stableAfter);
    }
    ClusterSettings cluster =
        new ClusterSettings(mode.equals("cluster"), host, port, seedNodes(config), stableAfter);
    if (cluster.enabled()) {
      JournalSettings journal = JournalSettings.from(config);
      if (!journal.enabled() || !journal.postgres()) {
        throw new IllegalArgumentException(
            "parley.mode = cluster: needs parley.durability = journal on a database every node"
                + " shares (parley.journal.url = jdbc:postgresql://…), so that a lane can move to"
                + " any node with its journal");
      }
    }
    return cluster;
  }

  /** A list of {@code host:port}, or one string of them separated by commas. */
  private static List<String> seedNodes(Config config) {
    String key = "parley.cluster.seed-nodes";
    List<String> raw = new ArrayList<>();
    if (config.getValue(key).valueType() == ConfigValueType.LIST) {
      raw.addAll(config.getStringList(key));
    } else {
      raw.addAll(List.of(config.getString(key).split(",")));
    }
    List<String> nodes = new ArrayList<>();
    for (String node : raw) {
      String trimmed = node.trim();
      if (trimmed.isEmpty()) {
        continue;
      }
      int colon = trimmed.lastIndexOf(':');
      int port = -1;
      if (colon > 0) {
        try {
          port = Integer.parseInt(trimmed.substring(colon + 1));
        } catch (NumberFormatException e) {
          port = -1;
        }
      }
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException(
            key + ": each seed node must be host:port, got \"" + trimmed + "\"");
      }
      nodes.add(trimmed);
    }
    return List.copyOf(nodes);
  }

  /**
   * Pekko's settings for cluster mode, put in front of {@code config} (returned as is in local
   * mode): the cluster provider on Artery TCP, the seed nodes, the Split Brain Resolver, and
   * sharding that remembers its lanes in the journal, so that the lanes of a lost node start again
   * on the others by themselves. Set in code, so that no merge order of {@code reference.conf}
   * files undoes them.
   *
   * @param systemName the actor system's name, the same on every node
   * @param handOff how long a leaving node may take to hand its lanes over (their running events
   *     finish first)
   */
  public static Config apply(Config config, String systemName, Duration handOff) {
    ClusterSettings cluster = from(config);
    if (!cluster.enabled()) {
      return config;
    }
    List<String> seeds = new ArrayList<>();
    List<String> nodes =
        cluster.seedNodes().isEmpty()
            ? List.of(cluster.host() + ":" + cluster.port())
            : cluster.seedNodes();
    nodes.forEach(node -> seeds.add("pekko://" + systemName + "@" + node));
    String handOffMs = handOff.toMillis() + "ms";
    Map<String, Object> settings =
        Map.ofEntries(
            Map.entry("pekko.actor.provider", "cluster"),
            Map.entry("pekko.remote.artery.transport", "tcp"),
            Map.entry("pekko.remote.artery.canonical.hostname", cluster.host()),
            Map.entry("pekko.remote.artery.canonical.port", cluster.port()),
            Map.entry("pekko.cluster.seed-nodes", seeds),
            Map.entry(
                "pekko.cluster.downing-provider-class",
                "org.apache.pekko.cluster.sbr.SplitBrainResolverProvider"),
            Map.entry("pekko.cluster.split-brain-resolver.active-strategy", "keep-majority"),
            Map.entry(
                "pekko.cluster.split-brain-resolver.stable-after",
                cluster.stableAfter().toMillis() + "ms"),
            Map.entry("pekko.cluster.sharding.remember-entities", "on"),
            Map.entry("pekko.cluster.sharding.remember-entities-store", "eventsourced"),
            Map.entry("pekko.cluster.sharding.handoff-timeout", handOffMs),
            Map.entry(
                "pekko.coordinated-shutdown.phases.cluster-sharding-shutdown-region.timeout",
                handOffMs),
            // Several nodes in one JVM (tests): each registers its own MBean.
            Map.entry("pekko.cluster.jmx.multi-mbeans-in-same-jvm", "on"));
    return ConfigFactory.parseMap(settings).withFallback(config);
  }
}
