#include "service/pipeline/trusted_proxies.h"

#include "gtest/gtest.h"

namespace latchkey::service {
namespace {

TEST(TrustedProxies, ParsesAddressesAndNetworks) {
  auto proxies = TrustedProxies::Parse(" 10.0.0.0/8, 127.0.0.1 ,fd00::/8,::1");
  ASSERT_TRUE(proxies.ok()) << proxies.status();
  EXPECT_TRUE(proxies->Contains("10.1.2.3"));
  EXPECT_TRUE(proxies->Contains("127.0.0.1"));
  EXPECT_TRUE(proxies->Contains("::ffff:127.0.0.1")) << "v4-mapped is v4";
  EXPECT_TRUE(proxies->Contains("fd12::1"));
  EXPECT_TRUE(proxies->Contains("::1"));
  EXPECT_FALSE(proxies->Contains("11.0.0.1"));
  EXPECT_FALSE(proxies->Contains("127.0.0.2"));
  EXPECT_FALSE(proxies->Contains("fe80::1"));
  EXPECT_FALSE(proxies->Contains("not an address"));
  EXPECT_TRUE(TrustedProxies::Parse("")->empty());
}

TEST(TrustedProxies, BadEntriesAreNamed) {
  for (const char* bad :
       {"10.0.0.0/33", "example.com", "10.0.0.1/8/2", "::1/129"}) {
    auto proxies = TrustedProxies::Parse(std::string("127.0.0.1,") + bad);
    ASSERT_FALSE(proxies.ok()) << bad;
    EXPECT_NE(proxies.status().message().find(bad), absl::string_view::npos)
        << proxies.status();
  }
  std::string many;
  for (int i = 0; i < 65; ++i) many += "10.0.0." + std::to_string(i) + ",";
  EXPECT_FALSE(TrustedProxies::Parse(many).ok());
}

TEST(TrustedProxies, AnUntrustedPeerIsTheClientWhateverItSends) {
  auto proxies = TrustedProxies::Parse("10.0.0.0/8");
  ASSERT_TRUE(proxies.ok());
  EXPECT_EQ(proxies->ClientAddress("203.0.113.7", "198.51.100.1"),
            "203.0.113.7");
  // With no proxies configured nobody's header counts.
  EXPECT_EQ(TrustedProxies().ClientAddress("10.0.0.1", "198.51.100.1"),
            "10.0.0.1");
}

TEST(TrustedProxies, ReadsTheChainFromTheRightSkippingProxies) {
  auto proxies = TrustedProxies::Parse("10.0.0.0/8");
  ASSERT_TRUE(proxies.ok());
  // The client put a forged entry first; the balancer appended the real
  // address; an inner proxy appended the balancer's.
  EXPECT_EQ(
      proxies->ClientAddress("10.0.0.2", "1.2.3.4, 203.0.113.7, 10.0.0.1"),
      "203.0.113.7");
  EXPECT_EQ(proxies->ClientAddress("10.0.0.2", "2001:db8::5"), "2001:db8::5");
  // Nothing forwarded, only proxies, or garbage: the last trusted hop.
  EXPECT_EQ(proxies->ClientAddress("10.0.0.2", ""), "10.0.0.2");
  EXPECT_EQ(proxies->ClientAddress("10.0.0.2", "10.0.0.9"), "10.0.0.9");
  EXPECT_EQ(proxies->ClientAddress("10.0.0.2", "203.0.113.7, bogus"),
            "10.0.0.2");
}

}  // namespace
}  // namespace latchkey::service
