#ifndef CRYPTO_ECDSA_DER_H_
#define CRYPTO_ECDSA_DER_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace latchkey::crypto {

// P-256 ECDSA signatures in their two forms: DER (an ASN.1 SEQUENCE of the
// INTEGERs r and s), which OpenSSL's EVP_PKEY_sign writes and
// EVP_PKEY_verify reads, and JOSE's raw form, r || s with each left-padded
// to 32 bytes big-endian (RFC 7518 3.4). Converting through d2i/i2d and
// BIGNUMs costs four allocations per signature; these convert in place.
// Pure and thread-safe.

inline constexpr size_t kEcdsaP256RawSize = 64;
// SEQUENCE header (2) and two INTEGERs of at most 33 content bytes (2 + 33).
inline constexpr size_t kEcdsaP256MaxDerSize = 72;

// Reads a DER ECDSA-Sig-Value whose r and s fit in 32 bytes into `raw`
// (kEcdsaP256RawSize bytes). False, leaving `raw` unspecified, unless `der`
// is exactly one definite-length SEQUENCE holding exactly two INTEGERs,
// each non-negative and minimally encoded (DER, X.690 8.3.2), with nothing
// before, between or after them.
bool EcdsaDerToRaw(std::string_view der, uint8_t* raw);

// Writes r || s from `raw` (kEcdsaP256RawSize bytes, any value) into `der`
// (at least kEcdsaP256MaxDerSize bytes) as DER and returns its length: the
// bytes i2d_ECDSA_SIG writes for the same two numbers (leading zero bytes
// dropped, one 0x00 added where the top bit is set, zero as 02 01 00).
size_t EcdsaRawToDer(const uint8_t* raw, uint8_t* der);

}  // namespace latchkey::crypto

#endif  // CRYPTO_ECDSA_DER_H_
