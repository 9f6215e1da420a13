#include "service/errors/api_error.h"

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace latchkey::service {
namespace {

using identity::v1::ErrorCode;

TEST(ApiError, CarriesCodeDetailsAndTheSpecsCanonicalCode) {
  absl::Status status =
      ApiError(identity::v1::PASSWORD_TOO_SHORT, {{"min_length", "8"}});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "The password is too short.");
  auto view = ReadApiError(status);
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ(view->code, identity::v1::PASSWORD_TOO_SHORT);
  EXPECT_EQ(view->details.at("min_length"), "8");
}

TEST(ApiError, CustomMessageReplacesTheDefault) {
  absl::Status status =
      ApiError(identity::v1::USER_NOT_FOUND, {}, "No user 42.");
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status.message(), "No user 42.");
}

TEST(ApiError, DetailsOutsideTheSpecAreDropped) {
  absl::Status status = ApiError(identity::v1::EMAIL_PASSWORD_MISMATCH,
                                 {{"email", "leak@example.com"}});
  EXPECT_TRUE(ReadApiError(status)->details.empty());
}

TEST(SchemaError, IsTheMessageAsDetailAndText) {
  absl::Status status = SchemaError("name is too long");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "name is too long");
  auto view = ReadApiError(status);
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ(view->code, identity::v1::SCHEMA_ERROR);
  EXPECT_EQ(view->details, (ErrorDetails{{"message", "name is too long"}}));
}

TEST(ApiError, PlainStatusesAreNotCatalogueErrors) {
  EXPECT_FALSE(ReadApiError(absl::OkStatus()).has_value());
  EXPECT_FALSE(ReadApiError(absl::NotFoundError("x")).has_value());
}

TEST(ToPublicError, HidesInternalTextBehindGenericCodes) {
  absl::Status internal = ToPublicError(absl::InternalError("pg: secret host"));
  EXPECT_EQ(internal.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(ReadApiError(internal)->code, identity::v1::INTERNAL_ERROR);
  EXPECT_EQ(internal.message().find("secret"), absl::string_view::npos);

  absl::Status down =
      ToPublicError(absl::UnavailableError("connection refused"));
  EXPECT_EQ(down.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ReadApiError(down)->code, identity::v1::SERVICE_UNAVAILABLE);

  absl::Status known =
      ApiError(identity::v1::TEAM_NOT_FOUND, {{"team_id", "t"}});
  EXPECT_EQ(ToPublicError(known), known);
  EXPECT_TRUE(ToPublicError(absl::OkStatus()).ok());
}

TEST(ErrorCodeNames, RoundTrip) {
  EXPECT_EQ(ErrorCodeName(identity::v1::SCHEMA_ERROR), "SCHEMA_ERROR");
  EXPECT_EQ(ErrorCodeFromName("SCHEMA_ERROR"), identity::v1::SCHEMA_ERROR);
  EXPECT_FALSE(ErrorCodeFromName("NO_SUCH_CODE").has_value());
  EXPECT_FALSE(ErrorCodeFromName("ERROR_CODE_UNSPECIFIED").has_value());
  EXPECT_EQ(ErrorCodeName(static_cast<ErrorCode>(99999)), "");
}

TEST(SpecOf, MatchesCompatTable) {
  EXPECT_EQ(SpecOf(identity::v1::USER_EMAIL_ALREADY_EXISTS).http_status(), 409);
  EXPECT_EQ(SpecOf(identity::v1::PASSWORD_TOO_LONG).details(0).name(),
            "maxLength");
  EXPECT_EQ(SpecOf(identity::v1::INSUFFICIENT_ACCESS_TYPE).http_status(), 401);
  EXPECT_TRUE(SpecOf(identity::v1::RATE_LIMITED).latchkey_extension());
  EXPECT_FALSE(SpecOf(identity::v1::SCHEMA_ERROR).latchkey_extension());
}

}  // namespace
}  // namespace latchkey::service

namespace latchkey::service {
namespace {

TEST(ApiError, InvalidUtf8InDetailsIsReplacedSoTheErrorSurvives) {
  absl::Status status =
      ApiError(identity::v1::SCHEMA_ERROR, {{"message", "bad \xad key \xc3"}},
               "bad \xad key");
  auto view = ReadApiError(status);
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ(view->details["message"], "bad \xef\xbf\xbd key \xef\xbf\xbd");
  EXPECT_EQ(status.message(), "bad \xef\xbf\xbd key");
}

TEST(ApiError, OverlongAndSurrogateEncodingsAreReplaced) {
  absl::Status status =
      ApiError(identity::v1::SCHEMA_ERROR,
               {{"message", "\xc0\xaf|\xed\xa0\x80|ok\xe2\x82\xac"}});
  EXPECT_EQ(ReadApiError(status)->details["message"],
            "\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd|"
            "ok\xe2\x82\xac");
}

TEST(ApiError, LongTextIsCut) {
  absl::Status status = ApiError(identity::v1::SCHEMA_ERROR,
                                 {{"message", std::string(5000, 'x')}});
  EXPECT_EQ(ReadApiError(status)->details["message"].size(), 1024u + 3);
}

}  // namespace
}  // namespace latchkey::service
