#ifndef SERVICE_CORE_TOKEN_SUBJECTS_H_
#define SERVICE_CORE_TOKEN_SUBJECTS_H_

#include "absl/strings/string_view.h"
#include "identity/v1/project.pb.h"
#include "service/core/access_tokens.h"
#include "storage/records.h"

namespace latchkey::service::core {

// What a token issued now says about `user`, in `session`, under the
// project's configuration (which decides whether unverified email
// restricts the user). Pure; thread-safe.
TokenSubject SubjectFor(const storage::UserView& user,
                        const identity::v1::ProjectConfig& config,
                        absl::string_view session_id,
                        absl::string_view branch_id = "main");

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_TOKEN_SUBJECTS_H_
