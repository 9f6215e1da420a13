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

// A position has exactly one token: padding, stray low bits in the last
// base64 character, a "+" sign or leading zeros would otherwise name the
// same position by other tokens (found by user_cursor_fuzzer).
TEST(UserCursorTest, OnlyTheTokenEncodeMakesIsAccepted) {
  ASSERT_EQ(EncodeUserCursor({absl::FromUnixMicros(0), "x", false}),
            "dTEuMC5hLng");
  ASSERT_TRUE(DecodeUserCursor("dTEuMC5hLng").ok());
  for (const char* other :
       {"dTEuMC5hLng=" /* padded */, "dTEuMC5hLnh" /* low bits set */,
        "dTEuKzUuYS54" /* "u1.+5.a.x" */,
        "dTEuMDA3LmEueA" /* "u1.007.a.x" */}) {
    EXPECT_EQ(DecodeUserCursor(other).status().code(),
              absl::StatusCode::kInvalidArgument)
        << other;
  }
}

}  // namespace
}  // namespace latchkey::storage
