#include "service/core/image_urls.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/errors/error_matchers.h"

namespace latchkey::service::core {
namespace {

using ::testing::HasSubstr;

// "GIF89a" and a byte, in standard base64.
constexpr char kTinyGif[] = "data:image/gif;base64,R0lGODlhAQ==";

TEST(ImageUrlsTest, ParsesABase64ImageDataUrl) {
  absl::StatusOr<ImageDataUrl> parsed = ParseImageDataUrl("f", kTinyGif);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->media_type, "image/gif");
  EXPECT_EQ(parsed->bytes, std::string("GIF89a\x01", 7));
  // The media type is case-insensitive and kept lower-cased.
  parsed = ParseImageDataUrl("f", "DATA:Image/PNG;base64,AAEC");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->media_type, "image/png");
  EXPECT_EQ(parsed->bytes, std::string("\x00\x01\x02", 3));
}

TEST(ImageUrlsTest, RefusesMalformedDataUrls) {
  for (const char* bad : {
           "data:image/png;base64",        // no comma
           "data:image/png,AAEC",          // not base64
           "data:text/plain;base64,AAEC",  // not an image
           "data:image/;base64,AAEC",      // no subtype
           "data:image/png;base64,",       // empty image
           "data:image/png;base64,!!!!",   // not base64 text
           "data:image/png;base64,AA EC",  // whitespace
           "data:image/p g;base64,AAEC",   // bad subtype
           "data:image/png;charset=x;base64,AAEC",
       }) {
    absl::Status status = CheckImageUrl("body.profile_image_url", bad);
    EXPECT_THAT(status, HasErrorCode(identity::v1::SCHEMA_ERROR)) << bad;
    EXPECT_THAT(std::string(status.message()),
                HasSubstr("body.profile_image_url"))
        << bad;
  }
}

TEST(ImageUrlsTest, AcceptsHttpUrlsAndRefusesOthers) {
  EXPECT_TRUE(CheckImageUrl("f", "https://example.com/a.png").ok());
  EXPECT_TRUE(CheckImageUrl("f", "http://localhost:8080/a.png").ok());
  EXPECT_TRUE(CheckImageUrl("f", kTinyGif).ok());
  for (const char* bad :
       {"", "ftp://example.com/a.png", "example.com/a.png",
        "https://example.com/a b.png", "javascript:alert(1)"}) {
    EXPECT_THAT(CheckImageUrl("f", bad),
                HasErrorCode(identity::v1::SCHEMA_ERROR))
        << bad;
  }
}

TEST(ImageUrlsTest, BoundsTheLength) {
  // The longest data URL accepted, then one character more.
  const std::string prefix = "data:image/png;base64,";
  std::string body((kMaxImageUrlLength - prefix.size()) / 4 * 4, 'A');
  std::string url = prefix + body;
  ASSERT_LE(url.size(), kMaxImageUrlLength);
  EXPECT_TRUE(CheckImageUrl("f", url).ok());
  std::string longer =
      "https://example.com/" + std::string(kMaxImageUrlLength, 'a');
  absl::Status status = CheckImageUrl("f", longer);
  EXPECT_THAT(status, HasErrorCode(identity::v1::SCHEMA_ERROR));
  EXPECT_THAT(std::string(status.message()), HasSubstr("1000000"));
}

}  // namespace
}  // namespace latchkey::service::core
