#include "crypto/hashing.h"

#include <string>

#include "crypto/encoding.h"
#include "gtest/gtest.h"

namespace latchkey::crypto {
namespace {

TEST(Sha256Test, MatchesFips180Vectors) {
  EXPECT_EQ(Sha256Hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256("abc").size(), kSha256Size);
  EXPECT_EQ(HexEncode(Sha256("abc")), Sha256Hex("abc"));
}

TEST(Sha256Test, DigestMatchesStringForm) {
  for (const std::string& data :
       {std::string(), std::string("abc"), std::string(1000, 'x')}) {
    const auto digest = Sha256Digest(data);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(digest.data()),
                          digest.size()),
              Sha256(data));
  }
  // FIPS 180-2 "abc".
  EXPECT_EQ(HexEncode(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(HashTokenTest, IsLowerHexSha256) {
  EXPECT_EQ(HashToken("abc"), Sha256Hex("abc"));
  EXPECT_EQ(HashToken("x").size(), 64u);
  EXPECT_NE(HashToken("a"), HashToken("b"));
}

// RFC 4231 test case 2 and RFC 2202 test case 2 ("Jefe").
TEST(HmacTest, MatchesRfcVectors) {
  EXPECT_EQ(HexEncode(*HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(HexEncode(*HmacSha1("Jefe", "what do ya want for nothing?")),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
}

TEST(HmacTest, EmptyKeyIsAccepted) {
  // RFC 2104 allows it; Python's hmac gives this value.
  EXPECT_EQ(HexEncode(*HmacSha256("", "")),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(ConstantTimeEqualsTest, ComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("secret", "secret"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secreT"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secret2"));
  EXPECT_FALSE(ConstantTimeEquals("", "x"));
  EXPECT_TRUE(
      ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0b", 3)));
  EXPECT_FALSE(
      ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0c", 3)));
}

}  // namespace
}  // namespace latchkey::crypto
