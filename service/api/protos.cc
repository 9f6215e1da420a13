#include "service/api/protos.h"

#include "absl/strings/strip.h"
#include "service/core/access_tokens.h"
#include "service/core/image_urls.h"
#include "service/core/token_subjects.h"
#include "service/json/json_reader.h"

namespace latchkey::service::api {
namespace {

absl::StatusOr<google::protobuf::Value> Metadata(const std::string& text) {
  absl::StatusOr<google::protobuf::Value> value = JsonTextToValue(text);
  if (!value.ok()) return absl::InternalError("stored metadata is not JSON");
  return value;
}

}  // namespace

int64_t Millis(absl::Time time) { return absl::ToUnixMillis(time); }

std::string ImageLinks::Show(absl::string_view kind, absl::string_view owner,
                             absl::string_view stored) const {
  return core::ShownImageUrl(public_url, project_id, kind, owner, stored);
}

ImageLinks ImageLinksFor(absl::string_view public_url,
                         absl::string_view project_id) {
  return ImageLinks{std::string(absl::StripSuffix(public_url, "/")),
                    std::string(project_id)};
}

absl::StatusOr<identity::v1::Team> TeamToProto(const storage::TeamRecord& team,
                                               const ImageLinks& images) {
  identity::v1::Team out;
  out.set_id(team.id);
  out.set_display_name(team.display_name);
  if (team.profile_image_url.has_value()) {
    out.set_profile_image_url(
        images.Show(core::kTeamImage, team.id, *team.profile_image_url));
  }
  auto client = Metadata(team.client_metadata_json);
  auto client_read_only = Metadata(team.client_read_only_metadata_json);
  auto server = Metadata(team.server_metadata_json);
  if (!client.ok()) return client.status();
  if (!client_read_only.ok()) return client_read_only.status();
  if (!server.ok()) return server.status();
  *out.mutable_client_metadata() = *std::move(client);
  *out.mutable_client_read_only_metadata() = *std::move(client_read_only);
  *out.mutable_server_metadata() = *std::move(server);
  out.set_created_at_millis(Millis(team.created_at));
  return out;
}

absl::StatusOr<identity::v1::User> UserToProto(
    const core::UserDetails& details, const identity::v1::ProjectConfig& config,
    const ImageLinks& images) {
  const storage::UserView& view = details.view;
  const storage::UserRecord& user = view.user;
  identity::v1::User out;
  out.set_id(user.id);
  if (view.primary_email.has_value())
    out.set_primary_email(*view.primary_email);
  out.set_primary_email_verified(view.primary_email_verified);
  if (user.display_name.has_value()) out.set_display_name(*user.display_name);
  auto client = Metadata(user.client_metadata_json);
  auto client_read_only = Metadata(user.client_read_only_metadata_json);
  auto server = Metadata(user.server_metadata_json);
  if (!client.ok()) return client.status();
  if (!client_read_only.ok()) return client_read_only.status();
  if (!server.ok()) return server.status();
  *out.mutable_client_metadata() = *std::move(client);
  *out.mutable_client_read_only_metadata() = *std::move(client_read_only);
  *out.mutable_server_metadata() = *std::move(server);
  if (user.profile_image_url.has_value()) {
    out.set_profile_image_url(
        images.Show(core::kUserImage, user.id, *user.profile_image_url));
  }
  out.set_signed_up_at_millis(Millis(user.signed_up_at));
  out.set_has_password(view.has_password);
  // Stack's meaning: the user has an email-based way in (a password or
  // email codes), whether or not the current primary address is used for
  // sign-in.
  out.set_auth_with_email(view.has_password || user.otp_auth_enabled);
  for (const storage::OAuthAccountRecord& account : details.oauth_accounts) {
    identity::v1::OAuthProviderLink* link = out.add_oauth_providers();
    link->set_id(account.provider_id);
    link->set_account_id(account.provider_account_id);
    if (account.email.has_value()) link->set_email(*account.email);
  }
  if (user.selected_team_id.has_value() && details.selected_team.has_value()) {
    out.set_selected_team_id(*user.selected_team_id);
    auto team_proto = TeamToProto(*details.selected_team, images);
    if (!team_proto.ok()) return team_proto.status();
    *out.mutable_selected_team() = *std::move(team_proto);
  }
  out.set_requires_totp_mfa(view.has_totp);
  out.set_otp_auth_enabled(user.otp_auth_enabled);
  out.set_passkey_auth_enabled(user.passkey_auth_enabled);
  out.set_is_anonymous(user.is_anonymous);
  const std::string reason =
      core::RestrictedReasonOf(core::SubjectFor(view, config, ""));
  out.set_is_restricted(!reason.empty());
  if (!reason.empty()) out.mutable_restricted_reason()->set_type(reason);
  out.set_restricted_by_admin(user.restricted_by_admin);
  if (user.restricted_by_admin_reason.has_value()) {
    out.set_restricted_by_admin_reason(*user.restricted_by_admin_reason);
  }
  out.set_primary_email_auth_enabled(view.primary_email_auth_enabled);
  out.set_last_active_at_millis(Millis(user.last_active_at));
  if (user.restricted_by_admin_private_details.has_value()) {
    out.set_restricted_by_admin_private_details(
        *user.restricted_by_admin_private_details);
  }
  if (user.country_code.has_value()) out.set_country_code(*user.country_code);
  out.mutable_risk_scores()->mutable_sign_up()->set_bot(user.risk_score_bot);
  out.mutable_risk_scores()->mutable_sign_up()->set_free_trial_abuse(
      user.risk_score_free_trial_abuse);
  if (user.external_id.has_value()) out.set_external_id(*user.external_id);
  return out;
}

identity::v1::Session SessionToProto(const storage::SessionRecord& session,
                                     bool is_current) {
  identity::v1::Session out;
  out.set_id(session.id);
  out.set_user_id(session.user_id);
  out.set_created_at(Millis(session.created_at));
  out.set_is_impersonation(session.is_impersonation);
  if (session.last_used_at.has_value()) {
    out.set_last_used_at(Millis(*session.last_used_at));
  }
  out.set_is_current_session(is_current);
  return out;
}

}  // namespace latchkey::service::api
