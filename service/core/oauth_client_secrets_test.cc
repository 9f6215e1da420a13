#include "service/core/oauth_client_secrets.h"

#include "gtest/gtest.h"

namespace latchkey::service::core {
namespace {

constexpr char kSecret[] = "23-wuNpik0gIW4mruTz25rbIvhuuvZFrLOLtL7J4tyo";
constexpr char kOtherSecret[] = "Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYg";

TEST(OAuthClientSecrets, RoundTripBoundToProjectAndProvider) {
  absl::StatusOr<crypto::SecretBox> box =
      OAuthClientSecretBox(kSecret, std::nullopt);
  ASSERT_TRUE(box.ok()) << box.status();
  absl::StatusOr<std::string> sealed =
      SealOAuthClientSecret(*box, "p1", "github", "s3cret");
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(sealed->find("s3cret"), std::string::npos);
  absl::StatusOr<crypto::SecretBox::Opened> opened =
      OpenOAuthClientSecret(*box, "p1", "github", *sealed);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->plaintext, "s3cret");
  EXPECT_FALSE(opened->needs_reseal);
  EXPECT_EQ(
      OpenOAuthClientSecret(*box, "p2", "github", *sealed).status().code(),
      absl::StatusCode::kDataLoss);
  EXPECT_EQ(
      OpenOAuthClientSecret(*box, "p1", "google", *sealed).status().code(),
      absl::StatusCode::kDataLoss);
}

TEST(OAuthClientSecrets, OpensUnderThePreviousSecretDuringARotation) {
  absl::StatusOr<crypto::SecretBox> old_box =
      OAuthClientSecretBox(kOtherSecret, std::nullopt);
  ASSERT_TRUE(old_box.ok()) << old_box.status();
  absl::StatusOr<std::string> sealed =
      SealOAuthClientSecret(*old_box, "p1", "github", "s3cret");
  ASSERT_TRUE(sealed.ok());
  absl::StatusOr<crypto::SecretBox> rotated =
      OAuthClientSecretBox(kSecret, std::string(kOtherSecret));
  ASSERT_TRUE(rotated.ok());
  absl::StatusOr<crypto::SecretBox::Opened> opened =
      OpenOAuthClientSecret(*rotated, "p1", "github", *sealed);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_TRUE(opened->needs_reseal);
  absl::StatusOr<crypto::SecretBox> without_previous =
      OAuthClientSecretBox(kSecret, std::nullopt);
  EXPECT_EQ(OpenOAuthClientSecret(*without_previous, "p1", "github", *sealed)
                .status()
                .code(),
            absl::StatusCode::kDataLoss);
}

TEST(OAuthClientSecrets, AccountTokensOpenOnlyOnTheirLinkAndKind) {
  absl::StatusOr<crypto::SecretBox> box =
      OAuthClientSecretBox(kSecret, std::nullopt);
  ASSERT_TRUE(box.ok()) << box.status();
  absl::StatusOr<std::string> sealed = SealOAuthAccountToken(
      *box, "p1", "link-1", OAuthAccountToken::kAccess, "gho_token");
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(sealed->find("gho_token"), std::string::npos);
  absl::StatusOr<crypto::SecretBox::Opened> opened = OpenOAuthAccountToken(
      *box, "p1", "link-1", OAuthAccountToken::kAccess, *sealed);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->plaintext, "gho_token");
  // Moved to another link, read as the refresh token, or as a client
  // secret: none opens.
  EXPECT_EQ(OpenOAuthAccountToken(*box, "p1", "link-2",
                                  OAuthAccountToken::kAccess, *sealed)
                .status()
                .code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(OpenOAuthAccountToken(*box, "p1", "link-1",
                                  OAuthAccountToken::kRefresh, *sealed)
                .status()
                .code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(
      OpenOAuthClientSecret(*box, "p1", "link-1", *sealed).status().code(),
      absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace latchkey::service::core
