#ifndef CRYPTO_CBOR_H_
#define CRYPTO_CBOR_H_

#include <cbor.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace latchkey::crypto {

// CBOR decoding for WebAuthn (attestation objects, COSE keys, extension
// maps) on top of libcbor. Internal to crypto/: it exposes libcbor's types.
//
// libcbor trusts declared lengths when it allocates and frees nested items
// recursively, so every input is first walked here without allocating:
// only definite lengths (CTAP2's canonical form has no other), no tags,
// nesting at most kMaxCborDepth, at most kMaxCborContainerItems per
// container, every declared length within the bytes
// that remain. Only then does libcbor build the item. Thread-safe.

inline constexpr int kMaxCborDepth = 8;
// Per array or map: WebAuthn's have a handful (COSE keys about six).
inline constexpr uint64_t kMaxCborContainerItems = 64;
// No WebAuthn structure comes near this (RSA-4096 keys are ~530 bytes).
inline constexpr size_t kMaxCborInput = 64 * 1024;

struct CborItemFree {
  void operator()(cbor_item_t* item) const;
};
using CborItem = std::unique_ptr<cbor_item_t, CborItemFree>;

// The length of the one well-formed data item at the start of `bytes`
// (within the limits above). INVALID_ARGUMENT naming the problem otherwise.
absl::StatusOr<size_t> CborItemLength(absl::string_view bytes);

// Decodes the data item at the start of `bytes`; `*consumed` is its length.
absl::StatusOr<CborItem> DecodeCborPrefix(absl::string_view bytes,
                                          size_t* consumed);

// Decodes `bytes`, which must be exactly one data item.
absl::StatusOr<CborItem> DecodeCbor(absl::string_view bytes);

// The value of `key` in `map` (a text key, or an integer key as COSE uses),
// or null when absent. The first match wins; maps of WebAuthn never repeat
// a key, and DecodeCbor refuses maps that do.
const cbor_item_t* CborMapFind(const cbor_item_t* map, absl::string_view key);
const cbor_item_t* CborMapFind(const cbor_item_t* map, int64_t key);

// An integer (major type 0 or 1) in int64 range; a byte string; a text
// string. INVALID_ARGUMENT naming `what` otherwise.
absl::StatusOr<int64_t> CborInt(const cbor_item_t* item,
                                absl::string_view what);
absl::StatusOr<std::string> CborBytes(const cbor_item_t* item,
                                      absl::string_view what);
absl::StatusOr<std::string> CborText(const cbor_item_t* item,
                                     absl::string_view what);

}  // namespace latchkey::crypto

#endif  // CRYPTO_CBOR_H_
