#include "crypto/password_hasher.h"

#include <argon2.h>
#include <crypt.h>
#include <openssl/crypto.h>

#include <cstring>
#include <vector>

#include "common/status_macros.h"
#include "crypto/hashing.h"
#include "crypto/random.h"

namespace latchkey::crypto {
namespace {

constexpr size_t kSaltBytes = 16;
constexpr size_t kTagBytes = 32;

absl::Status Argon2Error(int rc) {
  if (rc == ARGON2_MEMORY_ALLOCATION_ERROR) {
    return absl::ResourceExhaustedError("argon2 could not allocate memory");
  }
  return absl::InternalError(std::string("argon2 failed: ") +
                             argon2_error_message(rc));
}

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t at; (at = text.find(separator, start)) != std::string_view::npos;
       start = at + 1) {
    parts.push_back(text.substr(start, at - start));
  }
  parts.push_back(text.substr(start));
  return parts;
}

// Plain decimal digits only (no sign, no spaces), within uint32_t.
bool ParseDecimal(std::string_view text, uint32_t* out) {
  if (text.empty() || text.size() > 10) return false;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  if (value > UINT32_MAX) return false;
  *out = static_cast<uint32_t>(value);
  return true;
}

bool IsBcryptSaltChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '.' || c == '/';
}

bool IsB64NoPadChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '+' || c == '/';
}

// The parameters of a stored "$argon2id$v=19$m=..,t=..,p=..$salt$tag", or
// INVALID_ARGUMENT if it has any other shape. libargon2 decodes the string
// again when verifying; parsing here bounds the cost first and tells us
// whether to re-hash.
absl::StatusOr<Argon2Params> ParseArgon2id(std::string_view phc) {
  std::vector<std::string_view> fields = Split(phc, '$');
  // "", "argon2id", "v=19", "m=..,t=..,p=..", salt, tag.
  if (fields.size() != 6 || !fields[0].empty() || fields[1] != "argon2id" ||
      fields[2] != "v=19") {
    return absl::InvalidArgumentError("not an argon2id v=19 PHC string");
  }
  std::vector<std::string_view> costs = Split(fields[3], ',');
  Argon2Params params;
  if (costs.size() != 3 || costs[0].substr(0, 2) != "m=" ||
      costs[1].substr(0, 2) != "t=" || costs[2].substr(0, 2) != "p=" ||
      !ParseDecimal(costs[0].substr(2), &params.memory_kib) ||
      !ParseDecimal(costs[1].substr(2), &params.iterations) ||
      !ParseDecimal(costs[2].substr(2), &params.parallelism)) {
    return absl::InvalidArgumentError("malformed argon2id parameters");
  }
  LATCHKEY_RETURN_IF_ERROR(ValidateArgon2Params(params));
  for (size_t i : {4u, 5u}) {
    if (fields[i].size() < 11) {  // At least 8 bytes of salt / tag.
      return absl::InvalidArgumentError("argon2id salt or tag too short");
    }
    for (char c : fields[i]) {
      if (!IsB64NoPadChar(c)) {
        return absl::InvalidArgumentError("malformed argon2id salt or tag");
      }
    }
  }
  return params;
}

// Validates "$2a$NN$" + 22 salt chars + 31 hash chars (60 in all).
absl::StatusOr<int> ParseBcryptCost(std::string_view hash) {
  if (hash.size() != 60 || hash.substr(0, 2) != "$2" ||
      (hash[2] != 'a' && hash[2] != 'b' && hash[2] != 'y') || hash[3] != '$' ||
      hash[6] != '$') {
    return absl::InvalidArgumentError("not a $2a$/$2b$/$2y$ bcrypt hash");
  }
  uint32_t cost = 0;
  if (!ParseDecimal(hash.substr(4, 2), &cost) || cost < 4 ||
      cost > static_cast<uint32_t>(kMaxBcryptCost)) {
    return absl::InvalidArgumentError("bcrypt cost out of range");
  }
  for (char c : hash.substr(7)) {
    if (!IsBcryptSaltChar(c)) {
      return absl::InvalidArgumentError("malformed bcrypt hash");
    }
  }
  return static_cast<int>(cost);
}

}  // namespace

