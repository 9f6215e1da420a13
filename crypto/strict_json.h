#ifndef CRYPTO_STRICT_JSON_H_
#define CRYPTO_STRICT_JSON_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace latchkey::crypto {

// JSON helpers whose exact behaviour matters for security or compatibility.
// All functions are pure and thread-safe.

// Serialises a UTF-8 string as JavaScript's JSON.stringify does, quotes
// included: '"' and '\\' escaped, \b \t \n \f \r for those controls, other
// controls below U+0020 as \u00xx (lower-case hex), everything else
// (including U+2028, U+2029 and DEL) written raw. Stack's key derivation
// hashes JSON.stringify output, so one byte of difference changes every key.
// INVALID_ARGUMENT if `utf8` is not valid UTF-8 (JSON.stringify never sees
// such input, so there is no compatible answer).
absl::StatusOr<std::string> JsonStringifyString(std::string_view utf8);

// JsonStringifyString's text appended to `out`, without a string of its
// own. On invalid UTF-8, `out` is left as it was.
absl::Status AppendJsonStringifiedString(std::string_view utf8,
                                         std::string* out);

// Appends `value` to `out` exactly as
//   value.dump(-1, ' ', /*ensure_ascii=*/false, error_handler_t::strict)
// serialises it: compact, members in the object's own order, strings (names
// included) escaped as JsonStringifyString does, which is what that dump
// does too. Faster than dump, whose serializer is set up per call and
// writes through a virtual call per character: JWT signing serialises
// claims on every token. INVALID_ARGUMENT if a string is not valid UTF-8
// (where dump would throw); `out` then holds a partial serialisation.
absl::Status AppendCompactJson(const nlohmann::ordered_json& value,
                               std::string* out);

// Limits for ParseStrictJsonObject.
inline constexpr int kMaxJsonDepth = 16;

// Parses `text` as one JSON object (RFC 8259, UTF-8), more strictly than
// nlohmann::json::parse does by default: duplicate member names at any depth
// are rejected (nlohmann would keep the last one silently, so a verifier and
// another parser could disagree on what a token says), nesting is limited to
// kMaxJsonDepth, and the top-level value must be an object. Comments,
// trailing commas, invalid UTF-8 and unpaired surrogate escapes are rejected
// as by nlohmann. INVALID_ARGUMENT on any violation. The usual token JSON is
// read by a quicker parser that builds the same tree (internal:: below);
// nlohmann's parser reads and judges everything else.
absl::StatusOr<nlohmann::json> ParseStrictJsonObject(std::string_view text);

// The two halves of ParseStrictJsonObject, exposed for its tests and
// fuzzers, which check that they agree.
namespace internal {

// A quick parser for the JSON that tokens almost always carry: objects,
// arrays, strings without escapes or control characters, integers of up to
// 18 digits, true, false and null, shallowly nested, no duplicate names.
// Returns what ParseJsonObjectWithNlohmann would for such a text, and
// nullopt (deciding nothing) for any other.
std::optional<nlohmann::json> ParseSimpleJsonObject(std::string_view text);

// ParseStrictJsonObject's rules, applied by nlohmann's parser to any text.
absl::StatusOr<nlohmann::json> ParseJsonObjectWithNlohmann(
    std::string_view text);

// The sameness ParseSimpleJsonObject promises, for its tests and fuzzers:
// equal values of equal types all the way down, members in the same order
// (nlohmann's == calls 1u and 1 equal; callers can tell them apart).
bool IdenticalJson(const nlohmann::json& a, const nlohmann::json& b);

}  // namespace internal

}  // namespace latchkey::crypto

#endif  // CRYPTO_STRICT_JSON_H_
