#ifndef STORAGE_ERRORS_H_
#define STORAGE_ERRORS_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

// How storage errors carry machine-readable detail next to their canonical
// code, so services can tell "this email is taken" from "this id is taken"
// without parsing messages.
namespace latchkey::storage {

// ALREADY_EXISTS naming the violated unique constraint (e.g.
// "contact_channels_auth_unique"); ViolatedConstraint() reads it back.
absl::Status UniqueViolationError(std::string_view constraint,
                                  std::string_view detail);

// NOT_FOUND for a foreign key that points at a missing row.
absl::Status ForeignKeyViolationError(std::string_view constraint,
                                      std::string_view detail);

// ABORTED marked as safe to retry from the start of the transaction (lock
// conflicts, serialization failures, SQLITE_BUSY).
absl::Status RetryableConflictError(std::string_view detail);

// True for errors made by RetryableConflictError.
bool IsRetryableConflict(const absl::Status& status);

// The constraint an ALREADY_EXISTS or NOT_FOUND error from storage names,
// or nullopt when it names none.
std::optional<std::string> ViolatedConstraint(const absl::Status& status);

}  // namespace latchkey::storage

#endif  // STORAGE_ERRORS_H_