absl::Status ValidateArgon2Params(const Argon2Params& params) {
  if (params.parallelism < 1 || params.parallelism > kMaxArgon2Parallelism) {
    return absl::InvalidArgumentError("argon2 parallelism must be 1..16");
  }
  if (params.iterations < 1 || params.iterations > kMaxArgon2Iterations) {
    return absl::InvalidArgumentError("argon2 iterations must be 1..16");
  }
  if (params.memory_kib < 8 * params.parallelism ||
      params.memory_kib > kMaxArgon2MemoryKib) {
    return absl::InvalidArgumentError(
        "argon2 memory must be 8 * parallelism KiB .. 1 GiB");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<PasswordHasher>> PasswordHasher::Create(
    Argon2Params params) {
  LATCHKEY_RETURN_IF_ERROR(ValidateArgon2Params(params));
  // The dummy hash is of a random password nobody knows, made with the real
  // parameters so that checking against it costs what a real check costs.
  LATCHKEY_ASSIGN_OR_RETURN(std::string unknowable, RandomBytes(32));
  PasswordHasher probe(params, "");
  LATCHKEY_ASSIGN_OR_RETURN(std::string dummy, probe.Hash(unknowable));
  return std::unique_ptr<PasswordHasher>(
      new PasswordHasher(params, std::move(dummy)));
}

absl::StatusOr<std::string> PasswordHasher::Hash(
    std::string_view password) const {
  if (password.size() > kMaxPasswordBytes) {
    return absl::InvalidArgumentError("password too long to hash");
  }
  LATCHKEY_ASSIGN_OR_RETURN(std::string salt, RandomBytes(kSaltBytes));
  std::string encoded(
      argon2_encodedlen(params_.iterations, params_.memory_kib,
                        params_.parallelism, kSaltBytes, kTagBytes, Argon2_id),
      '\0');
  int rc = argon2id_hash_encoded(params_.iterations, params_.memory_kib,
                                 params_.parallelism, password.data(),
                                 password.size(), salt.data(), salt.size(),
                                 kTagBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) return Argon2Error(rc);
  encoded.resize(std::strlen(encoded.c_str()));
  return encoded;
}

absl::StatusOr<PasswordCheck> PasswordHasher::Verify(
    std::string_view password, std::string_view stored_hash) const {
  if (password.size() > kMaxPasswordBytes) {
    return absl::InvalidArgumentError("password too long to verify");
  }
  if (stored_hash.substr(0, 10) == "$argon2id$") {
    return VerifyArgon2id(password, stored_hash);
  }
  if (stored_hash.substr(0, 2) == "$2") {
    return VerifyBcrypt(password, stored_hash);
  }
  return absl::InvalidArgumentError("unsupported password hash scheme");
}

absl::StatusOr<PasswordCheck> PasswordHasher::VerifyArgon2id(
    std::string_view password, std::string_view stored_hash) const {
  LATCHKEY_ASSIGN_OR_RETURN(Argon2Params stored, ParseArgon2id(stored_hash));
  // libargon2 wants a NUL-terminated string.
  std::string encoded(stored_hash);
  int rc = argon2id_verify(encoded.c_str(), password.data(), password.size());
  if (rc == ARGON2_VERIFY_MISMATCH) return PasswordCheck{};
  if (rc == ARGON2_DECODING_FAIL) {
    return absl::InvalidArgumentError("malformed argon2id hash");
  }
  if (rc != ARGON2_OK) return Argon2Error(rc);
  PasswordCheck check;
  check.matches = true;
  // Weaker means less memory or fewer passes; a different lane count alone
  // does not lower the cost of an attack.
  check.needs_rehash = stored.memory_kib < params_.memory_kib ||
                       stored.iterations < params_.iterations;
  return check;
}

absl::StatusOr<PasswordCheck> PasswordHasher::VerifyBcrypt(
    std::string_view password, std::string_view stored_hash) const {
  LATCHKEY_RETURN_IF_ERROR(ParseBcryptCost(stored_hash).status());
  // crypt_r reads a C string, so "abc\0xyz" would check as "abc"; such a
  // password never matches, but it still pays for the hash.
  const bool has_nul = password.find('\0') != std::string_view::npos;
  std::string password_z(password);
  std::string setting(stored_hash);
  // crypt_data is tens of kilobytes: keep it off the stack.
  auto data = std::make_unique<crypt_data>();  // Zeroed, as crypt_r wants.
  const char* result = crypt_r(password_z.c_str(), setting.c_str(), data.get());
  // On failure libxcrypt returns a string starting with '*', never a hash.
  const bool computed = result != nullptr && result[0] == '$';
  const bool equal = computed && ConstantTimeEquals(result, stored_hash);
  // Wipe the password copy and libxcrypt's scratch space (which holds the
  // result) before anything else happens.
  OPENSSL_cleanse(password_z.data(), password_z.size());
  OPENSSL_cleanse(data.get(), sizeof(crypt_data));
  if (!computed) {
    return absl::InternalError("crypt_r failed on a well-formed bcrypt hash");
  }
  PasswordCheck check;
  check.matches = equal && !has_nul;
  check.needs_rehash = true;  // Always move imported bcrypt to argon2id.
  return check;
}

void PasswordHasher::VerifyDummy(std::string_view password) const {
  // Truncate instead of refusing so the time spent never depends on input.
  std::string_view bounded = password.substr(0, kMaxPasswordBytes);
  (void)argon2id_verify(dummy_hash_.c_str(), bounded.data(), bounded.size());
}

}  // namespace latchkey::crypto
