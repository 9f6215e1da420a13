#include "crypto/encoding.h"

#include <array>
#include <cstdint>
#include <cstring>

#include "absl/status/status.h"

namespace latchkey::crypto {
namespace {

constexpr char kBase64UrlAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kCrockfordAlphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";

// Maps each byte to its 6-bit value, or -1 if it is not in the alphabet.
constexpr std::array<int8_t, 256> MakeReverse(const char* alphabet) {
  std::array<int8_t, 256> table{};
  for (auto& entry : table) entry = -1;
  for (int i = 0; i < 64; ++i) {
    table[static_cast<unsigned char>(alphabet[i])] = static_cast<int8_t>(i);
  }
  return table;
}

// Every 12-bit value's two characters, so that encoding looks up two
// characters at a time.
using PairTable = std::array<std::array<char, 2>, 4096>;
constexpr PairTable MakePairs(const char* alphabet) {
  PairTable table{};
  for (int i = 0; i < 4096; ++i) {
    table[i] = {alphabet[i >> 6], alphabet[i & 63]};
  }
  return table;
}

constexpr PairTable kBase64UrlPairs = MakePairs(kBase64UrlAlphabet);
constexpr PairTable kBase64Pairs = MakePairs(kBase64Alphabet);

constexpr std::array<int8_t, 256> kBase64UrlReverse =
    MakeReverse(kBase64UrlAlphabet);
constexpr std::array<int8_t, 256> kBase64Reverse = MakeReverse(kBase64Alphabet);

// Appends the encoding of `data` to `out`. Writes through a pointer into
// storage sized up front: std::string::push_back is not inlined (libstdc++
// instantiates it out of line), and per-character calls made this a visible
// share of signing and verifying a token.
void Encode64(std::string_view data, const char* alphabet,
              const PairTable& pairs, bool pad, std::string* out) {
  const size_t full = data.size() / 3;
  const size_t rest = data.size() % 3;
  const size_t size = full * 4 + (rest == 0 ? 0 : (pad ? 4 : rest + 1));
  const size_t start = out->size();
  out->resize(start + size);
  char* dst = out->data() + start;
  const auto* src = reinterpret_cast<const uint8_t*>(data.data());
  size_t i = 0;
  // Two groups (6 bytes, 8 characters) at a time, then the odd one.
  for (; i + 2 <= full; i += 2, src += 6, dst += 8) {
    const uint32_t a =
        (uint32_t{src[0]} << 16) | (uint32_t{src[1]} << 8) | src[2];
    const uint32_t b =
        (uint32_t{src[3]} << 16) | (uint32_t{src[4]} << 8) | src[5];
    char chars[8];
    std::memcpy(chars, pairs[a >> 12].data(), 2);
    std::memcpy(chars + 2, pairs[a & 0xfff].data(), 2);
    std::memcpy(chars + 4, pairs[b >> 12].data(), 2);
    std::memcpy(chars + 6, pairs[b & 0xfff].data(), 2);
    std::memcpy(dst, chars, sizeof(chars));
  }
  for (; i < full; ++i, src += 3, dst += 4) {
    const uint32_t n =
        (uint32_t{src[0]} << 16) | (uint32_t{src[1]} << 8) | src[2];
    std::memcpy(dst, pairs[n >> 12].data(), 2);
    std::memcpy(dst + 2, pairs[n & 0xfff].data(), 2);
  }
  if (rest == 0) return;
  uint32_t n = uint32_t{src[0]} << 16;
  if (rest == 2) n |= uint32_t{src[1]} << 8;
  dst[0] = alphabet[(n >> 18) & 63];
  dst[1] = alphabet[(n >> 12) & 63];
  if (rest == 2) {
    dst[2] = alphabet[(n >> 6) & 63];
    if (pad) dst[3] = '=';
  } else if (pad) {
    dst[2] = '=';
    dst[3] = '=';
  }
}

// Decodes unpadded text; `what` names the encoding in error messages. Like
// Encode64, writes into storage sized up front (the output length follows
// from the input's).
absl::StatusOr<std::string> Decode64(std::string_view text,
                                     const std::array<int8_t, 256>& reverse,
                                     std::string_view what) {
  if (text.size() % 4 == 1) {
    return absl::InvalidArgumentError(std::string(what) +
                                      ": impossible length");
  }
  // 6 bits per character; a final 2 or 3 characters carry 1 or 2 bytes.
  std::string out(text.size() * 3 / 4, '\0');
  auto value = [&](size_t i) -> int32_t {
    return reverse[static_cast<unsigned char>(text[i])];
  };
  char* dst = out.data();
  const size_t full = text.size() / 4;
  // Any character outside the alphabet maps to -1, which makes the OR of
  // the values negative.
  int32_t invalid = 0;
  for (size_t q = 0; q < full; ++q, dst += 3) {
    const int32_t a = value(4 * q), b = value(4 * q + 1), c = value(4 * q + 2),
                  d = value(4 * q + 3);
    invalid |= a | b | c | d;
    const uint32_t n =
        (static_cast<uint32_t>(a) << 18) | (static_cast<uint32_t>(b) << 12) |
        (static_cast<uint32_t>(c) << 6) | static_cast<uint32_t>(d);
    dst[0] = static_cast<char>((n >> 16) & 0xff);
    dst[1] = static_cast<char>((n >> 8) & 0xff);
    dst[2] = static_cast<char>(n & 0xff);
  }
  const size_t rest = text.size() % 4;
  // Unused low bits of the last character: 4 of 12, or 2 of 18.
  uint32_t leftover = 0;
  if (rest >= 2) {
    const size_t i = 4 * full;
    const int32_t a = value(i), b = value(i + 1);
    const int32_t c = rest == 3 ? value(i + 2) : 0;
    invalid |= a | b | c;
    const uint32_t n = (static_cast<uint32_t>(a) << 18) |
                       (static_cast<uint32_t>(b) << 12) |
                       (static_cast<uint32_t>(c) << 6);
    dst[0] = static_cast<char>((n >> 16) & 0xff);
    if (rest == 3) {
      dst[1] = static_cast<char>((n >> 8) & 0xff);
      leftover = n & 0xff;
    } else {
      leftover = n & 0xffff;
    }
  }
  if (invalid < 0) {
    return absl::InvalidArgumentError(std::string(what) +
                                      ": invalid character");
  }
  // Leftover bits must be zero, or another string would decode to the same
  // bytes.
  if (leftover != 0) {
    return absl::InvalidArgumentError(std::string(what) +
                                      ": non-canonical trailing bits");
  }
  return out;
}

}  // namespace

std::string Base64UrlEncode(std::string_view data) {
  std::string out;
  Encode64(data, kBase64UrlAlphabet, kBase64UrlPairs, /*pad=*/false, &out);
  return out;
}

void AppendBase64Url(std::string_view data, std::string* out) {
  Encode64(data, kBase64UrlAlphabet, kBase64UrlPairs, /*pad=*/false, out);
}

absl::StatusOr<std::string> Base64UrlDecode(std::string_view encoded) {
  return Decode64(encoded, kBase64UrlReverse, "base64url");
}

std::string Base64Encode(std::string_view data) {
  std::string out;
  Encode64(data, kBase64Alphabet, kBase64Pairs, /*pad=*/true, &out);
  return out;
}

absl::StatusOr<std::string> Base64Decode(std::string_view encoded) {
  size_t padding = 0;
  while (padding < encoded.size() && padding < 2 &&
         encoded[encoded.size() - 1 - padding] == '=') {
    ++padding;
  }
  if (padding > 0 && encoded.size() % 4 != 0) {
    return absl::InvalidArgumentError("base64: incomplete padding");
  }
  std::string_view body = encoded.substr(0, encoded.size() - padding);
  // With padding, the unpadded body must need exactly that much padding.
  if (padding > 0 && (4 - body.size() % 4) % 4 != padding) {
    return absl::InvalidArgumentError("base64: wrong padding");
  }
  return Decode64(body, kBase64Reverse, "base64");
}

std::string CrockfordBase32Encode(std::string_view data) {
  std::string out;
  out.reserve((data.size() * 8 + 4) / 5);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : data) {
    acc = (acc << 8) | static_cast<uint8_t>(c);
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push_back(kCrockfordAlphabet[(acc >> bits) & 31]);
    }
  }
  if (bits > 0) out.push_back(kCrockfordAlphabet[(acc << (5 - bits)) & 31]);
  return out;
}

std::string HexEncode(std::string_view data) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(data.size() * 2);
  for (char c : data) {
    uint8_t b = static_cast<uint8_t>(c);
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

}  // namespace latchkey::crypto
