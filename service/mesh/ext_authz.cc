#include "service/mesh/ext_authz.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crypto/random.h"
#include "service/errors/api_error.h"
#include "service/gateway/stack_error.h"
#include "service/pipeline/request_metadata.h"
#include "service/pipeline/service_binder.h"

namespace latchkey::service::mesh {
namespace {

using envoy::config::core::v3::HeaderValueOption;
using envoy::service::auth::v3::AttributeContext;
using envoy::service::auth::v3::CheckRequest;
using envoy::service::auth::v3::CheckResponse;

// google.rpc.Code values Envoy reads in CheckResponse.status.
constexpr int kRpcOk = 0;
constexpr int kRpcPermissionDenied = 7;
constexpr int kRpcUnauthenticated = 16;

constexpr absl::string_view kLatchkeyPrefix = "x-latchkey-";

// The checked request's headers, lower-cased, repeats comma-joined: from
// `headers`, or from `header_map` when Envoy encodes raw headers.
std::map<std::string, std::string> HeadersOf(
    const AttributeContext::HttpRequest& http) {
  std::map<std::string, std::string> headers;
  for (const auto& [name, value] : http.headers()) {
    headers[absl::AsciiStrToLower(name)] = value;
  }
  for (const auto& header : http.header_map().headers()) {
    std::string& value = headers[absl::AsciiStrToLower(header.key())];
    const std::string& text =
        header.value().empty() ? header.raw_value() : header.value();
    absl::StrAppend(&value, value.empty() ? "" : ",", text);
  }
  return headers;
}

std::string Extension(const AttributeContext& attributes,
                      absl::string_view key) {
  auto it = attributes.context_extensions().find(std::string(key));
  return it == attributes.context_extensions().end() ? std::string()
                                                     : it->second;
}

void SetHeader(HeaderValueOption& option, absl::string_view name,
               absl::string_view value) {
  option.mutable_header()->set_key(std::string(name));
  option.mutable_header()->set_value(std::string(value));
  // Envoy appends by default, which would keep a client's forged value
  // next to ours. The deprecated `append` wins over append_action where it
  // is set, and older Envoys know only it: set both.
  option.mutable_append()->set_value(false);
  option.set_append_action(HeaderValueOption::OVERWRITE_IF_EXISTS_OR_ADD);
}

// A denial: `http_status` (401 or 403) with Stack's error body for `error`,
// and for a 401 the WWW-Authenticate challenge of RFC 6750 (error
// "invalid_token" when a token was sent).
CheckResponse Deny(int http_status, const absl::Status& error,
                   bool token_sent) {
  const gateway::HttpResponse stack = gateway::StackErrorResponse(error);
  CheckResponse response;
  response.mutable_status()->set_code(
      http_status == 401 ? kRpcUnauthenticated : kRpcPermissionDenied);
  response.mutable_status()->set_message(
      std::string(ToPublicError(error).message()));
  auto* denied = response.mutable_denied_response();
  denied->mutable_status()->set_code(
      static_cast<envoy::type::v3::StatusCode>(http_status));
  SetHeader(*denied->add_headers(), "content-type",
            "application/json; charset=utf-8");
  SetHeader(*denied->add_headers(), "cache-control", "no-store");
  for (const auto& [name, value] : stack.headers) {
    SetHeader(*denied->add_headers(), name, value);
  }
  if (http_status == 401) {
    SetHeader(*denied->add_headers(), "www-authenticate",
              token_sent ? "Bearer realm=\"latchkey\", error=\"invalid_token\""
                         : "Bearer realm=\"latchkey\"");
  }
  denied->set_body(stack.body);
  return response;
}

CheckResponse Allow(const identity::v1::AccessTokenClaims& claims,
                    absl::string_view project_id,
                    const std::map<std::string, std::string>& headers,
                    const std::vector<IdentityHeader>& extra_headers) {
  CheckResponse response;
  response.mutable_status()->set_code(kRpcOk);
  auto* ok = response.mutable_ok_response();
  SetHeader(*ok->add_headers(), kUserIdHeader, claims.sub());
  SetHeader(*ok->add_headers(), kProjectIdHeader, project_id);
  const bool team_selected =
      claims.has_selected_team_id() && !claims.selected_team_id().empty();
  if (team_selected) {
    SetHeader(*ok->add_headers(), kTeamIdHeader, claims.selected_team_id());
  }
  SetHeader(*ok->add_headers(), kIsAnonymousHeader,
            claims.is_anonymous() ? "true" : "false");
  // The operator's extra headers: set, or removed when this user has no
  // such value (a client's copy must not pass as ours).
  std::set<absl::string_view> set_here;
  for (const IdentityHeader& extra : extra_headers) {
    std::optional<std::string> value = IdentityValue(extra.field, claims);
    if (value.has_value()) {
      SetHeader(*ok->add_headers(), extra.name, *value);
      set_here.insert(extra.name);
    } else {
      ok->add_headers_to_remove(extra.name);
    }
  }
  // Whatever else a client sent under our prefix must not reach the
  // upstream as if we had said it. The headers set above are left off the
  // list: Envoy removes after it sets.
  for (const auto& [name, value] : headers) {
    if (!absl::StartsWith(name, kLatchkeyPrefix)) continue;
    if (name == kUserIdHeader || name == kProjectIdHeader ||
        name == kIsAnonymousHeader ||
        (team_selected && name == kTeamIdHeader) || set_here.count(name) > 0)
      continue;
    // Already removed above (an extra header this user has no value for).
    if (std::any_of(extra_headers.begin(), extra_headers.end(),
                    [&](const IdentityHeader& h) { return h.name == name; }))
      continue;
    ok->add_headers_to_remove(name);
  }
  return response;
}

// The handler object the registry calls.
class AuthorizationMethods {
 public:
  explicit AuthorizationMethods(const ExtAuthz& policy) : policy_(policy) {}

