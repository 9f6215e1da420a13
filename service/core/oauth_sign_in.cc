#include "service/core/oauth_sign_in.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "crypto/encoding.h"
#include "crypto/hashing.h"
#include "crypto/random.h"
#include "nlohmann/json.hpp"
#include "service/core/emails.h"
#include "service/core/mfa_sign_in.h"
#include "service/core/oauth_client_secrets.h"
#include "service/core/personal_team.h"
#include "service/core/redirect_urls.h"
#include "service/core/users.h"
#include "service/errors/api_error.h"

namespace latchkey::service::core {
namespace {

// What Authorize stores for Callback, under the hash of the inner state.
struct Pending {
  std::string provider_id;
  std::string redirect_uri;
  std::string state;
  std::string code_challenge;
  std::string code_challenge_method;
  std::string type;
  std::optional<std::string> user_id;
  bool user_is_anonymous = false;
  std::string error_redirect_url;
  std::string after_callback_redirect_url;
  std::string inner_verifier;
  std::string nonce;
  bool json_mode = false;

  nlohmann::json ToJson() const {
    nlohmann::json out = {
        {"provider_id", provider_id},
        {"redirect_uri", redirect_uri},
        {"state", state},
        {"code_challenge", code_challenge},
        {"code_challenge_method", code_challenge_method},
        {"type", type},
        {"user_is_anonymous", user_is_anonymous},
        {"error_redirect_url", error_redirect_url},
        {"after_callback_redirect_url", after_callback_redirect_url},
        {"inner_verifier", inner_verifier},
        {"nonce", nonce},
        {"json_mode", json_mode}};
    if (user_id.has_value()) out["user_id"] = *user_id;
    return out;
  }

