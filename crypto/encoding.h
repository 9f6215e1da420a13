#ifndef CRYPTO_ENCODING_H_
#define CRYPTO_ENCODING_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace latchkey::crypto {

// Byte-to-text encodings used on the wire and at rest. All functions are pure
// and thread-safe. Byte strings are std::string holding raw octets.
//
// Decoders are strict on purpose: a JWT or sealed secret has exactly one
// valid spelling, so two different strings never decode to the same bytes
// (no padding where none is expected, no whitespace, no non-zero trailing
// bits). That makes tokens non-malleable and lets callers compare encodings.

// base64url (RFC 4648 section 5) without padding, as JOSE uses it.
std::string Base64UrlEncode(std::string_view data);

// Appends Base64UrlEncode(data) to `out`, for callers assembling a larger
// string (a JWT) without a temporary per part.
void AppendBase64Url(std::string_view data, std::string* out);

// Decodes unpadded base64url. Returns INVALID_ARGUMENT for '=' padding,
// characters outside [A-Za-z0-9_-], an impossible length (len % 4 == 1), or
// non-zero unused bits in the last character (a non-canonical encoding).
absl::StatusOr<std::string> Base64UrlDecode(std::string_view encoded);

// Decodes standard base64 (RFC 4648 section 4, '+' and '/'), the form of
// Stack's totp_secret_base64. Padding is optional, but when present it must be
// complete and only at the end; trailing bits must be zero. Returns
// INVALID_ARGUMENT otherwise (including for whitespace).
absl::StatusOr<std::string> Base64Decode(std::string_view encoded);

// Standard base64 with padding (what JavaScript's btoa / Buffer produce).
std::string Base64Encode(std::string_view data);

// Crockford base32 in lower case (alphabet 0-9a-z without i, l, o, u):
// bits are taken most significant first, 5 per character, and the last
// character is zero-padded on the right; no '=' padding.
std::string CrockfordBase32Encode(std::string_view data);

// Lower-case hexadecimal.
std::string HexEncode(std::string_view data);

}  // namespace latchkey::crypto

#endif  // CRYPTO_ENCODING_H_
