#ifndef SERVICE_CORE_ANONYMOUS_SIGN_UP_H_
#define SERVICE_CORE_ANONYMOUS_SIGN_UP_H_

#include <string>

#include "absl/status/statusor.h"
#include "service/core/project_directory.h"
#include "service/core/sign_in_services.h"
#include "service/core/start_session.h"

namespace latchkey::service::core {

// A guest account: a user with no credentials and its first session.
//  - ANONYMOUS_ACCOUNTS_NOT_ENABLED unless the project allows them;
//  - the per-address limit ("anonymous_sign_up_ip:<address>",
//    anonymous_sign_up_per_ip), since each call creates a row;
//  - the user and its session in one transaction (a user nobody can ever
//    sign in as would be litter).
class AnonymousSignUp {
 public:
  struct Input {
    const ProjectSnapshot& project;
    // The caller's address (CallContext::client_ip()).
    std::string client_ip;
  };

  explicit AnonymousSignUp(SignInServices services) : services_(services) {}

  absl::StatusOr<SignedIn> Run(const Input& input) const;

 private:
  const SignInServices services_;
};

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_ANONYMOUS_SIGN_UP_H_
