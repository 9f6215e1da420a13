#include "crypto/ecdsa_der.h"

#include <cstring>

namespace latchkey::crypto {
namespace {

constexpr uint8_t kSequenceTag = 0x30;
constexpr uint8_t kIntegerTag = 0x02;
constexpr size_t kScalarSize = kEcdsaP256RawSize / 2;

// Reads one INTEGER at `*p` (before `end`) into `out` (kScalarSize bytes,
// left-padded) and advances `*p` past it.
bool ReadScalar(const uint8_t** p, const uint8_t* end, uint8_t* out) {
  const uint8_t* in = *p;
  // Short-form length only: a content of 128 bytes or more could not hold a
  // 32-byte scalar anyway.
  if (end - in < 2 || in[0] != kIntegerTag || in[1] > kScalarSize + 1) {
    return false;
  }
  size_t len = in[1];
  const uint8_t* content = in + 2;
  if (len == 0 || static_cast<size_t>(end - content) < len) return false;
  *p = content + len;
  // Negative.
  if ((content[0] & 0x80) != 0) return false;
  if (len > 1 && content[0] == 0) {
    // A leading zero is only allowed (and required) before a set top bit.
    if ((content[1] & 0x80) == 0) return false;
    ++content;
    --len;
  }
  if (len > kScalarSize) return false;
  std::memset(out, 0, kScalarSize - len);
  std::memcpy(out + kScalarSize - len, content, len);
  return true;
}

// Writes `scalar` (kScalarSize bytes) as an INTEGER at `out`; returns the
// bytes written (3 to 35).
size_t WriteScalar(const uint8_t* scalar, uint8_t* out) {
  size_t skip = 0;
  // Keep at least one byte: zero is 02 01 00.
  while (skip + 1 < kScalarSize && scalar[skip] == 0) ++skip;
  const size_t len = kScalarSize - skip;
  const size_t pad = (scalar[skip] & 0x80) != 0 ? 1 : 0;
  out[0] = kIntegerTag;
  out[1] = static_cast<uint8_t>(len + pad);
  out[2] = 0;  // Overwritten below unless it is the sign padding.
  std::memcpy(out + 2 + pad, scalar + skip, len);
  return 2 + pad + len;
}

}  // namespace

bool EcdsaDerToRaw(std::string_view der, uint8_t* raw) {
  const auto* p = reinterpret_cast<const uint8_t*>(der.data());
  const uint8_t* const end = p + der.size();
  // The content is at most 70 bytes, so the length must be short-form
  // (below 0x80).
  if (der.size() < 2 || p[0] != kSequenceTag || p[1] >= 0x80 ||
      static_cast<size_t>(p[1]) != der.size() - 2) {
    return false;
  }
  p += 2;
  return ReadScalar(&p, end, raw) && ReadScalar(&p, end, raw + kScalarSize) &&
         p == end;
}

size_t EcdsaRawToDer(const uint8_t* raw, uint8_t* der) {
  size_t len = 2;
  len += WriteScalar(raw, der + len);
  len += WriteScalar(raw + kScalarSize, der + len);
  der[0] = kSequenceTag;
  der[1] = static_cast<uint8_t>(len - 2);
  return len;
}

}  // namespace latchkey::crypto
