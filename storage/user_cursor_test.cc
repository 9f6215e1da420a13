#include "storage/user_cursor.h"

#include "gtest/gtest.h"

namespace latchkey::storage {
namespace {

TEST(UserCursorTest, RoundTrips) {
  UserCursor in{absl::FromUnixMicros(1'700'000'000'123'456), "user-1.a", true};
  absl::StatusOr<UserCursor> out = DecodeUserCursor(EncodeUserCursor(in));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->signed_up_at, in.signed_up_at);
  EXPECT_EQ(out->user_id, in.user_id);
  EXPECT_TRUE(out->descending);
}

TEST(UserCursorTest, IsUrlSafe) {
  const std::string token =
      EncodeUserCursor({absl::FromUnixMicros(-5), "?>?>~~", false});
  EXPECT_EQ(token.find_first_of("+/="), std::string::npos);
}

TEST(UserCursorTest, GarbageIsInvalidArgument) {
  for (const char* bad : {"", "not base64!", "dTEuMTIzLmEu" /* "u1.123.a." */,
                          "dTIuMTIzLmEueA" /* "u2.123.a.x" */,
                          "dTEuYWJjLmEueA" /* "u1.abc.a.x" */}) {
    EXPECT_EQ(DecodeUserCursor(bad).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

}  // namespace
}  // namespace latchkey::storage
