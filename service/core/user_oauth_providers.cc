#include "service/core/user_oauth_providers.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "crypto/random.h"
#include "service/core/emails.h"
#include "service/core/oauth_providers.h"
#include "service/errors/api_error.h"
#include "storage/errors.h"

namespace latchkey::service::core {
namespace {

using storage::OAuthAccountRecord;

// The user the call names: "me" is the actor's own. A client must have a
// user of its own whatever it names, and may name only that one.
absl::StatusOr<std::string> ResolveUser(const LinkActor& actor,
                                        const std::string& requested) {
  if ((actor.client || requested == "me") && actor.user_id.empty()) {
    return ApiError(identity::v1::CANNOT_GET_OWN_USER_WITHOUT_USER);
  }
  std::string user_id = requested == "me" ? actor.user_id : requested;
  if (actor.client && user_id != actor.user_id) {
    return ApiError(identity::v1::CLIENT_CANNOT_ACCESS_OTHER_USERS, {},
                    "A client can only act on its own user's OAuth provider "
                    "accounts.");
  }
  return user_id;
}

// Link ids are UUIDs (as Latchkey makes them); anything else is a malformed
// request rather than an unknown link, as in Stack.
absl::Status CheckLinkId(const std::string& id) {
  if (crypto::IsUuid(id)) return absl::OkStatus();
  return SchemaError("params.oauth_provider_id must be a UUID");
}

absl::Status CheckEmail(const std::optional<std::string>& email,
                        const char* field) {
  if (!email.has_value() || IsValidEmail(*email)) return absl::OkStatus();
  return SchemaError(absl::StrCat(field, " must be an email address"));
}

absl::Status CheckAccountId(const std::string& account_id, const char* field) {
  if (!account_id.empty()) return absl::OkStatus();
  return SchemaError(absl::StrCat(field, " must not be empty"));
}

absl::Status UserMissing(const std::string& user_id) {
  return ApiError(identity::v1::USER_ID_DOES_NOT_EXIST, {{"user_id", user_id}});
}

absl::Status LinkMissing(const std::string& link_id) {
  return ApiError(
      identity::v1::USER_OAUTH_PROVIDER_NOT_FOUND, {},
      absl::StrCat("The user has no OAuth provider account with id ", link_id,
                   "."));
}

// The user as stored, or USER_ID_DOES_NOT_EXIST.
absl::StatusOr<storage::UserView> UserOf(storage::Repositories& repos,
                                         const std::string& project_id,
                                         const std::string& user_id) {
  absl::StatusOr<storage::UserView> user =
      repos.users().Get(project_id, user_id);
  if (user.status().code() == absl::StatusCode::kNotFound) {
    return UserMissing(user_id);
  }
  return user;
}

// The user's link `link_id`, or USER_OAUTH_PROVIDER_NOT_FOUND (also for
// another user's).
absl::StatusOr<OAuthAccountRecord> LinkOf(storage::Repositories& repos,
                                          const std::string& project_id,
                                          const std::string& user_id,
                                          const std::string& link_id) {
  absl::StatusOr<OAuthAccountRecord> link =
      repos.oauth_accounts().Get(project_id, link_id);
  if (link.status().code() == absl::StatusCode::kNotFound ||
      (link.ok() && link->user_id != user_id)) {
    return LinkMissing(link_id);
  }
  return link;
}

// Stack's rules for `link` as it is about to be written (new, or changed).
// As in Stack, "one account per provider signs in" is checked when the
// request asks for sign-in, so links made before (the callback's type=link
// makes links that sign in) can still be changed otherwise.
absl::Status CheckLinkRules(storage::Repositories& repos,
                            const OAuthAccountRecord& link,
                            bool asks_for_sign_in) {
  const std::string& project_id = link.project_id;
  if (asks_for_sign_in) {
    LATCHKEY_ASSIGN_OR_RETURN(
        std::vector<OAuthAccountRecord> own,
        repos.oauth_accounts().ListForUser(project_id, link.user_id));
    for (const OAuthAccountRecord& other : own) {
      if (other.id != link.id && other.provider_id == link.provider_id &&
          other.allow_sign_in) {
        return ApiError(
            identity::v1::USER_ALREADY_SIGNS_IN_WITH_OAUTH_PROVIDER,
            {{"provider_config_id", link.provider_id}},
            absl::StrCat("The user already signs in with another account at "
                         "OAuth provider ",
                         link.provider_id,
                         "; turn that account's sign-in off first."));
      }
    }
  }
  absl::StatusOr<OAuthAccountRecord> holder =
      repos.oauth_accounts().FindByProviderAccount(project_id, link.provider_id,
                                                   link.provider_account_id);
  if (holder.status().code() == absl::StatusCode::kNotFound) {
    return absl::OkStatus();
  }
  if (!holder.ok()) return holder.status();
  if (holder->id == link.id) return absl::OkStatus();
  if (holder->user_id == link.user_id) {
    return ApiError(identity::v1::USER_OAUTH_PROVIDER_ALREADY_EXISTS,
                    {{"provider_config_id", link.provider_id}},
                    absl::StrCat("The user already has this account at OAuth "
                                 "provider ",
                                 link.provider_id, "."));
  }
  if (link.allow_sign_in && holder->allow_sign_in) {
    return ApiError(
        identity::v1::OAUTH_PROVIDER_ACCOUNT_ID_ALREADY_USED_FOR_SIGN_IN);
  }
  return ApiError(
      identity::v1::OAUTH_CONNECTION_ALREADY_CONNECTED_TO_ANOTHER_USER, {},
      absl::StrCat("This account at OAuth provider ", link.provider_id,
                   " is linked to another user of the project; a provider "
                   "account links to one user only."));
}

// A write's unique-index violation (a concurrent write won after the
// checks) as the rules' error; other statuses unchanged.
absl::Status ConflictOr(const absl::Status& status) {
  if (storage::ViolatedConstraint(status) == "oauth_accounts_provider_unique") {
    return ApiError(
        identity::v1::OAUTH_CONNECTION_ALREADY_CONNECTED_TO_ANOTHER_USER);
  }
  return status;
}

// Whether the user can still sign in without the link `except_link_id`:
// another link that signs in, a password or email codes with an email that
// signs in, or a passkey with passkey sign-in on.
absl::StatusOr<bool> HasOtherSignInMethod(storage::Repositories& repos,
                                          const storage::UserView& user,
                                          const std::string& except_link_id) {
  const std::string& project_id = user.user.project_id;
  const std::string& user_id = user.user.id;
  LATCHKEY_ASSIGN_OR_RETURN(
      std::vector<OAuthAccountRecord> links,
      repos.oauth_accounts().ListForUser(project_id, user_id));
  for (const OAuthAccountRecord& link : links) {
    if (link.id != except_link_id && link.allow_sign_in) return true;
  }
  if (user.has_password || user.user.otp_auth_enabled) {
    LATCHKEY_ASSIGN_OR_RETURN(
        std::vector<storage::ContactChannelRecord> channels,
        repos.contact_channels().ListForUser(project_id, user_id));
    for (const storage::ContactChannelRecord& channel : channels) {
      if (channel.used_for_auth) return true;
    }
  }
  if (user.user.passkey_auth_enabled) {
    LATCHKEY_ASSIGN_OR_RETURN(
        std::vector<storage::PasskeyRecord> passkeys,
        repos.passkeys().ListForUser(project_id, user_id));
    if (!passkeys.empty()) return true;
  }
  return false;
}

absl::Status RequireOtherSignInMethod(storage::Repositories& repos,
                                      const storage::UserView& user,
                                      const std::string& link_id) {
  LATCHKEY_ASSIGN_OR_RETURN(bool other,
                            HasOtherSignInMethod(repos, user, link_id));
  if (other) return absl::OkStatus();
  return ApiError(identity::v1::CANNOT_REMOVE_LAST_SIGN_IN_METHOD);
}

}  // namespace

absl::StatusOr<std::optional<std::string>> UserOAuthProviders::TypeOf(
    const ProjectSnapshot& project, const std::string& provider_id) const {
  LATCHKEY_ASSIGN_OR_RETURN(std::optional<std::string> type,
                            deps_.provider_type(project, provider_id));
  if (type.has_value()) return type;
  // A provider removed from the project: its links keep showing when the
  // id names a type, as Stack does.
  if (provider_id != "oidc" && IsSupportedProviderType(provider_id)) {
    return provider_id;
  }
  return std::nullopt;
}

absl::StatusOr<std::vector<UserOAuthProvider>> UserOAuthProviders::List(
    const ProjectSnapshot& project, const LinkActor& actor,
    const std::optional<std::string>& user_id) const {
  std::optional<std::string> owner;
  if (user_id.has_value()) {
    LATCHKEY_ASSIGN_OR_RETURN(owner, ResolveUser(actor, *user_id));
  } else if (actor.client) {
    // A client may list only its own links, and must say so.
    if (actor.user_id.empty()) {
      return ApiError(identity::v1::CANNOT_GET_OWN_USER_WITHOUT_USER);
    }
    return ApiError(identity::v1::CLIENT_CANNOT_ACCESS_OTHER_USERS, {},
                    "A client must name its own user (user_id=me) to list "
                    "OAuth provider accounts.");
  }
  const std::string& project_id = project.project.id;
  std::vector<OAuthAccountRecord> links;
  LATCHKEY_RETURN_IF_ERROR(
      deps_.database.Run([&](storage::Repositories& repos) -> absl::Status {
        if (owner.has_value()) {
          LATCHKEY_RETURN_IF_ERROR(UserOf(repos, project_id, *owner).status());
          LATCHKEY_ASSIGN_OR_RETURN(
              links, repos.oauth_accounts().ListForUser(project_id, *owner));
        } else {
          LATCHKEY_ASSIGN_OR_RETURN(
              links, repos.oauth_accounts().ListForProject(project_id));
        }
        return absl::OkStatus();
      }));
  std::map<std::string, std::optional<std::string>> types;
  std::vector<UserOAuthProvider> out;
  for (OAuthAccountRecord& link : links) {
    auto type = types.find(link.provider_id);
    if (type == types.end()) {
      LATCHKEY_ASSIGN_OR_RETURN(std::optional<std::string> found,
                                TypeOf(project, link.provider_id));
      type = types.emplace(link.provider_id, std::move(found)).first;
    }
    if (!type->second.has_value()) continue;
    out.push_back({std::move(link), *type->second});
  }
  return out;
}

absl::StatusOr<UserOAuthProvider> UserOAuthProviders::Create(
    const ProjectSnapshot& project, const LinkActor& actor,
    const CreateInput& input) const {
  LATCHKEY_ASSIGN_OR_RETURN(std::string user_id,
                            ResolveUser(actor, input.user_id));
  if (!input.allow_sign_in.has_value()) {
    return SchemaError("body.allow_sign_in is required");
  }
  if (!input.allow_connected_accounts.has_value()) {
    return SchemaError("body.allow_connected_accounts is required");
  }
  LATCHKEY_RETURN_IF_ERROR(CheckAccountId(input.account_id, "body.account_id"));
  LATCHKEY_RETURN_IF_ERROR(CheckEmail(input.email, "body.email"));
  LATCHKEY_ASSIGN_OR_RETURN(
      std::optional<std::string> type,
      deps_.provider_type(project, input.provider_config_id));
  if (!type.has_value()) {
    return ApiError(identity::v1::OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED, {},
                    absl::StrCat("The project has no OAuth provider with id ",
                                 input.provider_config_id, "."));
  }
  const std::string& project_id = project.project.id;
  OAuthAccountRecord link;
  LATCHKEY_ASSIGN_OR_RETURN(link.id, crypto::RandomUuidV4());
  link.project_id = project_id;
  link.user_id = user_id;
  link.provider_id = input.provider_config_id;
  link.provider_account_id = input.account_id;
  link.email = input.email;
  link.allow_sign_in = *input.allow_sign_in;
  link.allow_connected_accounts = *input.allow_connected_accounts;
  link.created_at = deps_.clock.Now();
  LATCHKEY_RETURN_IF_ERROR(deps_.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_RETURN_IF_ERROR(UserOf(repos, project_id, user_id).status());
        LATCHKEY_RETURN_IF_ERROR(
            CheckLinkRules(repos, link, link.allow_sign_in));
        return ConflictOr(repos.oauth_accounts().Create(link));
      }));
  return UserOAuthProvider{std::move(link), *std::move(type)};
}

