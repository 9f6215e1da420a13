#include "service/core/image_urls.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/string_views.h"
#include "crypto/encoding.h"
#include "crypto/hashing.h"
#include "service/errors/api_error.h"

namespace latchkey::service::core {
namespace {

bool IsTokenChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' ||
         c == '+' || c == '-';
}

}  // namespace

bool LooksLikeDataUrl(absl::string_view url) {
  return absl::StartsWithIgnoreCase(url, "data:");
}

absl::StatusOr<ImageDataUrl> ParseImageDataUrl(absl::string_view field,
                                               absl::string_view url) {
  const auto invalid = [&](absl::string_view why) {
    return SchemaError(
        absl::StrCat(field, " is not a valid image data URL: ", why));
  };
  if (url.size() > kMaxImageUrlLength) {
    return SchemaError(absl::StrCat(field, " must be at most ",
                                    kMaxImageUrlLength, " characters"));
  }
  if (!LooksLikeDataUrl(url)) return invalid("it must start with data:");
  absl::string_view rest = url.substr(5);
  const size_t comma = rest.find(',');
  if (comma == absl::string_view::npos) return invalid("it has no comma");
  absl::string_view header = rest.substr(0, comma);
  absl::string_view payload = rest.substr(comma + 1);
  if (!absl::ConsumeSuffix(&header, ";base64")) {
    return invalid("it must be base64 (;base64,)");
  }
  // Only the type/subtype: parameters such as charset mean nothing for an
  // image and are refused rather than guessed at.
  const size_t slash = header.find('/');
  if (slash == absl::string_view::npos ||
      !absl::EqualsIgnoreCase(header.substr(0, slash), "image")) {
    return invalid("its media type must be image/<type>");
  }
  absl::string_view subtype = header.substr(slash + 1);
  if (subtype.empty() || subtype.size() > 64) {
    return invalid("its media type must be image/<type>");
  }
  for (char c : subtype) {
    if (!IsTokenChar(c)) return invalid("its media type must be image/<type>");
  }
  absl::StatusOr<std::string> bytes =
      crypto::Base64Decode(common::Std(payload));
  if (!bytes.ok()) return invalid("its data is not standard base64");
  if (bytes->empty()) return invalid("the image is empty");
  ImageDataUrl out;
  out.media_type = absl::AsciiStrToLower(absl::StrCat("image/", subtype));
  out.bytes = *std::move(bytes);
  return out;
}

absl::Status CheckImageUrl(absl::string_view field, absl::string_view url) {
  if (url.empty()) {
    return SchemaError(absl::StrCat(field, " must not be empty"));
  }
  if (url.size() > kMaxImageUrlLength) {
    return SchemaError(absl::StrCat(field, " must be at most ",
                                    kMaxImageUrlLength, " characters"));
  }
  if (LooksLikeDataUrl(url)) {
    absl::StatusOr<ImageDataUrl> image = ParseImageDataUrl(field, url);
    if (!image.ok()) return image.status();
    if (image->bytes.size() > kMaxImageBytes) {
      return SchemaError(absl::StrCat(field, " holds an image of ",
                                      image->bytes.size(),
                                      " bytes; the most is ", kMaxImageBytes));
    }
    if (SniffImageMediaType(image->bytes).empty()) {
      return SchemaError(
          absl::StrCat(field, " must hold a PNG, JPEG, GIF or WebP image"));
    }
    return absl::OkStatus();
  }
  const bool http = absl::StartsWithIgnoreCase(url, "https://") ||
                    absl::StartsWithIgnoreCase(url, "http://");
  if (!http || absl::StrContains(url, ' ') ||
      url.find_first_of("\r\n\t") != absl::string_view::npos) {
    return SchemaError(absl::StrCat(
        field, " must be an http(s) URL without spaces or an image data URL"));
  }
  return absl::OkStatus();
}

std::string SniffImageMediaType(absl::string_view bytes) {
  if (absl::StartsWith(bytes, "\x89PNG\r\n\x1a\n")) return "image/png";
  if (absl::StartsWith(bytes, "\xff\xd8\xff")) return "image/jpeg";
  if (absl::StartsWith(bytes, "GIF87a") || absl::StartsWith(bytes, "GIF89a")) {
    return "image/gif";
  }
  if (bytes.size() >= 12 && absl::StartsWith(bytes, "RIFF") &&
      bytes.substr(8, 4) == "WEBP") {
    return "image/webp";
  }
  return "";
}

std::string ImageDigest(absl::string_view stored) {
  return crypto::Sha256Hex(common::Std(stored)).substr(0, 32);
}

std::string TeamMemberImageOwner(absl::string_view team_id,
                                 absl::string_view user_id) {
  return absl::StrCat(team_id, ":", user_id);
}

std::string ShownImageUrl(absl::string_view public_url,
                          absl::string_view project_id, absl::string_view kind,
                          absl::string_view owner, absl::string_view stored) {
  if (!LooksLikeDataUrl(stored)) return std::string(stored);
  return absl::StrCat(public_url, "/api/v1/profile-images/", project_id, "/",
                      kind, "/", owner, "/", ImageDigest(stored));
}

absl::StatusOr<ServedImage> ImageToServe(absl::string_view stored,
                                         absl::string_view digest) {
  const auto not_found = [] {
    return absl::NotFoundError("no such profile image");
  };
  // The digest is public (it is in the URL), so a plain comparison.
  if (!LooksLikeDataUrl(stored) || ImageDigest(stored) != digest) {
    return not_found();
  }
  absl::StatusOr<ImageDataUrl> image = ParseImageDataUrl("image", stored);
  if (!image.ok()) return not_found();
  ServedImage out;
  out.media_type = SniffImageMediaType(image->bytes);
  // Values stored before images were checked for their format are not
  // served: only the four formats above ever leave with an image type.
  if (out.media_type.empty()) return not_found();
  out.bytes = std::move(image->bytes);
  return out;
}

}  // namespace latchkey::service::core
