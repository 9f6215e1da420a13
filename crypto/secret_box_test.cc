#include "crypto/secret_box.h"

#include <string>

#include "absl/status/status.h"
#include "crypto/encoding.h"
#include "gtest/gtest.h"

namespace latchkey::crypto {
namespace {

using ::absl::StatusCode;

constexpr char kSecret[] = "23-wuNpik0gIW4mruTz25rbIvhuuvZFrLOLtL7J4tyo";
constexpr char kNewSecret[] = "o8DKcN0lqVv5eAqhXq1zWm9yS8bJk2u3Tt6Rr4Pp7Lw";

SecretBox Make(const char* secret = kSecret, const char* purpose = "totp") {
  auto box = SecretBox::Create(secret, purpose);
  EXPECT_TRUE(box.ok()) << box.status();
  return *std::move(box);
}

TEST(SecretBoxTest, SealThenOpenRoundTrips) {
  SecretBox box = Make();
  for (std::string plaintext :
       {std::string(), std::string("JBSWY3DPEHPK3PXP"),
        std::string("\0\xff binary", 9), std::string(100000, 'z')}) {
    auto sealed = box.Seal(plaintext, "user:42");
    ASSERT_TRUE(sealed.ok()) << sealed.status();
    EXPECT_EQ(sealed->rfind("v1.", 0), 0u);
    auto opened = box.Open(*sealed, "user:42");
    ASSERT_TRUE(opened.ok()) << opened.status();
    EXPECT_EQ(opened->plaintext, plaintext);
    EXPECT_FALSE(opened->needs_reseal);
  }
}

TEST(SecretBoxTest, OpensABoxSealedByAnotherImplementation) {
  // Sealed by Python's `cryptography` (HKDF-SHA256 with the documented salt
  // and info, AES-GCM, nonce 00..0b): pins the key derivation and format.
  auto opened = Make().Open(
      "v1.AAECAwQFBgcICQoLZ2MpPWYTxG0t0W6Tfr3BiF-izm__hlq4fyH7PRIbd_jrMWTNM1Hy",
      "user:42");
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->plaintext, "JBSWY3DPEHPK3PXP secret");
}

TEST(SecretBoxTest, NoncesAreFreshSoSealsDiffer) {
  SecretBox box = Make();
  EXPECT_NE(*box.Seal("same"), *box.Seal("same"));
}

TEST(SecretBoxTest, TamperedBoxIsDataLoss) {
  SecretBox box = Make();
  std::string sealed = *box.Seal("secret value");
  std::string raw = *Base64UrlDecode(sealed.substr(3));
  for (size_t i : {size_t{0}, size_t{11}, size_t{12}, raw.size() - 1}) {
    std::string bad = raw;
    bad[i] ^= 0x01;
    EXPECT_EQ(box.Open("v1." + Base64UrlEncode(bad)).status().code(),
              StatusCode::kDataLoss)
        << i;
  }
}

TEST(SecretBoxTest, TruncatedBoxIsRejected) {
  SecretBox box = Make();
  std::string raw = *Base64UrlDecode(box.Seal("secret value")->substr(3));
  // Shorter than nonce + tag: malformed.
  EXPECT_EQ(
      box.Open("v1." + Base64UrlEncode(raw.substr(0, 27))).status().code(),
      StatusCode::kInvalidArgument);
  // Long enough to parse, but a byte of ciphertext or tag is gone.
  EXPECT_EQ(box.Open("v1." + Base64UrlEncode(raw.substr(0, raw.size() - 1)))
                .status()
                .code(),
            StatusCode::kDataLoss);
  EXPECT_EQ(box.Open("v1.").status().code(), StatusCode::kInvalidArgument);
}

TEST(SecretBoxTest, WrongSecretPurposeOrAssociatedDataIsDataLoss) {
  std::string sealed = *Make().Seal("secret value", "user:42");
  EXPECT_EQ(Make(kNewSecret).Open(sealed, "user:42").status().code(),
            StatusCode::kDataLoss);
  EXPECT_EQ(Make(kSecret, "oauth").Open(sealed, "user:42").status().code(),
            StatusCode::kDataLoss);
  EXPECT_EQ(Make().Open(sealed, "user:43").status().code(),
            StatusCode::kDataLoss);
  EXPECT_EQ(Make().Open(sealed).status().code(), StatusCode::kDataLoss);
}

TEST(SecretBoxTest, MalformedTextIsInvalidArgument) {
  SecretBox box = Make();
  std::string sealed = *box.Seal("x");
  EXPECT_EQ(box.Open("v2." + sealed.substr(3)).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(box.Open(sealed.substr(3)).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(box.Open(sealed + "=").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(box.Open("").status().code(), StatusCode::kInvalidArgument);
}

TEST(SecretBoxTest, PreviousSecretOpensOldBoxesAndAsksForReseal) {
  std::string old_box = *Make(kSecret).Seal("secret value");
  auto rotated = SecretBox::Create(kNewSecret, "totp", kSecret);
  ASSERT_TRUE(rotated.ok()) << rotated.status();
  auto opened = rotated->Open(old_box);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->plaintext, "secret value");
  EXPECT_TRUE(opened->needs_reseal);
  // New boxes use the new secret only.
  std::string new_box = *rotated->Seal("v");
  EXPECT_FALSE(rotated->Open(new_box)->needs_reseal);
  EXPECT_EQ(Make(kSecret).Open(new_box).status().code(), StatusCode::kDataLoss);
}

TEST(SecretBoxTest, BadConfigurationIsRejected) {
  EXPECT_EQ(SecretBox::Create("short", "totp").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(SecretBox::Create(kSecret, "").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(SecretBox::Create(kSecret, "totp", "bad!").status().code(),
            StatusCode::kInvalidArgument);
}

TEST(SecretBoxTest, OversizedPlaintextIsRejected) {
  EXPECT_EQ(Make().Seal(std::string((1 << 20) + 1, 'a')).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace latchkey::crypto
