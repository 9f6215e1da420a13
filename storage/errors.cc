#include "storage/errors.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "common/string_views.h"
#include "storage/sql.h"

namespace latchkey::storage {
namespace {

constexpr char kConstraintUrl[] = "type.latchkey.dev/storage.constraint";
constexpr char kRetryableUrl[] = "type.latchkey.dev/storage.retryable";

}  // namespace

absl::Status UniqueViolationError(std::string_view constraint,
                                  std::string_view detail) {
  absl::Status status = absl::AlreadyExistsError(
      absl::StrCat("unique constraint ", common::Absl(constraint),
                   " violated: ", common::Absl(detail)));
  status.SetPayload(kConstraintUrl, absl::Cord(common::Absl(constraint)));
  return status;
}

absl::Status ForeignKeyViolationError(std::string_view constraint,
                                      std::string_view detail) {
  absl::Status status = absl::NotFoundError(
      absl::StrCat("referenced row does not exist (foreign key ",
                   common::Absl(constraint), "): ", common::Absl(detail)));
  status.SetPayload(kConstraintUrl, absl::Cord(common::Absl(constraint)));
  return status;
}

absl::Status RetryableConflictError(std::string_view detail) {
  absl::Status status = absl::AbortedError(absl::StrCat(
      "transaction conflict, safe to retry: ", common::Absl(detail)));
  status.SetPayload(kRetryableUrl, absl::Cord("1"));
  return status;
}

bool IsRetryableConflict(const absl::Status& status) {
  return status.code() == absl::StatusCode::kAborted &&
         status.GetPayload(kRetryableUrl).has_value();
}

std::optional<std::string> ViolatedConstraint(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kConstraintUrl);
  if (!payload.has_value()) return std::nullopt;
  return std::string(*payload);
}

}  // namespace latchkey::storage
