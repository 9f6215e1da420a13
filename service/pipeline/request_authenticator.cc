#include "service/pipeline/request_authenticator.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "service/errors/api_error.h"

namespace latchkey::service {
namespace {

using identity::v1::AccessRule;
using identity::v1::AccessType;

// Headers that carry a project key or an admin credential: sending one
// without saying which access type it is for is a client bug.
constexpr absl::string_view kKeyHeaders[] = {
    RequestMetadata::kPublishableClientKey,
    RequestMetadata::kSecretServerKey,
    RequestMetadata::kSuperSecretAdminKey,
    RequestMetadata::kAdminAccessToken,
};

bool Allows(const AccessRule& rule, AccessType type) {
  return std::find(rule.allow().begin(), rule.allow().end(), type) !=
         rule.allow().end();
}

std::string AllowedAccessTypesJson(const AccessRule& rule) {
  std::vector<std::string> names;
  for (int type : rule.allow()) {
    names.push_back(absl::StrCat(
        "\"",
        RequestAuthenticator::AccessTypeName(static_cast<AccessType>(type)),
        "\""));
  }
  return absl::StrCat("[", absl::StrJoin(names, ","), "]");
}

// NOT_FOUND from a lookup means "no such key / not an admin"; anything else
// (the database is down) must not be mistaken for a bad credential.
bool IsAbsent(const absl::Status& status) {
  return status.code() == absl::StatusCode::kNotFound;
}

}  // namespace

std::optional<AccessType> RequestAuthenticator::ParseAccessType(
    absl::string_view text) {
  if (text == "client") return identity::v1::ACCESS_TYPE_CLIENT;
  if (text == "server") return identity::v1::ACCESS_TYPE_SERVER;
  if (text == "admin") return identity::v1::ACCESS_TYPE_ADMIN;
  return std::nullopt;
}

absl::string_view RequestAuthenticator::AccessTypeName(AccessType type) {
  switch (type) {
    case identity::v1::ACCESS_TYPE_CLIENT:
      return "client";
    case identity::v1::ACCESS_TYPE_SERVER:
      return "server";
    case identity::v1::ACCESS_TYPE_ADMIN:
      return "admin";
    default:
      return "";
  }
}

absl::Status RequestAuthenticator::Authenticate(const AccessRule& rule,
                                                CallContext& context) const {
  // Public methods (JWKS, the OAuth token endpoint, first-admin setup) name
  // their project in the request and check whatever it carries themselves.
  if (rule.public_()) return absl::OkStatus();

  const RequestMetadata& metadata = context.metadata();
  std::optional<absl::string_view> access_type_text =
      metadata.Get(RequestMetadata::kAccessType);
  std::optional<absl::string_view> project_id =
      metadata.Get(RequestMetadata::kProjectId);

  // 1-3: the shape of the request's credentials.
  if (!access_type_text.has_value()) {
    for (absl::string_view header : kKeyHeaders) {
      if (metadata.Get(header).has_value()) {
        return ApiError(identity::v1::PROJECT_KEY_WITHOUT_ACCESS_TYPE);
      }
    }
    return ApiError(identity::v1::ACCESS_TYPE_REQUIRED);
  }
  std::optional<AccessType> access_type = ParseAccessType(*access_type_text);
  if (!access_type.has_value()) {
    return ApiError(
        identity::v1::INVALID_ACCESS_TYPE,
        {{"accessType", std::string(*access_type_text)}},
        absl::StrCat("The x-stack-access-type header must be client, server "
                     "or admin, not \"",
                     access_type_text->substr(0, 64), "\"."));
  }
  if (!project_id.has_value() || project_id->empty()) {
    return ApiError(identity::v1::ACCESS_TYPE_WITHOUT_PROJECT_ID,
                    {{"request_type", std::string(*access_type_text)}});
  }
  Caller& caller = context.mutable_caller();
  caller.project_id = std::string(*project_id);
  caller.access_type = *access_type;

  // 4: the user's access token.
  std::optional<absl::string_view> token =
      metadata.Get(RequestMetadata::kAccessToken);
  if (!token.has_value()) token = metadata.BearerToken();
  if (token.has_value()) {
    core::TokenAcceptance acceptance;
    acceptance.allow_anonymous =
        rule.always_allow_anonymous_user() ||
        metadata.IsTrue(RequestMetadata::kAllowAnonymousUser);
    acceptance.allow_restricted =
        acceptance.allow_anonymous ||
        metadata.IsTrue(RequestMetadata::kAllowRestrictedUser);
    absl::StatusOr<identity::v1::AccessTokenClaims> claims =
        tokens_.Verify(*token, caller.project_id, acceptance);
    if (!claims.ok()) return claims.status();
    caller.user = *std::move(claims);
  }

  // 5: the project.
  absl::StatusOr<std::shared_ptr<const core::ProjectSnapshot>> project =
      projects_.Get(caller.project_id);
  if (!project.ok()) {
    if (IsAbsent(project.status())) {
      return ApiError(identity::v1::CURRENT_PROJECT_NOT_FOUND,
                      {{"project_id", caller.project_id}},
                      absl::StrCat("No project has the id \"",
                                   caller.project_id.substr(0, 64), "\"."));
    }
    return project.status();
  }
  caller.project = *project;

  // 6: the key for the access type.
  if (absl::Status status = CheckKey(**project, *access_type, context);
      !status.ok()) {
    return status;
  }

  // 7: the branch. Projects have one branch, "main".
  if (std::optional<absl::string_view> branch =
          metadata.Get(RequestMetadata::kBranchId);
      branch.has_value() && !branch->empty()) {
    if (*branch != "main") {
      return ApiError(identity::v1::BRANCH_DOES_NOT_EXIST,
                      {{"branch_id", std::string(branch->substr(0, 64))}});
    }
    caller.branch_id = std::string(*branch);
  }

  if (!Allows(rule, *access_type)) {
    return ApiError(
        identity::v1::INSUFFICIENT_ACCESS_TYPE,
        {{"actual_access_type", std::string(AccessTypeName(*access_type))},
         {"allowed_access_types", AllowedAccessTypesJson(rule)}},
        absl::StrCat("This call is not allowed with access type ",
                     AccessTypeName(*access_type), "."));
  }
  const bool user_required =
      rule.user() == identity::v1::USER_REQUIREMENT_REQUIRED ||
      (rule.user() == identity::v1::USER_REQUIREMENT_REQUIRED_FOR_CLIENT &&
       *access_type == identity::v1::ACCESS_TYPE_CLIENT);
  if (user_required && !caller.user.has_value()) {
    if (rule.user_in_schema()) {
      return SchemaError(
          "auth.user is required: send the signed-in user's access token");
    }
    return ApiError(identity::v1::USER_AUTHENTICATION_REQUIRED);
  }
  return absl::OkStatus();
}

absl::Status RequestAuthenticator::CheckKey(
    const core::ProjectSnapshot& project, AccessType type,
    CallContext& context) const {
  const RequestMetadata& metadata = context.metadata();
  const std::string& project_id = project.project.id;
  auto verify = [&](storage::ApiKeyKind kind, absl::string_view key,
                    identity::v1::ErrorCode invalid) -> absl::Status {
    absl::Status status = projects_.VerifyKey(project_id, kind, key);
    if (status.ok()) return status;
    if (IsAbsent(status))
      return ApiError(invalid, {{"project_id", project_id}});
    return status;
  };
  switch (type) {
    case identity::v1::ACCESS_TYPE_CLIENT: {
      std::optional<absl::string_view> key =
          metadata.Get(RequestMetadata::kPublishableClientKey);
      if (key.has_value()) {
        return verify(storage::ApiKeyKind::kPublishableClient, *key,
                      identity::v1::INVALID_PUBLISHABLE_CLIENT_KEY);
      }
      if (project.config.require_publishable_client_key()) {
        return ApiError(
            identity::v1::PUBLISHABLE_CLIENT_KEY_REQUIRED_FOR_PROJECT,
            {{"project_id", project_id}});
      }
      return absl::OkStatus();
    }
    case identity::v1::ACCESS_TYPE_SERVER: {
      std::optional<absl::string_view> key =
          metadata.Get(RequestMetadata::kSecretServerKey);
      if (!key.has_value()) {
        return ApiError(identity::v1::SERVER_AUTHENTICATION_REQUIRED);
      }
      return verify(storage::ApiKeyKind::kSecretServer, *key,
                    identity::v1::INVALID_SECRET_SERVER_KEY);
    }
    case identity::v1::ACCESS_TYPE_ADMIN: {
      if (std::optional<absl::string_view> key =
              metadata.Get(RequestMetadata::kSuperSecretAdminKey);
          key.has_value()) {
        return verify(storage::ApiKeyKind::kSuperSecretAdmin, *key,
                      identity::v1::INVALID_SUPER_SECRET_ADMIN_KEY);
      }
      std::optional<absl::string_view> admin_token =
          metadata.Get(RequestMetadata::kAdminAccessToken);
      if (!admin_token.has_value()) {
        return ApiError(identity::v1::ADMIN_AUTHENTICATION_REQUIRED);
      }
      absl::StatusOr<identity::v1::AccessTokenClaims> admin =
          tokens_.VerifyAdmin(*admin_token);
      if (!admin.ok()) return admin.status();
      absl::Status member =
          projects_.VerifyAdministrator(project, admin->sub());
      if (IsAbsent(member)) {
        return ApiError(identity::v1::ADMIN_ACCESS_TOKEN_IS_NOT_ADMIN);
      }
      if (!member.ok()) return member;
      context.mutable_caller().admin_user_id = admin->sub();
      return absl::OkStatus();
    }
    default:
      return ApiError(identity::v1::ACCESS_TYPE_REQUIRED);
  }
}

}  // namespace latchkey::service
