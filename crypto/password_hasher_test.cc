#include "crypto/password_hasher.h"

#include <algorithm>
#include <chrono>
#include <string>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace latchkey::crypto {
namespace {

using ::absl::StatusCode;

// Cheap parameters keep most tests fast; one test uses the defaults.
constexpr Argon2Params kFast = {
    .memory_kib = 256, .iterations = 1, .parallelism = 1};

std::unique_ptr<PasswordHasher> Make(Argon2Params params = kFast) {
  auto hasher = PasswordHasher::Create(params);
  EXPECT_TRUE(hasher.ok()) << hasher.status();
  return *std::move(hasher);
}

TEST(PasswordHasherTest, HashIsArgon2idPhcStringThatVerifies) {
  auto hasher = Make();
  auto hash = hasher->Hash("correct horse");
  ASSERT_TRUE(hash.ok()) << hash.status();
  EXPECT_EQ(hash->rfind("$argon2id$v=19$m=256,t=1,p=1$", 0), 0u) << *hash;
  auto check = hasher->Verify("correct horse", *hash);
  ASSERT_TRUE(check.ok()) << check.status();
  EXPECT_TRUE(check->matches);
  EXPECT_FALSE(check->needs_rehash);
}

TEST(PasswordHasherTest, WrongPasswordDoesNotMatch) {
  auto hasher = Make();
  std::string hash = *hasher->Hash("correct horse");
  auto check = hasher->Verify("correct horsE", hash);
  ASSERT_TRUE(check.ok());
  EXPECT_FALSE(check->matches);
  EXPECT_FALSE(hasher->Verify("", hash)->matches);
}

TEST(PasswordHasherTest, HashesAreSalted) {
  auto hasher = Make();
  EXPECT_NE(*hasher->Hash("same"), *hasher->Hash("same"));
}

TEST(PasswordHasherTest, PasswordsWithNulAndNonAsciiBytesWork) {
  auto hasher = Make();
  std::string password("p\0ss\xc3\xa9", 6);
  std::string hash = *hasher->Hash(password);
  EXPECT_TRUE(hasher->Verify(password, hash)->matches);
  EXPECT_FALSE(hasher->Verify("p", hash)->matches);
}

TEST(PasswordHasherTest, DefaultParametersAreOwaspsFirstChoice) {
  auto hasher = Make(Argon2Params{});
  std::string hash = *hasher->Hash("hunter22");
  EXPECT_EQ(hash.rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u) << hash;
  EXPECT_TRUE(hasher->Verify("hunter22", hash)->matches);
}

TEST(PasswordHasherTest, ReferenceArgon2idVectorVerifies) {
  // From libargon2's own test suite (src/test.c): "password", "somesalt",
  // t=2, m=2^16, p=1.
  auto hasher = Make();
  auto check = hasher->Verify("password",
                              "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$"
                              "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc");
  ASSERT_TRUE(check.ok()) << check.status();
  EXPECT_TRUE(check->matches);
  EXPECT_FALSE(check->needs_rehash);  // Stronger than kFast.
}

TEST(PasswordHasherTest, InvalidParametersAreRejected) {
  for (Argon2Params params :
       {Argon2Params{256, 1, 0}, Argon2Params{256, 0, 1}, Argon2Params{7, 1, 1},
        Argon2Params{15, 1, 2}, Argon2Params{kMaxArgon2MemoryKib + 1, 1, 1},
        Argon2Params{256, 17, 1}, Argon2Params{256, 1, 17}}) {
    EXPECT_EQ(PasswordHasher::Create(params).status().code(),
              StatusCode::kInvalidArgument)
        << params.memory_kib << "," << params.iterations << ","
        << params.parallelism;
  }
}

TEST(PasswordHasherTest, WeakerArgon2HashNeedsRehash) {
  std::string weak = *Make(kFast)->Hash("pw");
  auto more_memory =
      Make({.memory_kib = 512, .iterations = 1, .parallelism = 1});
  auto more_passes =
      Make({.memory_kib = 256, .iterations = 2, .parallelism = 1});
  auto check = more_memory->Verify("pw", weak);
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->matches);
  EXPECT_TRUE(check->needs_rehash);
  EXPECT_TRUE(more_passes->Verify("pw", weak)->needs_rehash);
  // A stronger stored hash is fine as it is.
  std::string strong = *more_memory->Hash("pw");
  EXPECT_FALSE(Make(kFast)->Verify("pw", strong)->needs_rehash);
}

