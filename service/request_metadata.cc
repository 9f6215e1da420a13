#include "service/request_metadata.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"

namespace latchkey::service {
namespace {

constexpr absl::string_view kStackPrefix = "x-stack-";
constexpr absl::string_view kHexclavePrefix = "x-hexclave-";

}  // namespace

void RequestMetadata::Add(absl::string_view key, absl::string_view value) {
  std::string canonical = absl::AsciiStrToLower(key);
  if (absl::StartsWith(canonical, kHexclavePrefix)) {
    canonical = std::string(kStackPrefix) +
                canonical.substr(kHexclavePrefix.size());
  }
  if (!absl::StartsWith(canonical, kStackPrefix) &&
      !absl::StartsWith(canonical, "x-latchkey-") &&
      canonical != kAuthorization) {
    return;
  }
  entries_.emplace(std::move(canonical), std::string(value));
}

std::optional<absl::string_view> RequestMetadata::Get(
    absl::string_view canonical_key) const {
  auto it = entries_.find(canonical_key);
  if (it == entries_.end()) return std::nullopt;
  return absl::string_view(it->second);
}

bool RequestMetadata::IsTrue(absl::string_view canonical_key) const {
  std::optional<absl::string_view> value = Get(canonical_key);
  return value.has_value() && *value == "true";
}

std::optional<absl::string_view> RequestMetadata::BearerToken() const {
  std::optional<absl::string_view> value = Get(kAuthorization);
  if (!value.has_value()) return std::nullopt;
  absl::string_view rest = *value;
  // The scheme is case-insensitive (RFC 7235).
  if (rest.size() < 7 || !absl::EqualsIgnoreCase(rest.substr(0, 7), "bearer ")) {
    return std::nullopt;
  }
  rest = absl::StripAsciiWhitespace(rest.substr(7));
  if (rest.empty()) return std::nullopt;
  return rest;
}

}  // namespace latchkey::service
