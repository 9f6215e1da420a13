#include "service/api_error.h"

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
      (*info.mutable_metadata())[detail.name()] = std::move(it->second);
    }
  }
  absl::Status status(static_cast<absl::StatusCode>(spec.grpc_code()),
                      message.empty() ? spec.message() : message);
  status.SetPayload(kErrorInfoTypeUrl, absl::Cord(info.SerializeAsString()));
  return status;
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