// Vectors from Openwall's crypt_blowfish test suite (also in libxcrypt's).
TEST(PasswordHasherTest, ImportedBcryptHashesVerifyAndNeedRehash) {
  auto hasher = Make();
  struct Vector {
    const char* hash;
    const char* password;
  };
  for (const Vector& v :
       {Vector{"$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
               "U*U"},
        Vector{"$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
               "U*U"},
        Vector{"$2y$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
               "U*U"},
        Vector{"$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK",
               "U*U*"},
        Vector{"$2a$05$CCCCCCCCCCCCCCCCCCCCC.7uG0VCzI2bS7j6ymqJi9CdcdxiRTWNy",
               ""},
        Vector{"$2y$05$/OK.fbVrR/bpIqNJ5ianF.Sa7shbm4.OzKpvFnX1pQLmQW96oUlCq",
               "\xa3"},
        Vector{"$2b$05$/OK.fbVrR/bpIqNJ5ianF.Sa7shbm4.OzKpvFnX1pQLmQW96oUlCq",
               "\xa3"}}) {
    auto check = hasher->Verify(v.password, v.hash);
    ASSERT_TRUE(check.ok()) << v.hash << " " << check.status();
    EXPECT_TRUE(check->matches) << v.hash;
    EXPECT_TRUE(check->needs_rehash) << v.hash;
    EXPECT_FALSE(hasher->Verify("U*U*U*", v.hash)->matches) << v.hash;
  }
}

TEST(PasswordHasherTest, BcryptIgnoresBytesAfter72AsBcryptDoes) {
  auto hasher = Make();
  const char* hash =
      "$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui";
  EXPECT_TRUE(hasher
                  ->Verify("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLM"
                           "NOPQRSTUVWXYZ0123456789chars after 72 are ignored",
                           hash)
                  ->matches);
}

TEST(PasswordHasherTest, BcryptPasswordWithNulNeverMatches) {
  // crypt_r would see only "U*U" and match without the explicit check.
  auto hasher = Make();
  auto check = hasher->Verify(
      std::string("U*U\0tail", 8),
      "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW");
  ASSERT_TRUE(check.ok());
  EXPECT_FALSE(check->matches);
}

TEST(PasswordHasherTest, UnsupportedOrMalformedHashesAreRejected) {
  auto hasher = Make();
  for (const char* hash : {
           "",
           "plaintext",
           "$1$saltsalt$abcdefghijklmnopqrstuv",
           // $2x$ is the buggy legacy variant; not accepted.
           "$2x$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e",
           // Cost 31 would take days; refused before hashing.
           "$2b$31$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
           "$2b$03$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
           "$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe",
           "$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe!",
           "$argon2i$v=19$m=256,t=1,p=1$c29tZXNhbHQ$"
           "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
           "$argon2id$v=16$m=256,t=1,p=1$c29tZXNhbHQ$"
           "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
           "$argon2id$v=19$m=4294967295,t=1,p=1$c29tZXNhbHQ$"
           "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
           "$argon2id$v=19$t=1,m=256,p=1$c29tZXNhbHQ$"
           "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
           "$argon2id$v=19$m=256,t=1,p=1$c29tZXNhbHQ=$"
           "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
           "$argon2id$v=19$m=256,t=1,p=1$c29tZXNhbHQ",
       }) {
    EXPECT_EQ(hasher->Verify("password", hash).status().code(),
              StatusCode::kInvalidArgument)
        << hash;
  }
}

TEST(PasswordHasherTest, OverlongPasswordIsRejected) {
  auto hasher = Make();
  std::string huge(kMaxPasswordBytes + 1, 'a');
  EXPECT_EQ(hasher->Hash(huge).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(hasher->Verify(huge, *hasher->Hash("x")).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(PasswordHasherTest, DummyVerificationCostsAboutAsMuchAsARealOne) {
  // Big enough parameters that the hash dominates; minimum of a few runs to
  // shrug off scheduling noise. A dummy that skipped the work would be
  // orders of magnitude faster.
  auto hasher = Make({.memory_kib = 8192, .iterations = 2, .parallelism = 1});
  std::string hash = *hasher->Hash("real password");
  using Clock = std::chrono::steady_clock;
  auto fastest = [](auto&& fn) {
    auto best = Clock::duration::max();
    for (int i = 0; i < 3; ++i) {
      auto start = Clock::now();
      fn();
      best = std::min(best, Clock::now() - start);
    }
    return std::chrono::duration<double>(best).count();
  };
  double real = fastest([&] { (void)hasher->Verify("wrong guess", hash); });
  double dummy = fastest([&] { hasher->VerifyDummy("wrong guess"); });
  EXPECT_GT(dummy, real / 3) << "dummy " << dummy << "s, real " << real << "s";
  EXPECT_LT(dummy, real * 3) << "dummy " << dummy << "s, real " << real << "s";
}

}  // namespace
}  // namespace latchkey::crypto
