#include "service/gateway/stack_error.h"

#include "absl/strings/numbers.h"
#include "nlohmann/json.hpp"
#include "service/errors/api_error.h"

namespace latchkey::service::gateway {
namespace {

nlohmann::ordered_json TypedDetail(const identity::v1::ErrorDetailSpec& spec,
                                   const std::string& text) {
  switch (spec.type()) {
    case identity::v1::DETAIL_TYPE_INTEGER: {
      int64_t number = 0;
      if (absl::SimpleAtoi(text, &number)) return number;
      return nullptr;
    }
    case identity::v1::DETAIL_TYPE_BOOLEAN:
      return text == "true";
    case identity::v1::DETAIL_TYPE_JSON: {
      nlohmann::ordered_json parsed = nlohmann::ordered_json::parse(
          text, nullptr, /*allow_exceptions=*/false);
      return parsed.is_discarded() ? nlohmann::ordered_json(nullptr) : parsed;
    }
    default:
      return text;
  }
}

}  // namespace

HttpResponse StackErrorResponse(const absl::Status& status) {
  absl::Status public_status = ToPublicError(status);
  std::optional<ApiErrorView> error = ReadApiError(public_status);
  // ToPublicError always yields a catalogue error for a non-OK status.
  const identity::v1::ErrorCode code =
      error.has_value() ? error->code : identity::v1::INTERNAL_ERROR;
  const identity::v1::ErrorSpec& spec = SpecOf(code);

  nlohmann::ordered_json body = nlohmann::ordered_json::object();
  body["code"] = ErrorCodeName(code);
  if (spec.details_size() > 0) {
    nlohmann::ordered_json details = nlohmann::ordered_json::object();
    for (const auto& detail : spec.details()) {
      auto it = error.has_value() ? error->details.find(detail.name())
                                  : ErrorDetails::const_iterator();
      if (error.has_value() && it != error->details.end()) {
        details[detail.name()] = TypedDetail(detail, it->second);
      } else if (detail.nullable()) {
        details[detail.name()] = nullptr;
      }
    }
    body["details"] = std::move(details);
  }
  body["error"] = std::string(public_status.message());

  HttpResponse response;
  response.status = spec.http_status() > 0 ? spec.http_status() : 500;
  response.body = body.dump(-1, ' ', false,
                            nlohmann::ordered_json::error_handler_t::replace);
  if (!spec.latchkey_extension()) {
    response.headers.emplace_back("x-stack-known-error", ErrorCodeName(code));
  }
  if (code == identity::v1::RATE_LIMITED && error.has_value()) {
    if (auto it = error->details.find("retry_after_seconds");
        it != error->details.end()) {
      response.headers.emplace_back("retry-after", it->second);
    }
  }
  return response;
}

}  // namespace latchkey::service::gateway