absl::StatusOr<UserOAuthProvider> UserOAuthProviders::Get(
    const ProjectSnapshot& project, const LinkActor& actor,
    const std::string& user_id, const std::string& link_id) const {
  LATCHKEY_ASSIGN_OR_RETURN(std::string owner, ResolveUser(actor, user_id));
  LATCHKEY_RETURN_IF_ERROR(CheckLinkId(link_id));
  const std::string& project_id = project.project.id;
  std::optional<OAuthAccountRecord> link;
  LATCHKEY_RETURN_IF_ERROR(
      deps_.database.Run([&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_RETURN_IF_ERROR(UserOf(repos, project_id, owner).status());
        LATCHKEY_ASSIGN_OR_RETURN(link,
                                  LinkOf(repos, project_id, owner, link_id));
        return absl::OkStatus();
      }));
  LATCHKEY_ASSIGN_OR_RETURN(std::optional<std::string> type,
                            TypeOf(project, link->provider_id));
  if (!type.has_value()) return LinkMissing(link_id);
  return UserOAuthProvider{*std::move(link), *std::move(type)};
}

absl::StatusOr<UserOAuthProvider> UserOAuthProviders::Update(
    const ProjectSnapshot& project, const LinkActor& actor,
    const std::string& user_id, const std::string& link_id,
    const Changes& changes) const {
  if (changes.account_id.has_value()) {
    LATCHKEY_RETURN_IF_ERROR(
        CheckAccountId(*changes.account_id, "body.account_id"));
  }
  LATCHKEY_RETURN_IF_ERROR(CheckEmail(changes.email, "body.email"));
  // Reads the link and its provider's type first (outside the write, which
  // re-reads it): a link whose provider is gone cannot be shown, so it is
  // not changed either.
  LATCHKEY_ASSIGN_OR_RETURN(UserOAuthProvider current,
                            Get(project, actor, user_id, link_id));
  const std::string& project_id = project.project.id;
  const std::string& owner = current.link.user_id;
  std::optional<OAuthAccountRecord> result;
  LATCHKEY_RETURN_IF_ERROR(deps_.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_ASSIGN_OR_RETURN(storage::UserView user,
                                  UserOf(repos, project_id, owner));
        LATCHKEY_ASSIGN_OR_RETURN(OAuthAccountRecord link,
                                  LinkOf(repos, project_id, owner, link_id));
        const bool signed_in_before = link.allow_sign_in;
        if (changes.allow_sign_in.has_value()) {
          link.allow_sign_in = *changes.allow_sign_in;
        }
        if (changes.allow_connected_accounts.has_value()) {
          link.allow_connected_accounts = *changes.allow_connected_accounts;
        }
        if (changes.email.has_value()) link.email = changes.email;
        if (changes.account_id.has_value()) {
          link.provider_account_id = *changes.account_id;
        }
        LATCHKEY_RETURN_IF_ERROR(
            CheckLinkRules(repos, link, changes.allow_sign_in.value_or(false)));
        if (signed_in_before && !link.allow_sign_in) {
          LATCHKEY_RETURN_IF_ERROR(
              RequireOtherSignInMethod(repos, user, link.id));
        }
        LATCHKEY_RETURN_IF_ERROR(
            ConflictOr(repos.oauth_accounts().Update(link)));
        result = std::move(link);
        return absl::OkStatus();
      }));
  return UserOAuthProvider{*std::move(result), std::move(current.type)};
}

absl::Status UserOAuthProviders::Delete(const ProjectSnapshot& project,
                                        const LinkActor& actor,
                                        const std::string& user_id,
                                        const std::string& link_id) const {
  LATCHKEY_ASSIGN_OR_RETURN(std::string owner, ResolveUser(actor, user_id));
  LATCHKEY_RETURN_IF_ERROR(CheckLinkId(link_id));
  const std::string& project_id = project.project.id;
  return deps_.database.RunInTransaction([&](storage::Repositories& repos)
                                             -> absl::Status {
    LATCHKEY_ASSIGN_OR_RETURN(storage::UserView user,
                              UserOf(repos, project_id, owner));
    LATCHKEY_ASSIGN_OR_RETURN(OAuthAccountRecord link,
                              LinkOf(repos, project_id, owner, link_id));
    if (link.allow_sign_in) {
      LATCHKEY_RETURN_IF_ERROR(RequireOtherSignInMethod(repos, user, link.id));
    }
    absl::Status deleted = repos.oauth_accounts().Delete(project_id, link_id);
    if (deleted.code() == absl::StatusCode::kNotFound) {
      return LinkMissing(link_id);
    }
    return deleted;
  });
}

}  // namespace latchkey::service::core
