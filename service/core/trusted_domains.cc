#include "service/core/trusted_domains.h"

#include <curl/curl.h>

#include <memory>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "third_party/system/curl_on_demand.h"

namespace latchkey::service::core {
namespace {

struct CurlUrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};
using CurlUrl = std::unique_ptr<CURLU, CurlUrlDeleter>;

// One part of a parsed URL; nullopt when absent.
std::optional<std::string> Part(CURLU* url, CURLUPart part,
                                unsigned int flags = 0) {
  char* value = nullptr;
  if (curl_url_get(url, part, &value, flags) != CURLUE_OK || value == nullptr) {
    return std::nullopt;
  }
  std::string copy(value);
  curl_free(value);
  return copy;
}

struct ParsedUrl {
  std::string scheme;
  std::string host;  // lower-case, no trailing dot, no brackets for IPv6
  int port = 0;
  bool has_user_info = false;
  bool has_path = false;  // beyond "/"
  bool has_query_or_fragment = false;
};

std::optional<ParsedUrl> ParseUrl(absl::string_view text) {
  if (text.size() > 4096) return std::nullopt;
  for (char c : text) {
    // Raw control characters and spaces never belong in a URL; libcurl
    // would strip some, which would make us judge a different string.
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return std::nullopt;
  }
  CurlUrl url(curl_url());
  if (url == nullptr) return std::nullopt;
  const std::string copy(text);
  if (curl_url_set(url.get(), CURLUPART_URL, copy.c_str(), 0) != CURLUE_OK) {
    return std::nullopt;
  }
  ParsedUrl parsed;
  std::optional<std::string> scheme = Part(url.get(), CURLUPART_SCHEME);
  std::optional<std::string> host = Part(url.get(), CURLUPART_HOST);
  std::optional<std::string> port =
      Part(url.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
  if (!scheme.has_value() || !host.has_value() || !port.has_value()) {
    return std::nullopt;
  }
  parsed.scheme = absl::AsciiStrToLower(*scheme);
  parsed.host = absl::AsciiStrToLower(*host);
  if (parsed.host.find('%') != std::string::npos) return std::nullopt;
  if (absl::StartsWith(parsed.host, "[") && absl::EndsWith(parsed.host, "]")) {
    parsed.host = parsed.host.substr(1, parsed.host.size() - 2);
  }
  while (absl::EndsWith(parsed.host, ".")) parsed.host.pop_back();
  if (parsed.host.empty() || !absl::SimpleAtoi(*port, &parsed.port)) {
    return std::nullopt;
  }
  parsed.has_user_info = Part(url.get(), CURLUPART_USER).has_value() ||
                         Part(url.get(), CURLUPART_PASSWORD).has_value();
  std::optional<std::string> path = Part(url.get(), CURLUPART_PATH);
  parsed.has_path = path.has_value() && *path != "/" && !path->empty();
  parsed.has_query_or_fragment =
      Part(url.get(), CURLUPART_QUERY).has_value() ||
      Part(url.get(), CURLUPART_FRAGMENT).has_value();
  return parsed;
}

bool IsHttp(const std::string& scheme) {
  return scheme == "http" || scheme == "https";
}

// Matches host labels against pattern labels ("*" one, "**" one or more).
bool MatchLabels(const std::vector<std::string>& pattern, size_t p,
                 const std::vector<absl::string_view>& host, size_t h) {
  if (p == pattern.size()) return h == host.size();
  if (h == host.size()) return false;
  if (pattern[p] == "**") {
    for (size_t take = 1; h + take <= host.size(); ++take) {
      if (MatchLabels(pattern, p + 1, host, h + take)) return true;
    }
    return false;
  }
  if (host[h].empty()) return false;
  if (pattern[p] != "*" && pattern[p] != host[h]) return false;
  return MatchLabels(pattern, p + 1, host, h + 1);
}

bool IsLocalhost(const std::string& host) {
  return host == "localhost" || absl::EndsWith(host, ".localhost") ||
         host == "127.0.0.1" || host == "::1";
}

}  // namespace

absl::StatusOr<DomainPattern> ParseDomainPattern(absl::string_view text) {
  // libcurl refuses "*" in host names, so the wildcards are swapped for
  // placeholder labels while the URL is parsed.
  std::string placeholder(text);
  absl::StrReplaceAll(
      {{"**", "latchkey-wildcard-many"}, {"*", "latchkey-wildcard-one"}},
      &placeholder);
  std::optional<ParsedUrl> parsed = ParseUrl(placeholder);
  auto invalid = [&text](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("trusted domain \"", text.substr(0, 200), "\" ", why));
  };
  if (!parsed.has_value()) {
    // Without libcurl no URL parses; say so rather than blame the pattern.
    if (absl::Status loaded = system::LoadLibcurl(); !loaded.ok()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "trusted domains cannot be checked: ", loaded.message()));
    }
    return invalid("is not a URL like https://example.com");
  }
  if (!IsHttp(parsed->scheme)) return invalid("must use http or https");
  if (parsed->has_user_info) return invalid("must not contain user info");
  if (parsed->has_path || parsed->has_query_or_fragment) {
    return invalid("must be only scheme, host and port (no path)");
  }
  DomainPattern pattern;
  pattern.scheme = parsed->scheme;
  pattern.port = parsed->port;
  for (absl::string_view label : absl::StrSplit(parsed->host, '.')) {
    if (label == "latchkey-wildcard-many") {
      pattern.host_labels.emplace_back("**");
    } else if (label == "latchkey-wildcard-one") {
      pattern.host_labels.emplace_back("*");
    } else if (label.empty() ||
               absl::StrContains(label, "latchkey-wildcard-")) {
      return invalid("has a malformed host (wildcards are whole labels)");
    } else {
      pattern.host_labels.emplace_back(label);
    }
  }
  return pattern;
}

bool IsTrustedRedirectUrl(absl::string_view url,
                          const std::vector<DomainPattern>& patterns,
                          bool allow_localhost) {
  std::optional<ParsedUrl> parsed = ParseUrl(url);
  if (!parsed.has_value() || !IsHttp(parsed->scheme) || parsed->has_user_info) {
    return false;
  }
  if (allow_localhost && IsLocalhost(parsed->host)) return true;
  std::vector<absl::string_view> labels = absl::StrSplit(parsed->host, '.');
  for (const DomainPattern& pattern : patterns) {
    if (pattern.scheme == parsed->scheme && pattern.port == parsed->port &&
        MatchLabels(pattern.host_labels, 0, labels, 0)) {
      return true;
    }
  }
  return false;
}

}  // namespace latchkey::service::core
