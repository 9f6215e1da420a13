#include "service/core/emails.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "service/errors/api_error.h"

namespace latchkey::service::core {
namespace {

constexpr size_t kMaxEmailOctets = 254;
constexpr size_t kMaxLocalPartOctets = 64;
constexpr size_t kMaxLabelOctets = 63;

// RFC 5322 atext, plus the dot the WHATWG rule allows anywhere.
bool IsLocalPartChar(char c) {
  if (absl::ascii_isalnum(static_cast<unsigned char>(c))) return true;
  static constexpr absl::string_view kSpecials = ".!#$%&'*+/=?^_`{|}~-";
  return kSpecials.find(c) != absl::string_view::npos;
}

bool IsValidLabel(absl::string_view label) {
  if (label.empty() || label.size() > kMaxLabelOctets) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  for (char c : label) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-') {
      return false;
    }
  }
  return true;
}

}  // namespace

bool IsValidEmail(absl::string_view email) {
  if (email.empty() || email.size() > kMaxEmailOctets) return false;
  const size_t at = email.find('@');
  if (at == absl::string_view::npos || at == 0 || at > kMaxLocalPartOctets) {
    return false;
  }
  const absl::string_view local = email.substr(0, at);
  const absl::string_view domain = email.substr(at + 1);
  for (char c : local) {
    if (!IsLocalPartChar(c)) return false;
  }
  if (domain.empty()) return false;
  size_t start = 0;
  while (true) {
    const size_t dot = domain.find('.', start);
    const absl::string_view label = domain.substr(
        start,
        dot == absl::string_view::npos ? absl::string_view::npos : dot - start);
    if (!IsValidLabel(label)) return false;
    if (dot == absl::string_view::npos) break;
    start = dot + 1;
  }
  return true;
}

absl::StatusOr<std::string> NormalizeEmail(absl::string_view raw,
                                           absl::string_view field) {
  std::string email = absl::AsciiStrToLower(absl::StripAsciiWhitespace(raw));
  if (!IsValidEmail(email)) {
    const std::string text =
        absl::StrCat(field, " must be a valid email address");
    return ApiError(identity::v1::SCHEMA_ERROR, {{"message", text}}, text);
  }
  return email;
}

}  // namespace latchkey::service::core
