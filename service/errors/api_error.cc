#include "service/errors/api_error.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "absl/strings/cord.h"
#include "google/protobuf/descriptor.h"
#include "google/rpc/error_details.pb.h"

namespace latchkey::service {
namespace {

using identity::v1::ErrorCode;
using identity::v1::ErrorSpec;

const google::protobuf::EnumValueDescriptor* ValueOf(ErrorCode code) {
  return identity::v1::ErrorCode_descriptor()->FindValueByNumber(code);
}

// Error text often quotes the request (a field name, a header value). It
// must stay valid UTF-8, or the ErrorInfo carrying it could not be parsed
// back, and short: invalid sequences become U+FFFD, and text is cut at a
// character boundary after kMaxTextBytes.
constexpr size_t kMaxTextBytes = 1024;

std::string SafeText(absl::string_view text) {
  std::string out;
  out.reserve(std::min(text.size(), kMaxTextBytes));
  size_t i = 0;
  while (i < text.size() && out.size() < kMaxTextBytes) {
    const unsigned char lead = static_cast<unsigned char>(text[i]);
    size_t length = lead < 0x80           ? 1
                    : (lead >> 5) == 0x6  ? 2
                    : (lead >> 4) == 0xe  ? 3
                    : (lead >> 3) == 0x1e ? 4
                                          : 0;
    bool valid = length > 0 && i + length <= text.size();
    for (size_t k = 1; valid && k < length; ++k) {
      valid = (static_cast<unsigned char>(text[i + k]) >> 6) == 0x2;
    }
    if (valid && length > 1) {
      // Reject overlong forms, surrogates and code points past U+10FFFF.
      uint32_t cp = lead & (0xff >> (length + 1));
      for (size_t k = 1; k < length; ++k) {
        cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3f);
      }
      const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
      valid = cp >= min[length] && cp <= 0x10ffff &&
              !(cp >= 0xd800 && cp <= 0xdfff);
    }
    if (valid) {
      out.append(text.substr(i, length).data(), length);
      i += length;
    } else {
      out.append("\xef\xbf\xbd");
      ++i;
    }
  }
  if (i < text.size()) out.append("...");
  return out;
}

// The generic catalogue error for statuses that are not catalogue errors.
ErrorCode FallbackFor(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kUnavailable:
      return identity::v1::SERVICE_UNAVAILABLE;
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kCancelled:
      return identity::v1::DEADLINE_EXCEEDED;
    case absl::StatusCode::kUnimplemented:
      return identity::v1::NOT_IMPLEMENTED;
    case absl::StatusCode::kResourceExhausted:
      return identity::v1::RATE_LIMITED;
    default:
      return identity::v1::INTERNAL_ERROR;
  }
}

}  // namespace

const ErrorSpec& SpecOf(ErrorCode code) {
  const auto* value = ValueOf(code);
  if (value == nullptr) return ErrorSpec::default_instance();
  return value->options().GetExtension(identity::v1::error);
}

const std::string& ErrorCodeName(ErrorCode code) {
  static const std::string* const kEmpty = new std::string();
  const auto* value = ValueOf(code);
  return value == nullptr ? *kEmpty : value->name();
}

std::optional<ErrorCode> ErrorCodeFromName(absl::string_view name) {
  const auto* value =
      identity::v1::ErrorCode_descriptor()->FindValueByName(std::string(name));
  if (value == nullptr || value->number() == 0) return std::nullopt;
  return static_cast<ErrorCode>(value->number());
}

absl::Status ApiError(ErrorCode code, ErrorDetails details,
                      absl::string_view message) {
  const ErrorSpec& spec = SpecOf(code);
  google::rpc::ErrorInfo info;
  info.set_reason(ErrorCodeName(code));
  info.set_domain(std::string(kErrorDomain));
  for (const auto& detail : spec.details()) {
    auto it = details.find(detail.name());
    if (it != details.end()) {
      (*info.mutable_metadata())[detail.name()] = SafeText(it->second);
    }
  }
  absl::Status status(static_cast<absl::StatusCode>(spec.grpc_code()),
                      message.empty() ? spec.message() : SafeText(message));
  status.SetPayload(kErrorInfoTypeUrl, absl::Cord(info.SerializeAsString()));
  return status;
}

absl::Status SchemaError(absl::string_view message) {
  const std::string text(message);
  return ApiError(identity::v1::SCHEMA_ERROR, {{"message", text}}, text);
}

std::optional<ApiErrorView> ReadApiError(const absl::Status& status) {
  if (status.ok()) return std::nullopt;
  absl::optional<absl::Cord> payload = status.GetPayload(kErrorInfoTypeUrl);
  if (!payload.has_value()) return std::nullopt;
  google::rpc::ErrorInfo info;
  if (!info.ParseFromString(std::string(*payload)) ||
      info.domain() != kErrorDomain) {
    return std::nullopt;
  }
  std::optional<ErrorCode> code = ErrorCodeFromName(info.reason());
  if (!code.has_value()) return std::nullopt;
  ApiErrorView view;
  view.code = *code;
  view.details.insert(info.metadata().begin(), info.metadata().end());
  view.message = std::string(status.message());
  return view;
}

absl::Status ToPublicError(const absl::Status& status) {
  if (status.ok() || ReadApiError(status).has_value()) return status;
  return ApiError(FallbackFor(status.code()));
}

}  // namespace latchkey::service
