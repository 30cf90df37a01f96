package dev.parley.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Whose X-Forwarded-For is believed, and which address in it is the client. */
class TrustedProxiesTest {
  private static InetAddress ip(String literal) throws Exception {
    return InetAddress.getByName(literal);
  }

  @Test
  void anUntrustedPeerIsTheClientWhateverItForwards() throws Exception {
    TrustedProxies proxies = new TrustedProxies(List.of("10.0.0.0/8"));

    assertEquals(ip("192.0.2.1"), proxies.client(ip("192.0.2.1"), Optional.of("203.0.113.9")));
  }

  @Test
  void behindTrustedProxiesTheClientIsTheLastUntrustedHop() throws Exception {
    TrustedProxies proxies = new TrustedProxies(List.of("10.0.0.0/8", "2001:db8::/32"));

    assertEquals(
        ip("203.0.113.9"),
        proxies.client(ip("10.1.2.3"), Optional.of("198.51.100.1, 203.0.113.9, 10.9.9.9")));
    assertEquals(
        ip("2001:db9::1"), proxies.client(ip("2001:db8::5"), Optional.of("[2001:db9::1]")));
    assertEquals(ip("10.1.2.3"), proxies.client(ip("10.1.2.3"), Optional.empty()));
  }

  @Test
  void aHopThatIsNotAnAddressEndsWhatCanBeBelieved() throws Exception {
    TrustedProxies proxies = new TrustedProxies(List.of("127.0.0.1"));

    assertEquals(ip("127.0.0.1"), proxies.client(ip("127.0.0.1"), Optional.of("evil.example")));
  }

  @Test
  void badSettingsNameTheirKey() {
    for (String config :
        List.of(
            "parley.http.backlog = 0",
            "parley.http.max-connections = -1",
            "parley.http.header-timeout = 0s",
            "parley.http.auth.max-failures-per-second = 0",
            "parley.http.trusted-proxies = [\"10.0.0.0/33\"]")) {
      IllegalArgumentException bad =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  GatewaySettings.from(
                      ConfigFactory.parseString(config).withFallback(ConfigFactory.load())));
      String key = config.substring(0, config.indexOf(' '));
      assertTrue(bad.getMessage().contains(key), () -> config + ": " + bad.getMessage());
    }
  }
}
