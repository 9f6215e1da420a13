#include "crypto/encoding.h"

#include <array>
#include <cstdint>

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

constexpr std::array<int8_t, 256> kBase64UrlReverse =
    MakeReverse(kBase64UrlAlphabet);
constexpr std::array<int8_t, 256> kBase64Reverse = MakeReverse(kBase64Alphabet);

std::string Encode64(std::string_view data, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    uint32_t n = (static_cast<uint8_t>(data[i]) << 16) |
                 (static_cast<uint8_t>(data[i + 1]) << 8) |
                 static_cast<uint8_t>(data[i + 2]);
    out.push_back(alphabet[(n >> 18) & 63]);
    out.push_back(alphabet[(n >> 12) & 63]);
    out.push_back(alphabet[(n >> 6) & 63]);
    out.push_back(alphabet[n & 63]);
  }
  size_t rest = data.size() - i;
  if (rest == 1) {
    uint32_t n = static_cast<uint8_t>(data[i]) << 16;
    out.push_back(alphabet[(n >> 18) & 63]);
    out.push_back(alphabet[(n >> 12) & 63]);
    if (pad) out.append("==");
  } else if (rest == 2) {
    uint32_t n = (static_cast<uint8_t>(data[i]) << 16) |
                 (static_cast<uint8_t>(data[i + 1]) << 8);
    out.push_back(alphabet[(n >> 18) & 63]);
    out.push_back(alphabet[(n >> 12) & 63]);
    out.push_back(alphabet[(n >> 6) & 63]);
    if (pad) out.push_back('=');
  }
  return out;
}

// Decodes unpadded text; `what` names the encoding in error messages.
absl::StatusOr<std::string> Decode64(std::string_view text,
                                     const std::array<int8_t, 256>& reverse,
                                     std::string_view what) {
  if (text.size() % 4 == 1) {
    return absl::InvalidArgumentError(std::string(what) +
                                      ": impossible length");
  }
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int8_t v = reverse[static_cast<unsigned char>(c)];
    if (v < 0) {
      return absl::InvalidArgumentError(std::string(what) +
                                        ": invalid character");
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  // Leftover bits (2 or 4) must be zero, or another string would decode to
  // the same bytes.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) {
    return absl::InvalidArgumentError(std::string(what) +
                                      ": non-canonical trailing bits");
  }
  return out;
}

}  // namespace

std::string Base64UrlEncode(std::string_view data) {
  return Encode64(data, kBase64UrlAlphabet, /*pad=*/false);
}

absl::StatusOr<std::string> Base64UrlDecode(std::string_view encoded) {
  return Decode64(encoded, kBase64UrlReverse, "base64url");
}

std::string Base64Encode(std::string_view data) {
  return Encode64(data, kBase64Alphabet, /*pad=*/true);
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
