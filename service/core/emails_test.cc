#include "service/core/emails.h"

#include <string>

#include "gtest/gtest.h"
#include "service/errors/api_error.h"

namespace latchkey::service::core {
namespace {

TEST(NormalizeEmail, TrimsAndLowerCases) {
  absl::StatusOr<std::string> email =
      NormalizeEmail("  Ada.Lovelace+Notes@Example.COM \t", "body.email");
  ASSERT_TRUE(email.ok()) << email.status();
  EXPECT_EQ(*email, "ada.lovelace+notes@example.com");
}

TEST(NormalizeEmail, InvalidAddressIsSchemaErrorNamingTheField) {
  absl::StatusOr<std::string> email =
      NormalizeEmail("not an email", "body.primary_email");
  ASSERT_FALSE(email.ok());
  std::optional<ApiErrorView> error = ReadApiError(email.status());
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code, identity::v1::SCHEMA_ERROR);
  EXPECT_EQ(error->details["message"],
            "body.primary_email must be a valid email address");
}

TEST(IsValidEmail, AcceptsWhatBrowsersAccept) {
  for (const char* email :
       {"a@b", "a@b.co", "x.y_z-1@sub.example.org", "o'brien@example.ie",
        "user+tag@example.com", "1@2.3", "a!#$%&*+/=?^_`{|}~-@x.io"}) {
    EXPECT_TRUE(IsValidEmail(email)) << email;
  }
}

TEST(IsValidEmail, RefusesMalformedAddresses) {
  const std::string long_label(64, 'a');
  const std::string long_local(65, 'a');
  for (const std::string& email : {std::string(""),
                                   std::string("@example.com"),
                                   std::string("a@"),
                                   std::string("a@@b.com"),
                                   std::string("a b@example.com"),
                                   std::string("a@exa mple.com"),
                                   std::string("a@-example.com"),
                                   std::string("a@example-.com"),
                                   std::string("a@example..com"),
                                   std::string("a@.example.com"),
                                   std::string("a@example.com."),
                                   std::string("a@ex_ample.com"),
                                   std::string("\"quoted\"@example.com"),
                                   std::string("a@[127.0.0.1]"),
                                   std::string("ü@example.com"),
                                   std::string("a@bücher.de"),
                                   std::string("a@b\n.com"),
                                   std::string("a@") + long_label + ".com",
                                   long_local + "@example.com",
                                   std::string("a@") + std::string(250, 'b')}) {
    EXPECT_FALSE(IsValidEmail(email)) << email;
  }
}

TEST(IsValidEmail, BoundsTheTotalLength) {
  // 64 + 1 + 189 = 254 octets: the most RFC 5321 allows.
  const std::string local(64, 'a');
  std::string domain;
  while (domain.size() < 189) domain += "bbbbbbbbb.";
  domain.resize(189);
  if (domain.back() == '.') domain.back() = 'c';
  const std::string longest = local + "@" + domain;
  ASSERT_EQ(longest.size(), 254u);
  EXPECT_TRUE(IsValidEmail(longest));
  EXPECT_FALSE(IsValidEmail(longest + "c"));
}

}  // namespace
}  // namespace latchkey::service::core
