#include "service/core/stack_project_body.h"

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "service/errors/api_error.h"

namespace latchkey::service::core {
namespace {

absl::Status Invalid(absl::string_view key, absl::string_view problem) {
  return SchemaError(absl::StrCat("body.config.", key, " ", problem));
}

// A list of {id} (Stack) or of strings (Latchkey) as a list of strings.
absl::StatusOr<nlohmann::json> PermissionIds(absl::string_view key,
                                             const nlohmann::json& value) {
  if (!value.is_array()) return Invalid(key, "must be a list");
  nlohmann::json out = nlohmann::json::array();
  for (const nlohmann::json& item : value) {
    if (item.is_string()) {
      out.push_back(item);
    } else if (item.is_object() && item.size() == 1 && item.contains("id") &&
               item["id"].is_string()) {
      out.push_back(item["id"]);
    } else {
      return Invalid(key, "must be a list of {\"id\": string}");
    }
  }
  return out;
}

std::string StringMember(const nlohmann::json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

// Stack's legacy provider list: the id is both the provider id and its
// type; "shared" uses the deployment's development client for the type,
// "standard" the project's own client.
absl::StatusOr<std::vector<OAuthProviderInput>> Providers(
    const nlohmann::json& value) {
  static const std::set<std::string> kTypes = {
      "google", "github",    "microsoft", "spotify", "facebook", "discord",
      "gitlab", "bitbucket", "linkedin",  "apple",   "x",        "twitch"};
  static const std::set<std::string> kMembers = {"id",
                                                 "type",
                                                 "client_id",
                                                 "client_secret",
                                                 "facebook_config_id",
                                                 "microsoft_tenant_id",
                                                 "apple_bundle_ids"};
  if (!value.is_array()) return Invalid("oauth_providers", "must be a list");
  std::vector<OAuthProviderInput> out;
  std::set<std::string> seen;
  for (const nlohmann::json& item : value) {
    if (!item.is_object()) {
      return Invalid("oauth_providers", "must be a list of objects");
    }
    for (const auto& [member, member_value] : item.items()) {
      if (!kMembers.count(member)) {
        return Invalid(
            "oauth_providers",
            absl::StrCat("has an unknown key \"", member.substr(0, 64), "\""));
      }
      if (member_value.is_null()) continue;
      if (member == "apple_bundle_ids") {
        return Invalid("oauth_providers",
                       "apple_bundle_ids is not supported: Latchkey has no "
                       "native Apple sign-in route");
      }
      if ((member == "facebook_config_id" || member == "microsoft_tenant_id") &&
          !member_value.is_string()) {
        return Invalid("oauth_providers",
                       absl::StrCat(member, " must be a string"));
      }
    }
    const std::string id = StringMember(item, "id");
    const std::string type = StringMember(item, "type");
    if (!kTypes.count(id)) {
      return Invalid(
          "oauth_providers",
          absl::StrCat("names \"", id.substr(0, 64),
                       "\"; the provider ids are google, github, microsoft, "
                       "spotify, facebook, discord, gitlab, bitbucket, "
                       "linkedin, apple, x and twitch (others: PUT "
                       "/internal/oauth-providers)"));
    }
    if (type != "standard" && type != "shared") {
      return Invalid("oauth_providers",
                     "type must be \"standard\" or \"shared\"");
    }
    OAuthProviderInput provider;
    provider.provider_id = id;
    provider.type = id;
    provider.is_shared = type == "shared";
    if (!provider.is_shared) {
      provider.client_id = StringMember(item, "client_id");
      const std::string secret = StringMember(item, "client_secret");
      if (provider.client_id.empty() || secret.empty()) {
        return Invalid(
            "oauth_providers",
            absl::StrCat("entry \"", id,
                         "\" needs a client_id and a client_secret"));
      }
      provider.client_secret = secret;
    }
    if (!seen.insert(id).second) {
      return Invalid("oauth_providers",
                     absl::StrCat("names \"", id, "\" twice"));
    }
    const std::string tenant = StringMember(item, "microsoft_tenant_id");
    if (!tenant.empty()) provider.microsoft_tenant_id = tenant;
    const std::string config_id = StringMember(item, "facebook_config_id");
    if (!config_id.empty()) provider.facebook_config_id = config_id;
    provider.enabled = true;
    out.push_back(std::move(provider));
  }
  return out;
}

absl::Status CheckEmailConfig(const nlohmann::json& value) {
  if (!value.is_object()) return Invalid("email_config", "must be an object");
  const std::string type = StringMember(value, "type");
  if (type == "shared") {
    for (const auto& [member, member_value] : value.items()) {
      if (member != "type" && !member_value.is_null()) {
        return Invalid("email_config",
                       "of type \"shared\" takes no other settings");
      }
    }
    return absl::OkStatus();
  }
  if (type == "standard") {
    return Invalid("email_config",
                   "of type \"standard\" is not supported: mail goes through "
                   "the deployment's SMTP server (--smtp_* flags); per "
                   "project, set display_name_for_emails and email_templates");
  }
  return Invalid("email_config", "type must be \"shared\" or \"standard\"");
}

}  // namespace

absl::StatusOr<ProjectConfigBody> TranslateProjectConfigBody(
    const nlohmann::json& config) {
  if (!config.is_object()) {
    return SchemaError("body.config must be an object");
  }
  ProjectConfigBody out;
  for (const auto& [key, value] : config.items()) {
    if (key == "oauth_providers") {
      if (value.is_null()) continue;
      absl::StatusOr<std::vector<OAuthProviderInput>> providers =
          Providers(value);
      if (!providers.ok()) return providers.status();
      out.oauth_providers = *std::move(providers);
    } else if (key == "email_config") {
      if (value.is_null()) continue;
      absl::Status status = CheckEmailConfig(value);
      if (!status.ok()) return status;
    } else if (key == "email_theme") {
      if (!value.is_null() && !value.is_string()) {
        return Invalid("email_theme", "must be a string");
      }
    } else if (key == "team_creator_default_permissions" ||
               key == "team_member_default_permissions" ||
               key == "user_default_permissions") {
      const std::string target = key == "user_default_permissions"
                                     ? "user_default_project_permissions"
                                     : key;
      if (value.is_null()) {
        // Null on a Latchkey key restores the default; Stack's spelling
        // has no such meaning, so only the Latchkey name passes it on.
        if (key == target) out.override_keys[target] = value;
        continue;
      }
      absl::StatusOr<nlohmann::json> ids = PermissionIds(key, value);
      if (!ids.ok()) return ids.status();
      out.override_keys[target] = *std::move(ids);
    } else {
      out.override_keys[key] = value;
    }
  }
  return out;
}

}  // namespace latchkey::service::core
