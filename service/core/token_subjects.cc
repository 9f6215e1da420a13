#include "service/core/token_subjects.h"

namespace latchkey::service::core {

TokenSubject SubjectFor(const storage::UserView& user,
                        const identity::v1::ProjectConfig& config,
                        absl::string_view session_id,
                        absl::string_view branch_id) {
  TokenSubject subject;
  subject.project_id = user.user.project_id;
  subject.branch_id = std::string(branch_id);
  subject.user_id = user.user.id;
  subject.session_id = std::string(session_id);
  subject.display_name = user.user.display_name;
  subject.primary_email = user.primary_email;
  subject.primary_email_verified = user.primary_email_verified;
  subject.selected_team_id = user.user.selected_team_id;
  subject.signed_up_at = user.user.signed_up_at;
  subject.is_anonymous = user.user.is_anonymous;
  subject.restricted_by_admin = user.user.restricted_by_admin;
  subject.email_verification_pending = config.require_email_verification() &&
                                       !user.user.is_anonymous &&
                                       !user.primary_email_verified;
  subject.requires_totp_mfa = user.has_totp;
  return subject;
}

}  // namespace latchkey::service::core
