#ifndef SERVICE_ERRORS_API_ERROR_H_
#define SERVICE_ERRORS_API_ERROR_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "identity/v1/errors.pb.h"
#include "identity/v1/options.pb.h"

namespace latchkey::service {

// Detail values by the catalogue's detail names, as strings (JSON text for
// DETAIL_TYPE_JSON details). A nullable detail left out is null on REST.
using ErrorDetails = std::map<std::string, std::string>;

// The domain every Latchkey google.rpc.ErrorInfo carries.
inline constexpr absl::string_view kErrorDomain = "latchkey.dev";

// The type URL under which the ErrorInfo rides in an absl::Status payload
// (and in google.rpc.Status.details on the wire).
inline constexpr absl::string_view kErrorInfoTypeUrl =
    "type.googleapis.com/google.rpc.ErrorInfo";

// Makes the status for a catalogue error: the canonical code and default text
// from the code's ErrorSpec (errors.proto), with an ErrorInfo payload naming
// the code and carrying `details`. `message` replaces the default text when
// not empty. Details must be among the spec's names: a mistake there is a
// programming error and is dropped (and caught by api_error_test).
absl::Status ApiError(identity::v1::ErrorCode code, ErrorDetails details = {},
                      absl::string_view message = {});

// SCHEMA_ERROR with `message` as both its "message" detail and its text:
// the one shape every refusal of a malformed request takes.
absl::Status SchemaError(absl::string_view message);

// A catalogue error read back from a status.
struct ApiErrorView {
  identity::v1::ErrorCode code = identity::v1::ERROR_CODE_UNSPECIFIED;
  ErrorDetails details;
  std::string message;
};

// The catalogue error a status carries, or nullopt for OK and for statuses
// made without ApiError (e.g. from storage).
std::optional<ApiErrorView> ReadApiError(const absl::Status& status);

// What a caller may be told about any non-OK status: the status itself when
// it is a catalogue error, otherwise the generic catalogue error for its
// canonical code (INTERNAL_ERROR, SERVICE_UNAVAILABLE, ...) with the generic
// text, so that internal messages never leak. OK maps to OK.
absl::Status ToPublicError(const absl::Status& status);

// The spec of a code; the empty spec for unknown values.
const identity::v1::ErrorSpec& SpecOf(identity::v1::ErrorCode code);

// The code's name, e.g. "SCHEMA_ERROR"; empty for unknown values.
const std::string& ErrorCodeName(identity::v1::ErrorCode code);

// Looks a code up by name; nullopt when there is none.
std::optional<identity::v1::ErrorCode> ErrorCodeFromName(
    absl::string_view name);

}  // namespace latchkey::service

#endif  // SERVICE_ERRORS_API_ERROR_H_
