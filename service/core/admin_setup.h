#ifndef SERVICE_CORE_ADMIN_SETUP_H_
#define SERVICE_CORE_ADMIN_SETUP_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "service/core/project_directory.h"
#include "service/core/sign_in_services.h"
#include "service/core/start_session.h"

namespace latchkey::service::core {

// The internal project's first administrator, and the operator's way back
// in when every administrator lost their password. Thread-safe.
class AdminSetup {
 public:
  struct SetupInput {
    std::string display_name;
    // As typed; normalised here.
    std::string email;
    std::string password;
  };

  struct RecoverInput {
    // The key the caller presents.
    std::string recovery_key;
    std::string email;
    std::string new_password;
    // The caller's address (CallContext::client_ip()).
    std::string client_ip;
  };

  // `recovery_key`: the operator's configured key; none or empty turns
  // recovery off.
  AdminSetup(SignInServices services, ProjectDirectory& projects,
             std::optional<std::string> recovery_key)
      : services_(services),
        projects_(projects),
        recovery_key_(std::move(recovery_key)) {}

  // SETUP_ALREADY_COMPLETED once the internal project has a human user,
  // answered before any validation or hashing so that this public route
  // costs one indexed count after setup. Then the display name (SCHEMA_ERROR
  // when empty), the email, the password policy, the hash, and in one
  // serializable transaction (two racing setups cannot both commit): the
  // user, the owner team when the project has none ("Administrators"), the
  // membership with the team creator's default permissions, a session.
  absl::StatusOr<SignedIn> Setup(const SetupInput& input) const;

  // RECOVERY_NOT_ENABLED without a configured key; per-address (5) and
  // global (50) attempts per 15 minutes; INVALID_RECOVERY_KEY (compared in
  // constant time over digests); USER_NOT_FOUND for an email with no
  // account; then the new password, and every session of that user ends.
  absl::Status Recover(const RecoverInput& input) const;

 private:
  const SignInServices services_;
  ProjectDirectory& projects_;
  const std::optional<std::string> recovery_key_;
};

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_ADMIN_SETUP_H_