  static std::optional<Pending> FromJson(const std::string& text) {
    nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_object()) return std::nullopt;
    Pending p;
    try {
      p.provider_id = j.at("provider_id").get<std::string>();
      p.redirect_uri = j.at("redirect_uri").get<std::string>();
      p.state = j.at("state").get<std::string>();
      p.code_challenge = j.at("code_challenge").get<std::string>();
      p.code_challenge_method =
          j.at("code_challenge_method").get<std::string>();
      p.type = j.at("type").get<std::string>();
      if (j.contains("user_id")) p.user_id = j.at("user_id").get<std::string>();
      p.user_is_anonymous = j.at("user_is_anonymous").get<bool>();
      p.error_redirect_url = j.at("error_redirect_url").get<std::string>();
      p.after_callback_redirect_url =
          j.at("after_callback_redirect_url").get<std::string>();
      p.inner_verifier = j.at("inner_verifier").get<std::string>();
      p.nonce = j.at("nonce").get<std::string>();
      p.json_mode = j.at("json_mode").get<bool>();
    } catch (const nlohmann::json::exception&) {
      return std::nullopt;
    }
    return p;
  }
};

// 32 random bytes, base64url: 43 characters, as openid-client makes them.
absl::StatusOr<std::string> RandomUrlSafe() {
  LATCHKEY_ASSIGN_OR_RETURN(std::string bytes, crypto::RandomBytes(32));
  return crypto::Base64UrlEncode(bytes);
}

std::string S256(absl::string_view verifier) {
  return crypto::Base64UrlEncode(
      crypto::Sha256(std::string_view(verifier.data(), verifier.size())));
}

absl::Status StateInvalid(absl::string_view why) {
  return ApiError(identity::v1::OAUTH_CALLBACK_STATE_INVALID, {},
                  std::string(why));
}

absl::Status CodeInvalid(absl::string_view why) {
  return ApiError(identity::v1::INVALID_AUTHORIZATION_CODE, {},
                  std::string(why));
}

std::string WithQuery(
    absl::string_view url,
    const std::vector<std::pair<std::string, std::string>>& params) {
  // The fragment, if any, was dropped when the URL was stored.
  std::string out(url);
  char separator = out.find('?') == std::string::npos ? '?' : '&';
  for (const auto& [key, value] : params) {
    absl::StrAppend(&out, std::string(1, separator), UrlEncodeComponent(key),
                    "=", UrlEncodeComponent(value));
    separator = '&';
  }
  return out;
}

// Cookie expiry in the IMF-fixdate form browsers read.
std::string HttpDate(absl::Time at) {
  return absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT", at, absl::UTCTimeZone());
}

std::string ClearCookie(absl::string_view name) {
  return absl::StrCat(name, "=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
}

// Stack's error parameters for the app's callback page: the SDK rebuilds
// the known error from errorCode, message and details.
std::string ErrorLocation(absl::string_view target,
                          const absl::Status& status) {
  const absl::Status public_status = ToPublicError(status);
  std::optional<ApiErrorView> error = ReadApiError(public_status);
  const identity::v1::ErrorCode code =
      error.has_value() ? error->code : identity::v1::INTERNAL_ERROR;
  nlohmann::ordered_json details = nlohmann::ordered_json::object();
  if (error.has_value()) {
    for (const auto& spec : SpecOf(code).details()) {
      auto it = error->details.find(spec.name());
      if (it == error->details.end()) continue;
      if (spec.type() == identity::v1::DETAIL_TYPE_BOOLEAN) {
        details[spec.name()] = it->second == "true";
      } else {
        details[spec.name()] = it->second;
      }
    }
  }
  const std::string message(public_status.message());
  return WithQuery(target, {{"error", "server_error"},
                            {"error_description", message},
                            {"errorCode", std::string(ErrorCodeName(code))},
                            {"message", message},
                            {"details", details.dump()}});
}

std::string StripFragment(absl::string_view url) {
  return std::string(url.substr(0, url.find('#')));
}

// The provider's sign-in switch is off: it can only be linked (type=link)
// for connected accounts.
absl::Status SignInOff() {
  return ApiError(identity::v1::OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED, {},
                  "Sign-in through this OAuth provider is turned off for the "
                  "project; it can only be connected to a signed-in user "
                  "(type=link).");
}

struct Resolution {
  std::string user_id;
  bool new_user = false;
  // The oauth_accounts row the provider account is linked through.
  std::string link_id;
};

absl::Status EmailTaken(const std::string& email, bool would_work) {
  return ApiError(
      identity::v1::CONTACT_CHANNEL_ALREADY_USED_FOR_AUTH_BY_SOMEONE_ELSE,
      {{"type", "email"},
       {"contact_channel_value", email},
       {"would_work_if_email_was_verified", would_work ? "true" : "false"}});
}

absl::StatusOr<std::string> LinkAccount(storage::Repositories& repos,
                                        const std::string& project_id,
                                        const std::string& user_id,
                                        const std::string& provider_id,
                                        const ProviderIdentity& identity,
                                        absl::Time now) {
  storage::OAuthAccountRecord account;
  LATCHKEY_ASSIGN_OR_RETURN(account.id, crypto::RandomUuidV4());
  account.project_id = project_id;
  account.user_id = user_id;
  account.provider_id = provider_id;
  account.provider_account_id = identity.account_id;
  account.email = identity.email;
  account.created_at = now;
  absl::Status created = repos.oauth_accounts().Create(account);
  if (created.code() == absl::StatusCode::kAlreadyExists) {
    // A concurrent callback linked the same account first.
    return ApiError(
        identity::v1::OAUTH_CONNECTION_ALREADY_CONNECTED_TO_ANOTHER_USER);
  }
  if (!created.ok()) return created;
  return account.id;
}

// Which user the provider's account is, per docs/oauth.md: an existing link
// signs in; type=link connects to the signed-in user; a verified email
// matching a verified sign-in email links per the merge strategy; else a
// new user (or the anonymous caller, upgraded).
absl::StatusOr<Resolution> ResolveAccount(storage::Repositories& repos,
                                          const ProjectSnapshot& project,
                                          const Pending& pending,
                                          const ProviderIdentity& identity,
                                          bool allow_sign_in, absl::Time now) {
  const std::string& project_id = project.project.id;
  std::optional<storage::OAuthAccountRecord> old;
  {
    absl::StatusOr<storage::OAuthAccountRecord> found =
        repos.oauth_accounts().FindByProviderAccount(
            project_id, pending.provider_id, identity.account_id);
    if (found.ok()) {
      old = *std::move(found);
    } else if (found.status().code() != absl::StatusCode::kNotFound) {
      return found.status();
    }
  }
  if (pending.type == "link") {
    if (!pending.user_id.has_value()) {
      return absl::InternalError("a link sign-in without its user");
    }
    if (old.has_value()) {
      if (old->user_id != *pending.user_id) {
        return ApiError(
            identity::v1::OAUTH_CONNECTION_ALREADY_CONNECTED_TO_ANOTHER_USER);
      }
      return Resolution{*pending.user_id, false, old->id};
    }
    absl::StatusOr<storage::UserView> user =
        repos.users().Get(project_id, *pending.user_id);
    if (!user.ok()) return UserNotFoundOr(user.status());
    LATCHKEY_ASSIGN_OR_RETURN(std::string link_id,
                              LinkAccount(repos, project_id, *pending.user_id,
                                          pending.provider_id, identity, now));
    return Resolution{*pending.user_id, false, std::move(link_id)};
  }
  if (!allow_sign_in) return SignInOff();
  if (old.has_value()) {
    // The user turned this account's sign-in off (it is kept for connected
    // accounts); it links to that user only, so it cannot make another.
    if (!old->allow_sign_in) {
      return ApiError(identity::v1::OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED, {},
                      "This account at the OAuth provider is linked to a "
                      "user with sign-in turned off for it.");
    }
    return Resolution{old->user_id, false, old->id};
  }

  std::optional<std::string> email;
  if (identity.email.has_value()) {
    absl::StatusOr<std::string> normalized =
        NormalizeEmail(*identity.email, "email");
    if (normalized.ok()) email = *std::move(normalized);
  }
  const std::string& strategy = project.config.oauth_account_merge_strategy();
  bool email_signs_in = true;
  if (email.has_value()) {
    absl::StatusOr<storage::ContactChannelRecord> channel =
        repos.contact_channels().FindAuthChannel(project_id, "email", *email);
    if (channel.ok()) {
      if (strategy == "allow_duplicates") {
        email_signs_in = false;
      } else if (strategy == "raise_error") {
        return EmailTaken(*email, false);
      } else if (!channel->is_verified) {
        return EmailTaken(*email, true);
      } else if (!identity.email_verified) {
        return EmailTaken(*email, false);
      } else {
        LATCHKEY_ASSIGN_OR_RETURN(
            std::string link_id,
            LinkAccount(repos, project_id, channel->user_id,
                        pending.provider_id, identity, now));
        return Resolution{channel->user_id, false, std::move(link_id)};
      }
    } else if (channel.status().code() != absl::StatusCode::kNotFound) {
      return channel.status();
    }
  }

  if (!project.config.sign_up_enabled()) {
    return ApiError(identity::v1::SIGN_UP_NOT_ENABLED);
  }
  std::string user_id;
  if (pending.user_id.has_value() && pending.user_is_anonymous) {
    // The anonymous caller becomes this account's user, keeping its id.
    absl::StatusOr<storage::UserView> current =
        repos.users().Get(project_id, *pending.user_id);
    if (!current.ok()) return UserNotFoundOr(current.status());
    if (current->user.is_anonymous) {
      user_id = *pending.user_id;
      current->user.is_anonymous = false;
      if (identity.display_name.has_value()) {
        current->user.display_name = identity.display_name;
      }
      if (identity.profile_image_url.has_value()) {
        current->user.profile_image_url = identity.profile_image_url;
      }
      LATCHKEY_RETURN_IF_ERROR(repos.users().Update(current->user));
      if (email.has_value()) {
        UserChanges changes;
        changes.primary_email = std::optional<std::string>(*email);
        changes.primary_email_verified = identity.email_verified;
        changes.primary_email_auth_enabled = email_signs_in;
        LATCHKEY_RETURN_IF_ERROR(
            UpdateUser(repos, project_id, user_id, changes, now));
      }
    }
  }
  if (user_id.empty()) {
    NewUser user;
    LATCHKEY_ASSIGN_OR_RETURN(user.user.id, crypto::RandomUuidV4());
    user.user.project_id = project_id;
    user.user.signed_up_at = now;
    user.user.last_active_at = now;
    user.user.display_name = identity.display_name;
    user.user.profile_image_url = identity.profile_image_url;
    if (email.has_value()) {
      user.primary_email = *email;
      user.primary_email_verified = identity.email_verified;
      user.primary_email_auth_enabled = email_signs_in;
    }
    LATCHKEY_RETURN_IF_ERROR(CreateUser(repos, user, now));
    user_id = user.user.id;
    absl::StatusOr<storage::UserView> view =
        repos.users().Get(project_id, user_id);
    if (!view.ok()) return UserNotFoundOr(view.status());
    LATCHKEY_RETURN_IF_ERROR(
        MaybeCreatePersonalTeam(repos, project_id, project.config, *view, now)
            .status());
  }
  LATCHKEY_ASSIGN_OR_RETURN(std::string link_id,
                            LinkAccount(repos, project_id, user_id,
                                        pending.provider_id, identity, now));
  return Resolution{user_id, true, std::move(link_id)};
}

}  // namespace

absl::StatusOr<storage::OAuthAccountTokens> SealProviderTokens(
    const crypto::SecretBox& box, absl::string_view project_id,
    absl::string_view link_id, const ProviderTokens& tokens, absl::Time now,
    const std::vector<std::string>& previous_scopes) {
  storage::OAuthAccountTokens out;
  LATCHKEY_ASSIGN_OR_RETURN(
      out.access_token_sealed,
      SealOAuthAccountToken(box, project_id, link_id,
                            OAuthAccountToken::kAccess, tokens.access_token));
  if (tokens.refresh_token.has_value() && !tokens.refresh_token->empty()) {
    LATCHKEY_ASSIGN_OR_RETURN(out.refresh_token_sealed,
                              SealOAuthAccountToken(box, project_id, link_id,
                                                    OAuthAccountToken::kRefresh,
                                                    *tokens.refresh_token));
  }
  if (tokens.expires_in.has_value()) {
    out.access_token_expires_at = now + absl::Seconds(*tokens.expires_in);
  }
  // Providers separate scopes by spaces (GitHub by commas); a token answer
  // without a scope keeps what was known.
  out.granted_scopes = absl::StrSplit(tokens.scope, absl::ByAnyChar(" ,"),
                                      absl::SkipWhitespace());
  if (out.granted_scopes.empty()) out.granted_scopes = previous_scopes;
  return out;
}

std::optional<std::string> FindCookie(absl::string_view header,
                                      absl::string_view name) {
  for (absl::string_view pair : absl::StrSplit(header, ';')) {
    pair = absl::StripAsciiWhitespace(pair);
    const size_t eq = pair.find('=');
    if (eq == absl::string_view::npos) continue;
    if (pair.substr(0, eq) == name) return std::string(pair.substr(eq + 1));
  }
  return std::nullopt;
}

bool PkceMatches(absl::string_view method, absl::string_view challenge,
                 absl::string_view verifier) {
  if (verifier.empty() || challenge.empty()) return false;
  if (method == "S256") {
    return crypto::ConstantTimeEquals(
        S256(verifier), std::string_view(challenge.data(), challenge.size()));
  }
  if (method == "plain") {
    return crypto::ConstantTimeEquals(
        std::string_view(verifier.data(), verifier.size()),
        std::string_view(challenge.data(), challenge.size()));
  }
  return false;
}

std::vector<OAuthProviderConfig> OAuthProvidersFromEnvironment(
    const std::vector<std::string>& ids,
    const std::function<std::optional<std::string>(const std::string&)>&
        getenv) {
  std::vector<OAuthProviderConfig> out;
  for (const std::string& id : ids) {
    const std::string prefix =
        absl::StrCat("LATCHKEY_OAUTH_", absl::AsciiStrToUpper(id), "_");
    std::optional<std::string> client_id = getenv(prefix + "CLIENT_ID");
    if (!client_id.has_value() || client_id->empty()) continue;
    OAuthProviderConfig provider;
    provider.provider_id = absl::AsciiStrToLower(id);
    provider.client_id = *client_id;
    provider.client_secret = getenv(prefix + "CLIENT_SECRET").value_or("");
    provider.issuer_url = getenv(prefix + "ISSUER_URL");
    const bool id_is_type = provider.provider_id != "oidc" &&
                            IsSupportedProviderType(provider.provider_id);
    provider.type = getenv(prefix + "TYPE")
                        .value_or(id_is_type ? provider.provider_id : "oidc");
    if (std::optional<std::string> scopes = getenv(prefix + "SCOPES")) {
      provider.scopes = absl::StrSplit(*scopes, ' ', absl::SkipEmpty());
    }
    out.push_back(std::move(provider));
  }
  return out;
}

absl::StatusOr<std::optional<storage::OAuthProviderRecord>>
OAuthSignIn::StoredProvider(const ProjectSnapshot& project,
                            absl::string_view provider_id) const {
  std::optional<storage::OAuthProviderRecord> record;
  LATCHKEY_RETURN_IF_ERROR(deps_.services.database.Run(
      [&](storage::Repositories& repos) -> absl::Status {
        absl::StatusOr<storage::OAuthProviderRecord> found =
            repos.oauth_providers().Get(project.project.id,
                                        std::string(provider_id));
        if (found.status().code() == absl::StatusCode::kNotFound) {
          return absl::OkStatus();
        }
        if (!found.ok()) return found.status();
        record = *std::move(found);
        return absl::OkStatus();
      }));
  return record;
}

absl::StatusOr<std::optional<std::string>> OAuthSignIn::ConfiguredProviderType(
    const ProjectSnapshot& project, absl::string_view provider_id) const {
  LATCHKEY_ASSIGN_OR_RETURN(std::optional<storage::OAuthProviderRecord> record,
                            StoredProvider(project, provider_id));
  if (record.has_value()) return record->type;
  if (project.project.id != "internal") return std::nullopt;
  for (const OAuthProviderConfig& provider : deps_.internal_providers) {
    if (provider.provider_id == provider_id) return provider.type;
  }
  return std::nullopt;
}

absl::StatusOr<OAuthProviderConfig> OAuthSignIn::Provider(
    const ProjectSnapshot& project, absl::string_view provider_id) const {
  const absl::Status not_found =
      ApiError(identity::v1::OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED);
  LATCHKEY_ASSIGN_OR_RETURN(std::optional<storage::OAuthProviderRecord> record,
                            StoredProvider(project, provider_id));
  if (!record.has_value()) {
    if (project.project.id == "internal") {
      for (const OAuthProviderConfig& provider : deps_.internal_providers) {
        if (provider.provider_id == provider_id &&
            IsSupportedProviderType(provider.type)) {
          return provider;
        }
      }
    }
    return not_found;
  }
  if (!record->enabled || !IsSupportedProviderType(record->type)) {
    return not_found;
  }
  OAuthProviderConfig provider;
  provider.provider_id = record->provider_id;
  provider.type = record->type;
  provider.client_id = record->client_id;
  provider.issuer_url = record->issuer_url;
  provider.scopes = record->scopes;
  provider.allow_sign_in = record->allow_sign_in;
  provider.allow_connected_accounts = record->allow_connected_accounts;
  provider.microsoft_tenant_id = record->microsoft_tenant_id;
  provider.facebook_config_id = record->facebook_config_id;
  if (record->is_shared && project.project.id != "internal" &&
      !deps_.share_internal_providers) {
    return ApiError(
        identity::v1::OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED, {},
        absl::StrCat("The OAuth provider ", record->provider_id,
                     " uses shared development keys, but this deployment "
                     "does not offer its clients to projects "
                     "(LATCHKEY_OAUTH_SHARE_WITH_PROJECTS=true)."));
  }
  if (record->is_shared) {
    // The deployment's development client for the type, with its endpoints
    // override (a stand-in in tests) and scopes.
    for (const OAuthProviderConfig& shared : deps_.internal_providers) {
      if (shared.type != record->type) continue;
      provider.is_shared = true;
      provider.client_id = shared.client_id;
      provider.client_secret = shared.client_secret;
      provider.issuer_url = shared.issuer_url;
      provider.scopes = shared.scopes;
      return provider;
    }
    return ApiError(
        identity::v1::OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED, {},
        absl::StrCat(
            "The OAuth provider ", record->provider_id,
            " uses shared development keys, but this deployment "
            "has no shared client of type ",
            record->type,
            " (LATCHKEY_OAUTH_<ID>_CLIENT_ID with _TYPE=", record->type, ")."));
  }
  if (record->client_secret_encrypted.has_value()) {
    LATCHKEY_ASSIGN_OR_RETURN(
        crypto::SecretBox::Opened opened,
        OpenOAuthClientSecret(deps_.client_secret_box, project.project.id,
                              record->provider_id,
                              *record->client_secret_encrypted));
    provider.client_secret = std::move(opened.plaintext);
  }
  return provider;
}

absl::StatusOr<OAuthSignIn::AuthorizeResult> OAuthSignIn::Authorize(
    const AuthorizeInput& input) const {
  const ProjectSnapshot& project = input.project;
  LATCHKEY_ASSIGN_OR_RETURN(OAuthProviderConfig provider,
                            Provider(project, input.provider_id));
  const std::string type = input.type.empty() ? "authenticate" : input.type;
  if (type != "authenticate" && type != "link") {
    return SchemaError("type must be authenticate or link.");
  }
  if (type == "link" && !input.token_user_id.has_value()) {
    return SchemaError("The token query parameter is required for type=link.");
  }
  if (type != "link" && !provider.allow_sign_in) return SignInOff();
  if (provider.is_shared &&
      !absl::StripAsciiWhitespace(input.provider_scope).empty()) {
    return ApiError(
        identity::v1::OAUTH_EXTRA_SCOPE_NOT_AVAILABLE_WITH_SHARED_OAUTH_KEYS,
        {},
        absl::StrCat("provider_scope cannot be used with ",
                     provider.provider_id,
                     ": it signs in with the deployment's shared development "
                     "client; configure the project's own client to ask for "
                     "more scopes."));
  }
  if (!input.after_callback_redirect_url.empty()) {
    LATCHKEY_RETURN_IF_ERROR(
        CheckRedirectUrl(project, input.after_callback_redirect_url));
  }
  if (input.grant_type != "authorization_code") {
    return SchemaError("grant_type must be authorization_code.");
  }
  if (input.response_type != "code") {
    return SchemaError("response_type must be code.");
  }
  if (input.code_challenge_method != "S256" &&
      input.code_challenge_method != "plain") {
    return SchemaError("code_challenge_method must be S256 or plain.");
  }
  LATCHKEY_ASSIGN_OR_RETURN(ProviderEndpoints endpoints,
                            deps_.providers.Endpoints(provider));

  Pending pending;
  pending.provider_id = provider.provider_id;
  pending.redirect_uri = StripFragment(input.redirect_uri);
  pending.state = input.state;
  pending.code_challenge = input.code_challenge;
  pending.code_challenge_method = input.code_challenge_method;
  pending.type = type;
  pending.user_id = input.token_user_id;
  pending.user_is_anonymous = input.token_user_is_anonymous;
  pending.error_redirect_url = StripFragment(input.error_redirect_url);
  pending.after_callback_redirect_url = input.after_callback_redirect_url;
  LATCHKEY_ASSIGN_OR_RETURN(pending.inner_verifier, RandomUrlSafe());
  LATCHKEY_ASSIGN_OR_RETURN(pending.nonce, RandomUrlSafe());
  pending.json_mode = input.json_mode;
  LATCHKEY_ASSIGN_OR_RETURN(std::string random, RandomUrlSafe());
  // The project rides in the state: the callback comes with nothing else.
  const std::string inner_state = absl::StrCat(project.project.id, ".", random);

  const absl::Time now = deps_.services.clock.Now();
  storage::VerificationCodeRecord record;
  LATCHKEY_ASSIGN_OR_RETURN(record.id, crypto::RandomUuidV4());
  record.project_id = project.project.id;
  record.purpose = std::string(kOAuthPendingPurpose);
  record.code_hash = crypto::HashToken(inner_state);
  record.data_json = pending.ToJson().dump();
  record.created_at = now;
  record.expires_at = now + kOAuthPendingLifetime;
  record.max_attempts = 1;
  LATCHKEY_RETURN_IF_ERROR(
      deps_.services.database.Run([&](storage::Repositories& repos) {
        return repos.verification_codes().Create(record);
      }));

  AuthorizeResult result;
  result.location = deps_.providers.AuthorizeUrl(
      provider, endpoints,
      {.redirect_uri =
           absl::StrCat(deps_.public_url, "/api/v1/auth/oauth/callback/",
                        provider.provider_id),
       .state = inner_state,
       .code_challenge = S256(pending.inner_verifier),
       .nonce = pending.nonce,
       .extra_scope = input.provider_scope});
  if (!input.json_mode) {
    // Stack's attribute order; Secure unless the server itself is plain
    // http (development), where a browser would drop it.
    const bool secure = !absl::StartsWith(deps_.public_url, "http://");
    // A provider that posts the answer back (Apple) makes the callback a
    // cross-site POST, which carries only SameSite=None cookies (and those
    // need Secure).
    const bool cross_site_post = secure && ProviderPostsCallback(provider.type);
    result.set_cookie = absl::StrCat(
        kInnerStateCookiePrefix, inner_state,
        "=true; Path=/; Expires=", HttpDate(now + kOAuthPendingLifetime),
        "; Max-Age=", absl::ToInt64Seconds(kOAuthPendingLifetime), ";",
        secure ? " Secure;" : "", " HttpOnly",
        cross_site_post ? "; SameSite=None" : "");
  }
  return result;
}

OAuthSignIn::CallbackOutcome OAuthSignIn::Callback(
    const CallbackInput& input) const {
  CallbackOutcome outcome;
  auto fail = [&outcome](absl::Status status) {
    outcome.error = std::move(status);
    return outcome;
  };
  // 1. The pending sign-in, by the state (which names the project).
  const size_t dot = input.state.find('.');
  if (dot == std::string::npos || dot == 0) {
    return fail(
        StateInvalid("The OAuth state is unknown: start the sign-in again."));
  }
  const std::string project_id = input.state.substr(0, dot);
  absl::StatusOr<std::shared_ptr<const ProjectSnapshot>> project =
      deps_.projects.Get(project_id);
  if (!project.ok()) {
    if (project.status().code() == absl::StatusCode::kNotFound) {
      return fail(
          StateInvalid("The OAuth state is unknown: start the sign-in again."));
    }
    return fail(project.status());
  }
  std::optional<storage::VerificationCodeRecord> record;
  absl::Status lookup = deps_.services.database.Run(
      [&](storage::Repositories& repos) -> absl::Status {
        absl::StatusOr<storage::VerificationCodeRecord> found =
            repos.verification_codes().FindByHash(
                project_id, kOAuthPendingPurpose,
                crypto::HashToken(input.state));
        if (found.status().code() == absl::StatusCode::kNotFound) {
          return absl::OkStatus();
        }
        if (!found.ok()) return found.status();
        record = *std::move(found);
        return absl::OkStatus();
      });
  if (!lookup.ok()) return fail(lookup);
  std::optional<Pending> pending;
  if (record.has_value()) pending = Pending::FromJson(record->data_json);
  if (!pending.has_value()) {
    return fail(
        StateInvalid("The OAuth state is unknown: start the sign-in again."));
  }

  // 2. Redirect mode: the browser must bring back the cookie we set, which
  // is cleared whatever happens next.
  if (!pending->json_mode) {
    const std::string cookie =
        absl::StrCat(kInnerStateCookiePrefix, input.state);
    outcome.set_cookies.push_back(ClearCookie(cookie));
    if (FindCookie(input.cookie_header, cookie) != "true") {
      return fail(StateInvalid(
          "The OAuth state cookie is missing (was the page reloaded, or the "
          "sign-in started in another browser?): start the sign-in again."));
    }
  }
  if (record->used_at.has_value()) {
    return fail(StateInvalid(
        "This OAuth state has been used already: start the sign-in again."));
  }

  // 3. Where errors go from here: the app's redirect_uri when trusted, else
  // its error URL when trusted, else nowhere (a plain error).
  const ProjectSnapshot& snapshot = **project;
  const bool redirect_trusted =
      CheckRedirectUrl(snapshot, pending->redirect_uri).ok();
  std::string error_target;
  if (redirect_trusted) {
    error_target = pending->redirect_uri;
  } else if (!pending->error_redirect_url.empty() &&
             CheckRedirectUrl(snapshot, pending->error_redirect_url).ok()) {
    error_target = pending->error_redirect_url;
  }
  auto redirect_error = [&](const absl::Status& status) {
    if (error_target.empty()) return fail(status);
    outcome.http_status = 307;
    outcome.location = ErrorLocation(error_target, status);
    return outcome;
  };
  if (!redirect_trusted) {
    return redirect_error(CheckRedirectUrl(snapshot, pending->redirect_uri));
  }

  // The state is single use: a replayed provider redirect goes no further.
  const absl::Time now = deps_.services.clock.Now();
  absl::Status used =
      deps_.services.database.Run([&](storage::Repositories& repos) {
        return repos.verification_codes().MarkUsed(project_id, record->id, now);
      });
  if (used.code() == absl::StatusCode::kFailedPrecondition) {
    return fail(StateInvalid(
        "This OAuth state has been used already: start the sign-in again."));
  }
  if (!used.ok()) return redirect_error(used);
  if (now >= record->expires_at) {
    return redirect_error(ApiError(identity::v1::OUTER_OAUTH_TIMEOUT));
  }
  if (input.provider_id != pending->provider_id) {
    return redirect_error(StateInvalid(
        "The OAuth callback came for another provider than the sign-in "
        "started with."));
  }
  absl::StatusOr<OAuthProviderConfig> provider =
      Provider(snapshot, pending->provider_id);
  if (!provider.ok()) return redirect_error(provider.status());
  if (!input.error.empty()) {
    return redirect_error(OAuthProviderClient::ProviderError(
        provider->provider_id, input.error, input.error_description));
  }
  if (input.code.empty()) {
    return redirect_error(
        ApiError(identity::v1::OAUTH_PROVIDER_ERROR,
                 {{"provider_id", provider->provider_id}},
                 "The OAuth provider sent the browser back without a code."));
  }
  absl::StatusOr<ProviderEndpoints> endpoints =
      deps_.providers.Endpoints(*provider);
  if (!endpoints.ok()) return redirect_error(endpoints.status());
  absl::StatusOr<ProviderTokens> tokens = deps_.providers.ExchangeCode(
      *provider, *endpoints, input.code,
      absl::StrCat(deps_.public_url, "/api/v1/auth/oauth/callback/",
                   provider->provider_id),
      pending->inner_verifier);
  if (!tokens.ok()) return redirect_error(tokens.status());
  absl::StatusOr<ProviderIdentity> identity = deps_.providers.Identify(
      *provider, *endpoints, *tokens, pending->nonce, input.posted_user);
  if (!identity.ok()) return redirect_error(identity.status());

  // 4. The account, then the app's one-time code, in one transaction.
  absl::StatusOr<std::string> code_bytes = crypto::RandomBytes(32);
  if (!code_bytes.ok()) return redirect_error(code_bytes.status());
  const std::string outer_code = crypto::HexEncode(
      crypto::Sha256(std::string_view(code_bytes->data(), code_bytes->size())));
  absl::Status resolved = deps_.services.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_ASSIGN_OR_RETURN(
            Resolution resolution,
            ResolveAccount(repos, snapshot, *pending, *identity,
                           provider->allow_sign_in, now));
        LATCHKEY_ASSIGN_OR_RETURN(
            storage::OAuthAccountTokens sealed,
            SealProviderTokens(deps_.client_secret_box, project_id,
                               resolution.link_id, *tokens, now));
        LATCHKEY_RETURN_IF_ERROR(repos.oauth_accounts().UpdateTokens(
            project_id, resolution.link_id, sealed));
        storage::VerificationCodeRecord code;
        LATCHKEY_ASSIGN_OR_RETURN(code.id, crypto::RandomUuidV4());
        code.project_id = project_id;
        code.purpose = std::string(kOAuthCodePurpose);
        code.code_hash = crypto::HashToken(outer_code);
        code.user_id = resolution.user_id;
        nlohmann::json data = {
            {"redirect_uri", pending->redirect_uri},
            {"code_challenge", pending->code_challenge},
            {"code_challenge_method", pending->code_challenge_method},
            {"new_user", resolution.new_user}};
        if (!pending->after_callback_redirect_url.empty()) {
          data["after_callback_redirect_url"] =
              pending->after_callback_redirect_url;
        }
        code.data_json = data.dump();
        code.created_at = now;
        code.expires_at = now + kOAuthCodeLifetime;
        code.max_attempts = 5;
        return repos.verification_codes().Create(code);
      });
  if (!resolved.ok()) return redirect_error(resolved);
  outcome.http_status = 303;
  outcome.location = WithQuery(
      pending->redirect_uri, {{"code", outer_code}, {"state", pending->state}});
  return outcome;
}

