#include "service/core/image_urls.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/string_views.h"
#include "crypto/encoding.h"
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
  if (LooksLikeDataUrl(url)) return ParseImageDataUrl(field, url).status();
  const bool http = absl::StartsWithIgnoreCase(url, "https://") ||
                    absl::StartsWithIgnoreCase(url, "http://");
  if (!http || absl::StrContains(url, ' ') ||
      url.find_first_of("\r\n\t") != absl::string_view::npos) {
    return SchemaError(absl::StrCat(
        field, " must be an http(s) URL without spaces or an image data URL"));
  }
  return absl::OkStatus();
}

}  // namespace latchkey::service::core
