#include "service/mesh/identity_headers.h"

#include <string>

#include "gtest/gtest.h"

namespace latchkey::service::mesh {
namespace {

TEST(ParseIdentityHeaders, EmptyIsNone) {
  absl::StatusOr<std::vector<IdentityHeader>> none = ParseIdentityHeaders("");
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->empty());
  EXPECT_TRUE(ParseIdentityHeaders("  ")->empty());
}

TEST(ParseIdentityHeaders, ReadsPairsLowerCasingNames) {
  absl::StatusOr<std::vector<IdentityHeader>> headers = ParseIdentityHeaders(
      "X-User-Email=primary_email, x-user-name = display_name,"
      "x-latchkey-session=session_id");
  ASSERT_TRUE(headers.ok()) << headers.status();
  ASSERT_EQ(headers->size(), 3u);
  EXPECT_EQ((*headers)[0].name, "x-user-email");
  EXPECT_EQ((*headers)[0].field, IdentityField::kPrimaryEmail);
  EXPECT_EQ((*headers)[1].name, "x-user-name");
  EXPECT_EQ((*headers)[1].field, IdentityField::kDisplayName);
  EXPECT_EQ((*headers)[2].name, "x-latchkey-session");
  EXPECT_EQ((*headers)[2].field, IdentityField::kSessionId);
}

TEST(ParseIdentityHeaders, RefusesMalformedReservedRepeatedAndUnknown) {
  for (const char* bad : {
           "x-user-email",                        // no field
           "=primary_email",                      // no name
           "x user=primary_email",                // space in the name
           "x-user:a=primary_email",              // colon in the name
           "x-user-email=password",               // unknown field
           "authorization=primary_email",         // reserved
           "Cookie=display_name",                 // reserved, any case
           "x-latchkey-user-id=primary_email",    // a built-in header
           "x-stack-access-token=session_id",     // credentials
           "x-a=primary_email,X-A=display_name",  // repeated
           "x-a=primary_email,",                  // empty entry
       }) {
    absl::StatusOr<std::vector<IdentityHeader>> parsed =
        ParseIdentityHeaders(bad);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument)
        << bad;
  }
  EXPECT_FALSE(
      ParseIdentityHeaders(std::string(65, 'x') + "=primary_email").ok());
  EXPECT_TRUE(
      ParseIdentityHeaders(std::string(64, 'x') + "=primary_email").ok());
}

TEST(ParseIdentityHeaders, Bounded) {
  std::string text;
  for (int i = 0; i < kMaxIdentityHeaders; ++i) {
    text += "x-h" + std::to_string(i) + "=branch_id,";
  }
  text.pop_back();
  EXPECT_TRUE(ParseIdentityHeaders(text).ok());
  EXPECT_FALSE(ParseIdentityHeaders(text + ",x-one-more=branch_id").ok());
}

TEST(IdentityValue, ReadsTheClaims) {
  identity::v1::AccessTokenClaims claims;
  claims.set_email("ann@example.com");
  claims.set_email_verified(true);
  claims.set_name("Ann Example");
  claims.set_refresh_token_id("s1");
  claims.set_branch_id("main");
  claims.set_signed_up_at(1700000000);
  EXPECT_EQ(IdentityValue(IdentityField::kPrimaryEmail, claims),
            "ann@example.com");
  EXPECT_EQ(IdentityValue(IdentityField::kPrimaryEmailVerified, claims),
            "true");
  EXPECT_EQ(IdentityValue(IdentityField::kDisplayName, claims), "Ann Example");
  EXPECT_EQ(IdentityValue(IdentityField::kSessionId, claims), "s1");
  EXPECT_EQ(IdentityValue(IdentityField::kBranchId, claims), "main");
  EXPECT_EQ(IdentityValue(IdentityField::kIsRestricted, claims), "false");
  EXPECT_EQ(IdentityValue(IdentityField::kRestrictedReason, claims),
            std::nullopt);
  EXPECT_EQ(IdentityValue(IdentityField::kSignedUpAt, claims), "1700000000");
  claims.mutable_restricted_reason()->set_type("email_not_verified");
  EXPECT_EQ(IdentityValue(IdentityField::kRestrictedReason, claims),
            "email_not_verified");
}

TEST(IdentityValue, NoneWhenAbsentOrUnsafeInAHeader) {
  identity::v1::AccessTokenClaims claims;
  EXPECT_EQ(IdentityValue(IdentityField::kPrimaryEmail, claims), std::nullopt);
  EXPECT_EQ(IdentityValue(IdentityField::kDisplayName, claims), std::nullopt);
  claims.set_name("Ann\r\nx-latchkey-user-id: someone-else");
  EXPECT_EQ(IdentityValue(IdentityField::kDisplayName, claims), std::nullopt);
  claims.set_name("Zoë\tK");
  EXPECT_EQ(IdentityValue(IdentityField::kDisplayName, claims), "Zoë\tK");
}

}  // namespace
}  // namespace latchkey::service::mesh
