#include "service/core/image_urls.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/string_views.h"
#include "crypto/encoding.h"
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
  std::string longer =
      "https://example.com/" + std::string(kMaxImageUrlLength, 'a');
  absl::Status status = CheckImageUrl("f", longer);
  EXPECT_THAT(status, HasErrorCode(identity::v1::SCHEMA_ERROR));
  EXPECT_THAT(std::string(status.message()), HasSubstr("1000000"));
}

std::string DataUrl(absl::string_view type, absl::string_view bytes) {
  return absl::StrCat("data:image/", type, ";base64,",
                      crypto::Base64Encode(common::Std(bytes)));
}

const std::string kPngStart("\x89PNG\r\n\x1a\n", 8);

TEST(ImageUrlsTest, BoundsTheDecodedImage) {
  // The largest image accepted, then one byte more (Stack's 300 KiB).
  std::string image = kPngStart + std::string(kMaxImageBytes - 8, 'x');
  EXPECT_TRUE(CheckImageUrl("f", DataUrl("png", image)).ok());
  image.push_back('x');
  absl::Status status = CheckImageUrl("f", DataUrl("png", image));
  EXPECT_THAT(status, HasErrorCode(identity::v1::SCHEMA_ERROR));
  EXPECT_THAT(std::string(status.message()), HasSubstr("307200"));
}

TEST(ImageUrlsTest, AcceptsOnlyRecognisedImageFormats) {
  const std::string jpeg("\xff\xd8\xff\xe0", 4);
  const std::string webp("RIFF\x10\0\0\0WEBPVP8 ", 16);
  EXPECT_EQ(SniffImageMediaType(kPngStart), "image/png");
  EXPECT_EQ(SniffImageMediaType(jpeg), "image/jpeg");
  EXPECT_EQ(SniffImageMediaType("GIF87a.."), "image/gif");
  EXPECT_EQ(SniffImageMediaType(webp), "image/webp");
  EXPECT_TRUE(CheckImageUrl("f", DataUrl("png", jpeg)).ok())
      << "the bytes decide the type, not the label";
  for (const std::string& bad :
       {std::string("<svg xmlns='http://www.w3.org/2000/svg'/>"),
        std::string("<html><script>alert(1)</script>"),
        std::string("\0\1\2", 3), std::string("RIFF\0\0\0\0WAVE", 12)}) {
    absl::Status status =
        CheckImageUrl("body.profile_image_url", DataUrl("svg+xml", bad));
    EXPECT_THAT(status, HasErrorCode(identity::v1::SCHEMA_ERROR)) << bad;
    EXPECT_THAT(std::string(status.message()),
                HasSubstr("body.profile_image_url"));
  }
}

TEST(ImageUrlsTest, DataUrlsAreShownAsServedUrlsNamingTheirContent) {
  const std::string gif = DataUrl("gif", std::string("GIF89a\x01\x00", 8));
  const std::string shown =
      ShownImageUrl("https://auth.example.com", "p1", kUserImage, "u1", gif);
  EXPECT_EQ(shown, absl::StrCat("https://auth.example.com/api/v1/"
                                "profile-images/p1/user/u1/",
                                ImageDigest(gif)));
  EXPECT_EQ(ImageDigest(gif).size(), 32u);
  EXPECT_NE(ImageDigest(gif), ImageDigest(DataUrl("gif", "GIF89a\x02")));
  // Ordinary URLs are shown as given.
  EXPECT_EQ(ShownImageUrl("https://a", "p1", kTeamImage, "t1",
                          "https://cdn.example.com/a.png"),
            "https://cdn.example.com/a.png");
  EXPECT_EQ(TeamMemberImageOwner("t1", "u1"), "t1:u1");
}

TEST(ImageUrlsTest, ServesOnlyTheImageItsDigestNames) {
  const std::string gif = DataUrl("gif", std::string("GIF89a\x01\x00", 8));
  absl::StatusOr<ServedImage> served = ImageToServe(gif, ImageDigest(gif));
  ASSERT_TRUE(served.ok()) << served.status();
  EXPECT_EQ(served->media_type, "image/gif");
  EXPECT_EQ(served->bytes, std::string("GIF89a\x01\x00", 8));
  const std::string other = DataUrl("gif", "GIF89a\x02");
  EXPECT_TRUE(absl::IsNotFound(ImageToServe(gif, ImageDigest(other)).status()));
  EXPECT_TRUE(absl::IsNotFound(ImageToServe(gif, "").status()));
  EXPECT_TRUE(absl::IsNotFound(
      ImageToServe("https://cdn.example.com/a.png",
                   ImageDigest("https://cdn.example.com/a.png"))
          .status()));
  // A value kept before formats were checked is never served as an image.
  const std::string html = DataUrl("png", "<script>alert(1)</script>");
  EXPECT_TRUE(absl::IsNotFound(ImageToServe(html, ImageDigest(html)).status()));
}

}  // namespace
}  // namespace latchkey::service::core
