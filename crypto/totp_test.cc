#include "crypto/totp.h"

#include <string>

#include "absl/status/status.h"
#include "common/clock.h"
#include "crypto/encoding.h"
#include "gtest/gtest.h"

namespace latchkey::crypto {
namespace {

using ::absl::StatusCode;

// RFC 6238 appendix B: SHA-1 with the 20-byte ASCII secret below.
constexpr char kRfcSecret[] = "12345678901234567890";
struct RfcVector {
  int64_t unix_seconds;
  const char* code8;
};
constexpr RfcVector kRfcVectors[] = {
    {59, "94287082"},         {1111111109, "07081804"},
    {1111111111, "14050471"}, {1234567890, "89005924"},
    {2000000000, "69279037"}, {20000000000, "65353130"},
};

TEST(TotpTest, MatchesRfc6238Sha1VectorsAtEightDigits) {
  common::FakeClock clock;
  auto totp = Totp::Create(kRfcSecret, clock, {.digits = 8});
  ASSERT_TRUE(totp.ok()) << totp.status();
  for (const RfcVector& v : kRfcVectors) {
    EXPECT_EQ(*totp->CodeAt(absl::FromUnixSeconds(v.unix_seconds)), v.code8)
        << v.unix_seconds;
  }
}

TEST(TotpTest, SixDigitCodesAreTheLastSixOfTheRfcValues) {
  common::FakeClock clock;
  auto totp = Totp::Create(kRfcSecret, clock);
  ASSERT_TRUE(totp.ok());
  for (const RfcVector& v : kRfcVectors) {
    EXPECT_EQ(*totp->CodeAt(absl::FromUnixSeconds(v.unix_seconds)),
              std::string(v.code8).substr(2))
        << v.unix_seconds;
  }
}

TEST(TotpTest, CurrentCodeVerifiesAndReportsItsStep) {
  common::FakeClock clock(absl::FromUnixSeconds(1111111111));
  auto totp = *Totp::Create(kRfcSecret, clock);
  auto check = totp.Verify("050471");
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->valid);
  EXPECT_EQ(check->step, 1111111111 / 30);
}

TEST(TotpTest, OneStepOfDriftEitherSideIsAccepted) {
  common::FakeClock clock(absl::FromUnixSeconds(1111111111));
  auto totp = *Totp::Create(kRfcSecret, clock);
  std::string code = *totp.CodeAt(clock.Now());
  clock.Advance(absl::Seconds(30));
  EXPECT_TRUE(totp.Verify(code)->valid);
  clock.Advance(absl::Seconds(-60));
  EXPECT_TRUE(totp.Verify(code)->valid);
}

TEST(TotpTest, CodeTwoStepsAwayIsRejected) {
  common::FakeClock clock(absl::FromUnixSeconds(1111111111));
  auto totp = *Totp::Create(kRfcSecret, clock);
  std::string code = *totp.CodeAt(clock.Now());
  clock.Advance(absl::Seconds(60));
  EXPECT_FALSE(totp.Verify(code)->valid);
  clock.Advance(absl::Seconds(-120));
  EXPECT_FALSE(totp.Verify(code)->valid);
}

TEST(TotpTest, ReplayedCodeIsRejected) {
  common::FakeClock clock(absl::FromUnixSeconds(1111111111));
  auto totp = *Totp::Create(kRfcSecret, clock);
  auto first = *totp.Verify("050471");
  ASSERT_TRUE(first.valid);
  EXPECT_FALSE(totp.Verify("050471", first.step)->valid);
  // The next step's code is still fine.
  clock.Advance(absl::Seconds(30));
  std::string next = *totp.CodeAt(clock.Now());
  EXPECT_TRUE(totp.Verify(next, first.step)->valid);
}

TEST(TotpTest, WrongOrMalformedCodesAreInvalid) {
  common::FakeClock clock(absl::FromUnixSeconds(1111111111));
  auto totp = *Totp::Create(kRfcSecret, clock);
  for (const char* code :
       {"050472", "", "05047", "0504711", "05047a", " 50471", "14050471"}) {
    auto check = totp.Verify(code);
    ASSERT_TRUE(check.ok());
    EXPECT_FALSE(check->valid) << code;
  }
}

TEST(TotpTest, StandardBase64SecretFromStorageWorks) {
  // Stack stores totp_secret_base64; this is base64 of the RFC secret.
  auto secret = Base64Decode("MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=");
  ASSERT_TRUE(secret.ok());
  common::FakeClock clock(absl::FromUnixSeconds(59));
  auto totp = *Totp::Create(*secret, clock);
  EXPECT_TRUE(totp.Verify("287082")->valid);
}

TEST(TotpTest, BadSecretsAndOptionsAreRejected) {
  common::FakeClock clock;
  EXPECT_EQ(Totp::Create("short", clock).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Totp::Create(std::string(65, 'x'), clock).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Totp::Create(kRfcSecret, clock, {.digits = 5}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Totp::Create(kRfcSecret, clock, {.digits = 9}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Totp::Create(kRfcSecret, clock, {.step = absl::Milliseconds(1500)})
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Totp::Create(kRfcSecret, clock, {.window = 3}).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(TotpTest, TimeBeforeEpochIsRejected) {
  common::FakeClock clock;
  auto totp = *Totp::Create(kRfcSecret, clock);
  EXPECT_EQ(totp.CodeAt(absl::FromUnixSeconds(-1)).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace latchkey::crypto
