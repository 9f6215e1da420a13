#include "service/core/trusted_domains.h"

#include "gtest/gtest.h"

namespace latchkey::service::core {
namespace {

std::vector<DomainPattern> Patterns(std::initializer_list<const char*> texts) {
  std::vector<DomainPattern> patterns;
  for (const char* text : texts) {
    auto parsed = ParseDomainPattern(text);
    EXPECT_TRUE(parsed.ok()) << text << ": " << parsed.status();
    if (parsed.ok()) patterns.push_back(*parsed);
  }
  return patterns;
}

TEST(ParseDomainPattern, SchemeHostPortAndWildcards) {
  auto plain = ParseDomainPattern("https://App.Example.com");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->scheme, "https");
  EXPECT_EQ(plain->port, 443);
  EXPECT_EQ(plain->host_labels,
            (std::vector<std::string>{"app", "example", "com"}));
  auto wild = ParseDomainPattern("http://**.example.com:8080/");
  ASSERT_TRUE(wild.ok()) << wild.status();
  EXPECT_EQ(wild->port, 8080);
  EXPECT_EQ(wild->host_labels.front(), "**");
}

TEST(ParseDomainPattern, RefusesWhatIsNotAnOrigin) {
  for (const char* bad :
       {"example.com", "ftp://example.com", "javascript:alert(1)",
        "https://example.com/path", "https://u:p@example.com",
        "https://ex*ample.com", "https://example.com?x=1", "https://",
        "https://a..b.com"}) {
    EXPECT_FALSE(ParseDomainPattern(bad).ok()) << bad;
  }
}

TEST(IsTrustedRedirectUrl, ExactHostAnyPathSameSchemeAndPort) {
  auto patterns = Patterns({"https://app.example.com"});
  EXPECT_TRUE(IsTrustedRedirectUrl("https://app.example.com/cb?x=1#y", patterns,
                                   false));
  EXPECT_TRUE(
      IsTrustedRedirectUrl("https://APP.Example.COM/cb", patterns, false));
  EXPECT_TRUE(
      IsTrustedRedirectUrl("https://app.example.com.:443/cb", patterns, false));
  EXPECT_FALSE(
      IsTrustedRedirectUrl("http://app.example.com/cb", patterns, false));
  EXPECT_FALSE(
      IsTrustedRedirectUrl("https://app.example.com:8443/cb", patterns, false));
  EXPECT_FALSE(IsTrustedRedirectUrl("https://example.com/cb", patterns, false));
}

TEST(IsTrustedRedirectUrl, TrickyUrlsAreNotFooled) {
  auto patterns = Patterns({"https://good.com"});
  for (const char* bad : {
           "https://good.com@evil.com/",  // user info: host is evil
           "https://evil.com@good.com/",  // user info refused anyway
           "https://good.com.evil.com/",  // suffix
           "https://evilgood.com/",       // substring
           "https://evil.com/?next=https://good.com",
           "https://evil.com/https://good.com",
           "javascript://good.com/%0aalert(1)",  // other scheme
           "//good.com/cb",                      // relative
           "https://good.com%2f@evil.com/",
           "https://good.com\\@evil.com/",
           "https://good.com\t/",  // control character
           "https:good.com",
           "data:text/html,good.com",
       }) {
    EXPECT_FALSE(IsTrustedRedirectUrl(bad, patterns, false)) << bad;
  }
}

TEST(IsTrustedRedirectUrl, EncodedHostsAreJudgedDecodedAsBrowsersDo) {
  auto patterns = Patterns({"https://good.com"});
  // A browser goes to good.com for this URL, so it is that host.
  EXPECT_TRUE(IsTrustedRedirectUrl("https://good%2ecom/", patterns, false));
  EXPECT_FALSE(IsTrustedRedirectUrl("https://evil%2ecom/", patterns, false));
}

TEST(IsTrustedRedirectUrl, WildcardsMatchWholeLabels) {
  auto one = Patterns({"https://*.example.com"});
  EXPECT_TRUE(IsTrustedRedirectUrl("https://a.example.com/", one, false));
  EXPECT_FALSE(IsTrustedRedirectUrl("https://a.b.example.com/", one, false));
  EXPECT_FALSE(IsTrustedRedirectUrl("https://example.com/", one, false));
  EXPECT_FALSE(
      IsTrustedRedirectUrl("https://a.example.com.evil.net/", one, false));
  auto many = Patterns({"https://**.example.com"});
  EXPECT_TRUE(IsTrustedRedirectUrl("https://a.b.c.example.com/", many, false));
  EXPECT_FALSE(IsTrustedRedirectUrl("https://example.com/", many, false));
  EXPECT_FALSE(IsTrustedRedirectUrl("https://a.example.org/", many, false));
}

TEST(IsTrustedRedirectUrl, LocalhostOnlyWhenAllowed) {
  auto none = Patterns({});
  for (const char* local : {"http://localhost:3000/cb", "https://127.0.0.1/",
                            "http://[::1]:8080/", "http://app.localhost/"}) {
    EXPECT_TRUE(IsTrustedRedirectUrl(local, none, true)) << local;
    EXPECT_FALSE(IsTrustedRedirectUrl(local, none, false)) << local;
  }
  EXPECT_FALSE(IsTrustedRedirectUrl("http://localhost.evil.com/", none, true));
}

}  // namespace
}  // namespace latchkey::service::core