absl::StatusOr<OAuthSignIn::ExchangeResult> OAuthSignIn::Exchange(
    const ExchangeInput& input) const {
  const ProjectSnapshot& project = input.project;
  const std::string& project_id = project.project.id;
  if (input.code.empty()) return CodeInvalid("code is required.");
  const std::string hash = crypto::HashToken(input.code);
  // The used code's session is filed under a hash of its own (hashes are
  // unique across purposes).
  const std::string session_hash =
      crypto::HashToken(absl::StrCat("session:", input.code));
  std::optional<storage::VerificationCodeRecord> record;
  LATCHKEY_RETURN_IF_ERROR(deps_.services.database.Run(
      [&](storage::Repositories& repos) -> absl::Status {
        absl::StatusOr<storage::VerificationCodeRecord> found =
            repos.verification_codes().FindByHash(project_id, kOAuthCodePurpose,
                                                  hash);
        if (found.status().code() == absl::StatusCode::kNotFound) {
          return absl::OkStatus();
        }
        if (!found.ok()) return found.status();
        record = *std::move(found);
        return absl::OkStatus();
      }));
  if (!record.has_value()) {
    return CodeInvalid("The authorization code is unknown.");
  }
  const absl::Time now = deps_.services.clock.Now();
  if (record->used_at.has_value()) {
    // RFC 6749 4.1.2: a code used twice revokes what it gave out, since one
    // of the two holders is not who it was meant for.
    LATCHKEY_RETURN_IF_ERROR(deps_.services.database.RunInTransaction(
        [&](storage::Repositories& repos) -> absl::Status {
          absl::StatusOr<storage::VerificationCodeRecord> link =
              repos.verification_codes().FindByHash(
                  project_id, kOAuthCodeSessionPurpose, session_hash);
          if (!link.ok()) return absl::OkStatus();
          nlohmann::json data =
              nlohmann::json::parse(link->data_json, nullptr, false);
          if (data.is_object() && data.contains("session_id") &&
              data["session_id"].is_string()) {
            absl::Status deleted = repos.sessions().Delete(
                project_id, data["session_id"].get<std::string>());
            if (!deleted.ok() &&
                deleted.code() != absl::StatusCode::kNotFound) {
              return deleted;
            }
          }
          return absl::OkStatus();
        }));
    return CodeInvalid(
        "The authorization code has been used already; the session it "
        "started is revoked.");
  }
  if (now >= record->expires_at) {
    return CodeInvalid("The authorization code has expired.");
  }
  if (record->attempt_count >= record->max_attempts) {
    return CodeInvalid("The authorization code has had too many attempts.");
  }
  nlohmann::json data =
      nlohmann::json::parse(record->data_json, nullptr, false);
  if (!data.is_object() || !record->user_id.has_value()) {
    return absl::InternalError("an OAuth code record is malformed");
  }
  const std::string stored_redirect = data.value("redirect_uri", "");
  const bool redirect_ok = input.redirect_uri == stored_redirect;
  const bool pkce_ok =
      PkceMatches(data.value("code_challenge_method", ""),
                  data.value("code_challenge", ""), input.code_verifier);
  if (!redirect_ok || !pkce_ok) {
    LATCHKEY_RETURN_IF_ERROR(
        deps_.services.database.Run([&](storage::Repositories& repos) {
          return repos.verification_codes()
              .RecordFailedAttempt(project_id, record->id)
              .status();
        }));
    return CodeInvalid(
        !redirect_ok
            ? "redirect_uri must be exactly the one the code was issued for."
            : "The code verifier does not match the code challenge.");
  }

  ExchangeResult result;
  result.new_user = data.value("new_user", false);
  if (data.contains("after_callback_redirect_url") &&
      data["after_callback_redirect_url"].is_string()) {
    result.after_callback_redirect_url =
        data["after_callback_redirect_url"].get<std::string>();
  }
  std::optional<SignedIn> signed_in;
  std::optional<storage::UserView> needs_second_factor;
  LATCHKEY_RETURN_IF_ERROR(deps_.services.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        absl::Status used =
            repos.verification_codes().MarkUsed(project_id, record->id, now);
        if (used.code() == absl::StatusCode::kFailedPrecondition) {
          return CodeInvalid("The authorization code has been used already.");
        }
        LATCHKEY_RETURN_IF_ERROR(used);
        absl::StatusOr<storage::UserView> user =
            repos.users().Get(project_id, *record->user_id);
        if (user.status().code() == absl::StatusCode::kNotFound) {
          return CodeInvalid("The code's user no longer exists.");
        }
        LATCHKEY_RETURN_IF_ERROR(user.status());
        // The provider stands in for the password, not for the second
        // factor: the code is used up and the TOTP step follows.
        needs_second_factor.reset();
        if (user->has_totp) {
          needs_second_factor = *user;
          return absl::OkStatus();
        }
        LATCHKEY_ASSIGN_OR_RETURN(
            signed_in,
            StartSession(deps_.services.sessions, deps_.services.token_issuer,
                         repos, project, *user));
        storage::VerificationCodeRecord link;
        LATCHKEY_ASSIGN_OR_RETURN(link.id, crypto::RandomUuidV4());
        link.project_id = project_id;
        link.purpose = std::string(kOAuthCodeSessionPurpose);
        link.code_hash = session_hash;
        link.user_id = *record->user_id;
        link.data_json =
            nlohmann::json({{"session_id", signed_in->session.id}}).dump();
        link.created_at = now;
        // Kept as long as the session could live.
        link.expires_at =
            signed_in->session.expires_at.value_or(now + absl::Hours(24 * 365));
        return repos.verification_codes().Create(link);
      }));
  if (needs_second_factor.has_value()) {
    return RequireSecondFactor(deps_.services, project, *needs_second_factor);
  }
  result.signed_in = *std::move(signed_in);
  return result;
}

}  // namespace latchkey::service::core
