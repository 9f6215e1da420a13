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

// The most image bytes a data URL may carry once decoded (300 KiB, the
// bound Stack applies to an uploaded profile image).
inline constexpr size_t kMaxImageBytes = 300 * 1024;

// The image formats accepted inside a data URL, recognised by their leading
// bytes (not by the media type the client wrote): PNG, JPEG, GIF and WebP.
// SVG and everything else are refused, since an image latchkeyd serves
// from its own origin must not be able to carry script. Empty when `bytes`
// is none of them; else the media type to serve it with.
std::string SniffImageMediaType(absl::string_view bytes);

// OK for an http(s) URL without spaces or a valid image data URL (above)
// whose bytes are a PNG, JPEG, GIF or WebP image of at most kMaxImageBytes;
// SCHEMA_ERROR naming `field` otherwise, including for an empty string.
absl::Status CheckImageUrl(absl::string_view field, absl::string_view url);

// Images given as data URLs are kept as given and served by latchkeyd at
// <public_url>/api/v1/profile-images/<project>/<kind>/<owner>/<digest>;
// responses show that URL instead of the data URL, as Stack shows the URL
// of its uploaded copy. The digest names the content, so a replaced image
// gets a new URL and the old one stops answering.
inline constexpr absl::string_view kUserImage = "user";
inline constexpr absl::string_view kTeamImage = "team";
inline constexpr absl::string_view kTeamMemberImage = "team-member";

// The first 32 hex digits of the SHA-256 of the stored value.
std::string ImageDigest(absl::string_view stored);

// The owner segment of a team member's image: `<team_id>:<user_id>`.
std::string TeamMemberImageOwner(absl::string_view team_id,
                                 absl::string_view user_id);

// What a response shows for a stored image value: the served URL for a data
// URL, the value itself otherwise. `public_url` without a trailing slash.
std::string ShownImageUrl(absl::string_view public_url,
                          absl::string_view project_id, absl::string_view kind,
                          absl::string_view owner, absl::string_view stored);

// An image ready to serve.
struct ServedImage {
  std::string media_type;
  std::string bytes;
};

// The image a stored value holds when `digest` names it; NOT_FOUND when
// the value is not a data URL, the digest is another one's, or its bytes
// are not an accepted image.
absl::StatusOr<ServedImage> ImageToServe(absl::string_view stored,
                                         absl::string_view digest);

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_IMAGE_URLS_H_
