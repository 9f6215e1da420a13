#ifndef COMMON_STATUS_MACROS_H_
#define COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Returns from the enclosing function when `expr` (an absl::Status) is not OK.
#define LATCHKEY_RETURN_IF_ERROR(expr)                                      \
  do {                                                                      \
    if (::absl::Status latchkey_status_ = (expr); !latchkey_status_.ok()) { \
      return latchkey_status_;                                              \
    }                                                                       \
  } while (false)

#define LATCHKEY_STATUS_CONCAT_INNER_(a, b) a##b
#define LATCHKEY_STATUS_CONCAT_(a, b) LATCHKEY_STATUS_CONCAT_INNER_(a, b)

// `LATCHKEY_ASSIGN_OR_RETURN(auto x, F());` assigns the value of an
// absl::StatusOr to `lhs`, or returns its status from the enclosing function.
#define LATCHKEY_ASSIGN_OR_RETURN(lhs, rexpr) \
  LATCHKEY_ASSIGN_OR_RETURN_IMPL_(            \
      LATCHKEY_STATUS_CONCAT_(latchkey_statusor_, __LINE__), lhs, rexpr)

#define LATCHKEY_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                    \
  if (!statusor.ok()) {                                       \
    return std::move(statusor).status();                      \
  }                                                           \
  lhs = std::move(statusor).value()

#endif  // COMMON_STATUS_MACROS_H_
