#include "service/core/oauth_provider_settings.h"

#include <algorithm>
#include <iterator>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "common/status_macros.h"
#include "service/core/oauth_client_secrets.h"
#include "service/core/oauth_providers.h"
#include "service/errors/api_error.h"

namespace latchkey::service::core {
namespace {

bool IsProviderId(absl::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  if (!absl::ascii_islower(id[0]) && !absl::ascii_isdigit(id[0])) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_' ||
           c == '-';
  });
}

// 1 to `max` ASCII letters, digits or `extra` characters: values that go
// into a URL path or query as they are.
bool IsWord(absl::string_view value, size_t max, absl::string_view extra) {
  if (value.empty() || value.size() > max) return false;
  return std::all_of(value.begin(), value.end(), [extra](char c) {
    return absl::ascii_isalnum(c) || absl::StrContains(extra, c);
  });
}

// https, or http on a loopback host (local OIDC providers in development).
bool IsIssuerUrl(absl::string_view url) {
  absl::string_view rest;
  if (absl::StartsWith(url, "https://")) {
    rest = url.substr(8);
  } else if (absl::StartsWith(url, "http://")) {
    rest = url.substr(7);
    const absl::string_view host = rest.substr(0, rest.find_first_of(":/"));
    if (host != "localhost" && host != "127.0.0.1" &&
        !absl::StartsWith(rest, "[::1]")) {
      return false;
    }
  } else {
    return false;
  }
  if (rest.empty() || rest[0] == '/' || rest[0] == ':') return false;
  return std::none_of(url.begin(), url.end(), [](char c) {
    return absl::ascii_isspace(c) || absl::ascii_iscntrl(c) || c == '#' ||
           c == '?' || c == '@';
  });
}

absl::Status Validate(const OAuthProviderInput& input) {
  if (!IsProviderId(input.provider_id)) {
    return SchemaError(
        "params.provider_id must be 1 to 64 lower-case letters, digits, '_' "
        "or '-', starting with a letter or digit");
  }
  if (!IsSupportedProviderType(input.type)) {
    return SchemaError(
        absl::StrCat("body.type must be one of ",
                     absl::StrJoin(SupportedProviderTypes(), ", ")));
  }
  // A shared provider signs in with the deployment's client for its type.
  if (input.client_id.empty() && !input.is_shared) {
    return SchemaError("body.client_id must not be empty");
  }
  if (input.is_shared && input.type == "oidc") {
    return SchemaError(
        "body.is_shared is not available for type oidc (the deployment's "
        "shared clients are kept per provider type)");
  }
  if (input.microsoft_tenant_id.has_value() &&
      !IsWord(*input.microsoft_tenant_id, 128, ".-")) {
    return SchemaError(
        "body.microsoft_tenant_id must be 1 to 128 letters, digits, '.' or "
        "'-' (a tenant id, a domain, or common, organizations, consumers)");
  }
  if (input.facebook_config_id.has_value() &&
      !IsWord(*input.facebook_config_id, 64, "_-")) {
    return SchemaError(
        "body.facebook_config_id must be 1 to 64 letters, digits, '_' or "
        "'-'");
  }
  if (input.client_secret.has_value() && input.client_secret->empty()) {
    return SchemaError("body.client_secret must not be empty");
  }
  if (input.type == "oidc" && !input.issuer_url.has_value()) {
    return SchemaError("body.issuer_url is required for type oidc");
  }
  if (input.issuer_url.has_value() && !IsIssuerUrl(*input.issuer_url)) {
    return SchemaError(
        "body.issuer_url must be an https URL (http only on a loopback "
        "host), without query, fragment or user info");
  }
  for (const std::string& scope : input.scopes) {
    if (scope.empty() || std::any_of(scope.begin(), scope.end(), [](char c) {
          return absl::ascii_isspace(c) || absl::ascii_iscntrl(c);
        })) {
      return SchemaError("body.scopes must be non-empty words without spaces");
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<storage::OAuthProviderRecord> OAuthProviderSettings::Upsert(
    const std::string& project_id, const OAuthProviderInput& input) const {
  LATCHKEY_RETURN_IF_ERROR(Validate(input));
  storage::OAuthProviderRecord record;
  record.project_id = project_id;
  record.provider_id = input.provider_id;
  record.type = input.type;
  record.client_id = input.client_id;
  if (input.client_secret.has_value()) {
    LATCHKEY_ASSIGN_OR_RETURN(
        record.client_secret_encrypted,
        SealOAuthClientSecret(box_, project_id, input.provider_id,
                              *input.client_secret));
  }
  record.issuer_url = input.issuer_url;
  record.scopes = input.scopes;
  record.enabled = input.enabled;
  record.allow_sign_in = input.allow_sign_in;
  record.allow_connected_accounts = input.allow_connected_accounts;
  record.microsoft_tenant_id = input.microsoft_tenant_id;
  record.facebook_config_id = input.facebook_config_id;
  record.is_shared = input.is_shared;
  record.created_at = record.updated_at = clock_.Now();
  storage::OAuthProviderRecord stored;
  LATCHKEY_RETURN_IF_ERROR(database_.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_RETURN_IF_ERROR(repos.oauth_providers().Upsert(record));
        LATCHKEY_ASSIGN_OR_RETURN(
            stored, repos.oauth_providers().Get(project_id, input.provider_id));
        return absl::OkStatus();
      }));
  directory_.Invalidate(project_id);
  return stored;
}

absl::StatusOr<std::vector<storage::OAuthProviderRecord>>
OAuthProviderSettings::List(const std::string& project_id) const {
  std::vector<storage::OAuthProviderRecord> providers;
  LATCHKEY_RETURN_IF_ERROR(
      database_.Run([&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_ASSIGN_OR_RETURN(providers,
                                  repos.oauth_providers().List(project_id));
        return absl::OkStatus();
      }));
  return providers;
}

absl::Status OAuthProviderSettings::Delete(
    const std::string& project_id, const std::string& provider_id) const {
  absl::Status status =
      database_.RunInTransaction([&](storage::Repositories& repos) {
        return repos.oauth_providers().Delete(project_id, provider_id);
      });
  if (status.code() == absl::StatusCode::kNotFound) {
    return ApiError(identity::v1::OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED);
  }
  LATCHKEY_RETURN_IF_ERROR(status);
  directory_.Invalidate(project_id);
  return absl::OkStatus();
}

}  // namespace latchkey::service::core
