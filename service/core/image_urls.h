#ifndef SERVICE_CORE_IMAGE_URLS_H_
#define SERVICE_CORE_IMAGE_URLS_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace latchkey::service::core {

// Image URLs as Stack's clients send them (profile images, project logos):
// an http(s) URL, or a `data:image/<type>;base64,<data>` URL carrying the
// image itself. Stateless; thread-safe.

// The longest image URL accepted, in characters: Stack's limit, which a
// data URL of an image up to about 730 KiB fits.
inline constexpr size_t kMaxImageUrlLength = 1000000;

// A data URL's parts after a successful parse.
struct ImageDataUrl {
  std::string media_type;  // e.g. "image/png", lower-cased
  std::string bytes;       // the decoded image
};

// True when `url` starts like a data URL (`data:`, any case), so callers can
// tell one that is malformed from an ordinary URL.
bool LooksLikeDataUrl(absl::string_view url);

// Parses a base64 image data URL. SCHEMA_ERROR naming `field` when it is not
// `data:image/<subtype>;base64,<standard base64>` with a non-empty image,
// or longer than kMaxImageUrlLength.
absl::StatusOr<ImageDataUrl> ParseImageDataUrl(absl::string_view field,
                                               absl::string_view url);

// OK for an http(s) URL without spaces or a valid image data URL (above);
// SCHEMA_ERROR naming `field` otherwise, including for an empty string.
absl::Status CheckImageUrl(absl::string_view field, absl::string_view url);

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_IMAGE_URLS_H_
