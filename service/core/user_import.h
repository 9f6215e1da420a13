#ifndef SERVICE_CORE_USER_IMPORT_H_
#define SERVICE_CORE_USER_IMPORT_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "identity/v1/errors.pb.h"
#include "storage/database.h"

namespace latchkey::service::core {

// One user from another system. Metadata is JSON text.
struct ImportRow {
  // Set: a user imported before with this id is updated instead.
  std::optional<std::string> external_id;
  // As sent; normalised here.
  std::optional<std::string> primary_email;
  bool primary_email_verified = false;
  std::optional<std::string> display_name;
  std::optional<std::string> profile_image_url;
  std::optional<std::string> client_metadata_json;
  std::optional<std::string> client_read_only_metadata_json;
  std::optional<std::string> server_metadata_json;
  // bcrypt ($2a$/$2b$/$2y$) or argon2id PHC, stored as given.
  std::optional<std::string> password_hash;
  std::optional<absl::Time> signed_up_at;
};

enum class ImportOutcome { kCreated, kUpdated, kFailed };

struct ImportRowResult {
  ImportOutcome outcome = ImportOutcome::kFailed;
  // For kCreated and kUpdated.
  std::string user_id;
  // For kFailed: what was wrong with the row, from the catalogue.
  identity::v1::ErrorCode error_code = identity::v1::ERROR_CODE_UNSPECIFIED;
  std::string error_message;
};

struct ImportResult {
  // One per row, in order.
  std::vector<ImportRowResult> rows;
  int created = 0;
  int updated = 0;
  int failed = 0;
};

// UserService.ImportUsers: users from another system, each row checked on
// its own (email, hash shape, external id), then written in its own
// transaction, so a bad row never stops the others. Importing the same
// external id again updates that user with what the row carries; a row
// without one always creates. Thread-safe; every member must outlive it.
class UserImport {
 public:
  UserImport(storage::Database& database, const common::Clock& clock)
      : database_(database), clock_(clock) {}

  // Fails as a whole only when the database does (rows before it are
  // kept); a row's own fault (SCHEMA_ERROR naming body.users[i].<field>,
  // USER_EMAIL_ALREADY_EXISTS, ...) is that row's result.
  absl::StatusOr<ImportResult> Run(const std::string& project_id,
                                   const std::vector<ImportRow>& rows) const;

 private:
  storage::Database& database_;
  const common::Clock& clock_;
};

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_USER_IMPORT_H_