  absl::StatusOr<CheckResponse> Check(CallContext&,
                                      const CheckRequest& request) {
    return policy_.Check(request);
  }

 private:
  const ExtAuthz& policy_;
};

}  // namespace

absl::StatusOr<CheckResponse> ExtAuthz::Check(
    const CheckRequest& request) const {
  const AttributeContext& attributes = request.attributes();
  const std::map<std::string, std::string> headers =
      HeadersOf(attributes.request().http());

  // The token, read as every other call reads it (x-stack-access-token,
  // its x-hexclave- alias, then Authorization: Bearer).
  RequestMetadata metadata;
  for (const auto& [name, value] : headers) metadata.Add(name, value);
  std::optional<absl::string_view> token =
      metadata.Get(RequestMetadata::kAccessToken);
  if (!token.has_value()) token = metadata.BearerToken();
  if (!token.has_value() || token->empty()) {
    return Deny(401, ApiError(identity::v1::USER_AUTHENTICATION_REQUIRED),
                /*token_sent=*/false);
  }

  core::TokenAcceptance acceptance;
  acceptance.allow_anonymous =
      Extension(attributes, kAllowAnonymousExtension) == "true";
  acceptance.allow_restricted =
      acceptance.allow_anonymous ||
      Extension(attributes, kAllowRestrictedExtension) == "true";
  // A route may pin the project; otherwise the token names it.
  std::string project_id = Extension(attributes, kProjectIdExtension);
  absl::StatusOr<identity::v1::AccessTokenClaims> claims;
  if (!project_id.empty()) {
    claims = tokens_.Verify(*token, project_id, acceptance);
  } else {
    absl::StatusOr<core::VerifiedForNamedProject> verified =
        tokens_.VerifyForNamedProject(*token, acceptance);
    if (verified.ok()) {
      claims = std::move(verified->claims);
      project_id = std::move(verified->project_id);
    } else {
      claims = verified.status();
    }
  }
  if (!claims.ok()) {
    std::optional<ApiErrorView> error = ReadApiError(claims.status());
    // Not an answer about the token (crypto failed): no decision.
    if (!error.has_value()) return claims.status();
    // A restricted user is known and refused: forbidden, not unknown.
    const int status =
        error->code == identity::v1::RESTRICTED_USER_NOT_ALLOWED ? 403 : 401;
    return Deny(status, claims.status(), true);
  }

  absl::StatusOr<std::shared_ptr<const core::ProjectSnapshot>> project =
      projects_.Get(project_id);
  if (!project.ok()) {
    if (project.status().code() != absl::StatusCode::kNotFound) {
      return project.status();
    }
    return Deny(401,
                ApiError(identity::v1::CURRENT_PROJECT_NOT_FOUND,
                         {{"project_id", project_id}},
                         "The project this token was issued for no longer "
                         "exists."),
                true);
  }

  const std::string permission = Extension(attributes, kPermissionExtension);
  if (!permission.empty()) {
    core::PermissionQuery query;
    query.user_id = claims->sub();
    query.permission_id = permission;
    const std::string team_header =
        absl::AsciiStrToLower(Extension(attributes, kTeamHeaderExtension));
    if (!team_header.empty()) {
      auto it = headers.find(team_header);
      // A value that cannot be a team id is refused here, like a missing
      // one: it must not reach a query, where bytes a database rejects
      // would turn into an error, and Envoy may be set to let requests
      // through when the check fails.
      if (it == headers.end() || !crypto::IsUuid(it->second)) {
        return Deny(
            403,
            ApiError(identity::v1::TEAM_PERMISSION_REQUIRED,
                     {{"team_id", ""},
                      {"user_id", claims->sub()},
                      {"permission_id", permission}},
                     absl::StrCat("This route needs a team permission; name "
                                  "the team in the ",
                                  team_header, " header.")),
            true);
      }
      query.team_id = it->second;
    }
    absl::StatusOr<std::vector<core::PermissionAnswer>> answers =
        permissions_.Check(project_id, {query});
    if (!answers.ok()) return answers.status();
    if (answers->empty() || !(*answers)[0].allowed) {
      if (query.team_id.has_value()) {
        return Deny(403,
                    ApiError(identity::v1::TEAM_PERMISSION_REQUIRED,
                             {{"team_id", *query.team_id},
                              {"user_id", claims->sub()},
                              {"permission_id", permission}}),
                    true);
      }
      return Deny(
          403,
          ApiError(identity::v1::PROJECT_PERMISSION_REQUIRED,
                   {{"user_id", claims->sub()}, {"permission_id", permission}}),
          true);
    }
  }
  return Allow(*claims, project_id, headers, extra_headers_);
}

const google::protobuf::ServiceDescriptor& AuthorizationService() {
  return *envoy::service::auth::v3::CheckRequest::descriptor()
              ->file()
              ->FindServiceByName("Authorization");
}

absl::Status RegisterAuthorization(MethodRegistry& registry,
                                   const ExtAuthz& policy) {
  ServiceBinder<AuthorizationMethods> bind(
      registry, AuthorizationService().full_name(),
      std::make_shared<AuthorizationMethods>(policy));
  // Envoy asks once per routed request; with warm caches the answer needs
  // only memory and CPU, so it skips the hand-off to a worker when it can.
  bind("Check", &AuthorizationMethods::Check, Execution::kInlineFirst);
  return bind.status();
}

}  // namespace latchkey::service::mesh
