#include "service/core/totp_secrets.h"

#include "gtest/gtest.h"
#include "service/core/oauth_client_secrets.h"

namespace latchkey::service::core {
namespace {

constexpr char kSecret[] = "23-wuNpik0gIW4mruTz25rbIvhuuvZFrLOLtL7J4tyo";

TEST(TotpSecrets, RoundTripBoundToTheUser) {
  absl::StatusOr<crypto::SecretBox> box = TotpSecretBox(kSecret, std::nullopt);
  ASSERT_TRUE(box.ok()) << box.status();
  const std::string seed = "12345678901234567890";
  absl::StatusOr<std::string> sealed = SealTotpSecret(*box, "p1", "u1", seed);
  ASSERT_TRUE(sealed.ok());
  absl::StatusOr<crypto::SecretBox::Opened> opened =
      OpenTotpSecret(*box, "p1", "u1", *sealed);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->plaintext, seed);
  EXPECT_EQ(OpenTotpSecret(*box, "p1", "u2", *sealed).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(TotpSecrets, ThePurposeKeepsSeedsAndClientSecretsApart) {
  absl::StatusOr<crypto::SecretBox> totp = TotpSecretBox(kSecret, std::nullopt);
  absl::StatusOr<crypto::SecretBox> oauth =
      OAuthClientSecretBox(kSecret, std::nullopt);
  ASSERT_TRUE(totp.ok() && oauth.ok());
  absl::StatusOr<std::string> sealed =
      SealTotpSecret(*totp, "p1", "u1", "seed");
  ASSERT_TRUE(sealed.ok());
  EXPECT_FALSE(oauth->Open(*sealed, "totp:p1:u1").ok());
}

}  // namespace
}  // namespace latchkey::service::core
