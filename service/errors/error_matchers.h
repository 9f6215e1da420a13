#ifndef SERVICE_ERRORS_ERROR_MATCHERS_H_
#define SERVICE_ERRORS_ERROR_MATCHERS_H_

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "identity/v1/errors.pb.h"
#include "service/errors/api_error.h"

namespace latchkey::service {

// The catalogue code a status carries; ERROR_CODE_UNSPECIFIED for OK and
// for statuses made without ApiError.
inline identity::v1::ErrorCode ErrorCodeOf(const absl::Status& status) {
  std::optional<ApiErrorView> error = ReadApiError(status);
  return error.has_value() ? error->code : identity::v1::ERROR_CODE_UNSPECIFIED;
}

namespace error_matchers_internal {

inline const absl::Status& StatusOf(const absl::Status& status) {
  return status;
}
template <typename T>
const absl::Status& StatusOf(const absl::StatusOr<T>& result) {
  return result.status();
}

// What a failure message shows of a status: its catalogue code by name, or
// the status itself when it carries none.
inline std::string Describe(const absl::Status& status) {
  std::optional<ApiErrorView> error = ReadApiError(status);
  if (!error.has_value())
    return "no catalogue error (" + status.ToString() + ")";
  return ErrorCodeName(error->code);
}

}  // namespace error_matchers_internal

// Matches an absl::Status or absl::StatusOr<T> that carries the catalogue
// error `code`:
//   EXPECT_THAT(result, HasErrorCode(identity::v1::USER_NOT_FOUND));
MATCHER_P(HasErrorCode, code,
          std::string(negation ? "does not carry " : "carries ") +
              ErrorCodeName(code)) {
  const absl::Status& status = error_matchers_internal::StatusOf(arg);
  *result_listener << "which carries "
                   << error_matchers_internal::Describe(status);
  return ErrorCodeOf(status) == code;
}

// Matches a status (or StatusOr) whose catalogue error has the detail
// `name` equal to `value`.
MATCHER_P2(HasErrorDetail, name, value,
           std::string(negation ? "has no " : "has ") + "detail " +
               std::string(name) + "=" + std::string(value)) {
  const absl::Status& status = error_matchers_internal::StatusOf(arg);
  std::optional<ApiErrorView> error = ReadApiError(status);
  if (!error.has_value()) {
    *result_listener << "which carries "
                     << error_matchers_internal::Describe(status);
    return false;
  }
  auto found = error->details.find(std::string(name));
  if (found == error->details.end()) {
    *result_listener << "which has no detail " << name;
    return false;
  }
  *result_listener << "whose " << name << " is " << found->second;
  return found->second == std::string(value);
}

}  // namespace latchkey::service

#endif  // SERVICE_ERRORS_ERROR_MATCHERS_H_
