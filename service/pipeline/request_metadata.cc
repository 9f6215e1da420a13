#include "service/pipeline/request_metadata.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"

namespace latchkey::service {
namespace {

constexpr absl::string_view kStackPrefix = "x-stack-";
constexpr absl::string_view kHexclavePrefix = "x-hexclave-";

// What gRPC accepts as the key of a text (non "-bin") metadata entry, after
// lower-casing. HTTP allows more in a header name (! # $ % & ' * + ^ ` | ~),
// and grpc++ aborts the process when handed a key outside this set, so a
// name is checked here, before it can reach any gRPC API.
bool IsCarriableKey(absl::string_view key) {
  if (key.empty()) return false;
  for (char c : key) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  // Binary metadata is base64 on the wire; none of ours is binary.
  return !absl::EndsWith(key, "-bin");
}

// What gRPC accepts as a text metadata value: printable ASCII.
bool IsCarriableValue(absl::string_view value) {
  for (char c : value) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

}  // namespace

void RequestMetadata::Add(absl::string_view key, absl::string_view value) {
  // Most of a call's metadata (user-agent, te, content-type...) is none of
  // ours: dropped before anything is copied.
  if (!absl::StartsWithIgnoreCase(key, kStackPrefix) &&
      !absl::StartsWithIgnoreCase(key, kHexclavePrefix) &&
      !absl::EqualsIgnoreCase(key, kAuthorization)) {
    return;
  }
  std::string canonical = absl::AsciiStrToLower(key);
  if (absl::StartsWith(canonical, kHexclavePrefix)) {
    canonical =
        std::string(kStackPrefix) + canonical.substr(kHexclavePrefix.size());
  }
  // x-latchkey-* names are the server's own (what its edge learnt about a
  // call); a client's copy of one is never believed, so it is not kept.
  if (!absl::StartsWith(canonical, kStackPrefix) &&
      canonical != kAuthorization) {
    return;
  }
  if (!IsCarriableKey(canonical) || !IsCarriableValue(value)) return;
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
  if (rest.size() < 7 ||
      !absl::EqualsIgnoreCase(rest.substr(0, 7), "bearer ")) {
    return std::nullopt;
  }
  rest = absl::StripAsciiWhitespace(rest.substr(7));
  if (rest.empty()) return std::nullopt;
  return rest;
}

}  // namespace latchkey::service
