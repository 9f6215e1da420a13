#ifndef SERVICE_CORE_BOOTSTRAP_H_
#define SERVICE_CORE_BOOTSTRAP_H_

#include <string>

#include "absl/status/status.h"
#include "common/clock.h"
#include "storage/database.h"

namespace latchkey::service::core {

// Keys for the internal project given by the operator (empty: none).
struct BootstrapKeys {
  std::string publishable_client_key;
  std::string secret_server_key;
  std::string super_secret_admin_key;
};

// Makes sure the internal project exists with its default permission
// definitions (default_permissions.h), and that every given key is a
// live key of it (creating a key set for any that is not stored yet, as
// hash and last four characters only). Idempotent and safe when several
// replicas start at once. Returns the database's error.
absl::Status EnsureInternalProject(storage::Database& database,
                                   const BootstrapKeys& keys,
                                   const common::Clock& clock);

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_BOOTSTRAP_H_
