#include "service/request_authenticator.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "service/api_error.h"

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

  if (!access_type_text.has_value()) {
    for (absl::string_view header : kKeyHeaders) {
      if (metadata.Get(header).has_value()) {
        return ApiError(identity::v1::PROJECT_KEY_WITHOUT_ACCESS_TYPE);
      }
    }
  }
  std::optional<AccessType> access_type;
  if (access_type_text.has_value()) {
    access_type = ParseAccessType(*access_type_text);
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
  }
  if (!access_type.has_value()) {
    return ApiError(identity::v1::ACCESS_TYPE_REQUIRED);
  }

  Caller& caller = context.mutable_caller();
  caller.project_id = std::string(*project_id);
  caller.access_type = *access_type;
  if (std::optional<absl::string_view> branch =
          metadata.Get(RequestMetadata::kBranchId);
      branch.has_value() && !branch->empty()) {
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

  const bool has_user_token =
      metadata.Get(RequestMetadata::kAccessToken).has_value() ||
      metadata.BearerToken().has_value();
  const bool user_required =
      rule.user() == identity::v1::USER_REQUIREMENT_REQUIRED ||
      (rule.user() == identity::v1::USER_REQUIREMENT_REQUIRED_FOR_CLIENT &&
       *access_type == identity::v1::ACCESS_TYPE_CLIENT);
  if (user_required && !has_user_token) {
    return ApiError(identity::v1::USER_AUTHENTICATION_REQUIRED);
  }
  return absl::OkStatus();
}

}  // namespace latchkey::service
