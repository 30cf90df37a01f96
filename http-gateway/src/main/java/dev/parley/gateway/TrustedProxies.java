package dev.parley.gateway;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Who the client of a request is: the connection's peer address, unless that peer is one of {@code
 * parley.http.trusted-proxies}; then the last address of {@code X-Forwarded-For} that is not a
 * trusted proxy itself. Anyone else's {@code X-Forwarded-For} is ignored, so that a client cannot
 * pick the address its rate limit counts against.
 */
final class TrustedProxies {
  private final List<Block> blocks;

  TrustedProxies(List<String> proxies) {
    List<Block> parsed = new ArrayList<>();
    for (String proxy : proxies) {
      parsed.add(Block.parse(proxy));
    }
    this.blocks = List.copyOf(parsed);
  }

  /** {@code proxies}, once each is known to parse; else the key and the bad entry. */
  static List<String> validated(List<String> proxies) {
    new TrustedProxies(proxies);
    return List.copyOf(proxies);
  }

  boolean trusts(InetAddress address) {
    for (Block block : blocks) {
      if (block.contains(address)) {
        return true;
      }
    }
    return false;
  }

  /** The client behind {@code peer}, given the request's {@code X-Forwarded-For} values. */
  InetAddress client(InetAddress peer, Optional<String> forwardedFor) {
    if (forwardedFor.isEmpty() || !trusts(peer)) {
      return peer;
    }
    String[] hops = forwardedFor.get().split(",");
    InetAddress client = peer;
    for (int i = hops.length - 1; i >= 0; i--) {
      Optional<InetAddress> hop = literal(hops[i].trim());
      if (hop.isEmpty()) {
        return client; // not an address: nothing before it can be believed
      }
      client = hop.get();
      if (!trusts(client)) {
        return client;
      }
    }
    return client;
  }

  /** An IP literal (never a name lookup), or empty. */
  private static Optional<InetAddress> literal(String text) {
    String bare =
        text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
    boolean ipv4 = bare.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    boolean ipv6 = bare.contains(":") && bare.matches("[0-9A-Fa-f:.]+");
    if (!ipv4 && !ipv6) {
      return Optional.empty();
    }
    try {
      return Optional.of(InetAddress.getByName(bare));
    } catch (UnknownHostException e) {
      return Optional.empty();
    }
  }

  /** An address block: an address and how many leading bits of it count. */
  private record Block(byte[] address, int bits) {
    static Block parse(String text) {
      int slash = text.indexOf('/');
      String address = slash < 0 ? text.trim() : text.substring(0, slash).trim();
      Optional<InetAddress> parsed = literal(address);
      if (parsed.isEmpty()) {
        throw bad(text);
      }
      byte[] bytes = parsed.get().getAddress();
      int bits = bytes.length * 8;
      if (slash >= 0) {
        try {
          bits = Integer.parseInt(text.substring(slash + 1).trim());
        } catch (NumberFormatException e) {
          throw bad(text);
        }
        if (bits < 0 || bits > bytes.length * 8) {
          throw bad(text);
        }
      }
      return new Block(bytes, bits);
    }

    boolean contains(InetAddress candidate) {
      byte[] other = candidate.getAddress();
      if (other.length != address.length) {
        return false;
      }
      for (int bit = 0; bit < bits; bit++) {
        int mask = 0x80 >>> (bit % 8);
        if ((other[bit / 8] & mask) != (address[bit / 8] & mask)) {
          return false;
        }
      }
      return true;
    }

    private static IllegalArgumentException bad(String text) {
      return new IllegalArgumentException(
          "parley.http.trusted-proxies: \""
              + text
              + "\" is not an IP address or a CIDR block (such as 10.0.0.0/8)");
    }
  }
}
