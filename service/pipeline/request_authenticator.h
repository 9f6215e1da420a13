#ifndef SERVICE_PIPELINE_REQUEST_AUTHENTICATOR_H_
#define SERVICE_PIPELINE_REQUEST_AUTHENTICATOR_H_

#include <optional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "identity/v1/options.pb.h"
#include "service/core/access_tokens.h"
#include "service/core/project_directory.h"
#include "service/pipeline/call_context.h"

namespace latchkey::service {

// Request authentication, driven by each RPC's identity.v1.access rule: the
// one place that decides who is calling, run by the dispatcher before every
// method so that no method can skip it. Fills CallContext::caller() on
// success. Thread-safe; the directory and verifier must outlive it.
//
// The checks run in Stack Auth's order (docs/stack-wire-format.md):
//  1. a key sent without an access type;
//  2. a bad access type;
//  3. an access type without a project id (or none at all);
//  4. the access token: parse, project match, then the anonymous gate
//     (x-stack-allow-anonymous-user) and the restricted gate
//     (x-stack-allow-restricted-user);
//  5. an unknown project;
//  6. the key for the access type: client needs the publishable client key
//     only when the project requires it (but one that is sent must be
//     valid); server the secret server key; admin the super-secret admin
//     key or an admin access token of an internal-project user who
//     administers the project;
//  7. an unknown branch;
// then whether the method allows the access type, and whether it needs a
// signed-in user.
class RequestAuthenticator {
 public:
  RequestAuthenticator(core::ProjectDirectory& projects,
                       const core::AccessTokenVerifier& tokens)
      : projects_(projects), tokens_(tokens) {}

  // OK with context.caller() filled in, or the catalogue error of the first
  // failed check; UNAVAILABLE when the database cannot be reached.
  absl::Status Authenticate(const identity::v1::AccessRule& rule,
                            CallContext& context) const;

  // "client" -> ACCESS_TYPE_CLIENT, ...; nullopt for anything else.
  static std::optional<identity::v1::AccessType> ParseAccessType(
      absl::string_view text);
  // ACCESS_TYPE_CLIENT -> "client", ...
  static absl::string_view AccessTypeName(identity::v1::AccessType type);

 private:
  absl::Status CheckKey(const core::ProjectSnapshot& project,
                        identity::v1::AccessType type,
                        CallContext& context) const;

  core::ProjectDirectory& projects_;
  const core::AccessTokenVerifier& tokens_;
};

}  // namespace latchkey::service

#endif  // SERVICE_PIPELINE_REQUEST_AUTHENTICATOR_H_
