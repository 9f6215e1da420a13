#include "service/core/project_config.h"

#include <algorithm>
#include <regex>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "crypto/strict_json.h"
#include "google/protobuf/descriptor.h"
#include "service/core/image_urls.h"
#include "service/core/trusted_domains.h"
#include "service/errors/api_error.h"
#include "service/json/json_reader.h"

namespace latchkey::service::core {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using identity::v1::ProjectConfig;

absl::Status InvalidConfig(absl::string_view problem) {
  return SchemaError(absl::StrCat("Invalid configuration: ", problem));
}

ProjectConfig BuildDefaults() {
  ProjectConfig config;
  config.set_sign_up_enabled(true);
  config.set_credential_enabled(true);
  config.set_magic_link_enabled(false);
  config.set_passkey_enabled(false);
  config.set_anonymous_accounts_enabled(true);
  config.set_client_team_creation_enabled(false);
  config.set_client_user_deletion_enabled(false);
  config.set_allow_localhost(true);
  config.set_allow_user_api_keys(false);
  config.set_allow_team_api_keys(false);
  config.set_require_email_verification(false);
  config.set_require_publishable_client_key(false);
  config.set_access_token_lifetime_seconds(600);
  config.set_refresh_token_lifetime_seconds(365LL * 24 * 3600);
  config.set_refresh_token_rotation(false);
  config.set_refresh_token_reuse_grace_seconds(10);
  config.set_password_min_length(8);
  config.set_password_max_length(70);
  config.set_create_team_on_sign_up(false);
  config.mutable_argon2()->set_memory_kib(19456);
  config.mutable_argon2()->set_iterations(2);
  config.mutable_argon2()->set_parallelism(1);
  config.mutable_profile()->set_onboarding_status("completed");
  config.add_team_creator_default_permissions("team_admin");
  config.add_team_member_default_permissions("team_member");
  auto limit = [](identity::v1::RateLimit* rate, int limit, int window) {
    rate->set_limit(limit);
    rate->set_window_seconds(window);
  };
  identity::v1::RateLimits* rates = config.mutable_rate_limits();
  // Per account: an attack on one account is slowed, then stopped for the
  // rest of the window; never forever.
  limit(rates->mutable_sign_in_per_account(), 10, 15 * 60);
  // Per IP: much looser, to catch stuffing across many accounts without
  // locking out everyone behind one NAT.
  limit(rates->mutable_sign_in_per_ip(), 100, 15 * 60);
  limit(rates->mutable_sign_up_per_ip(), 20, 60 * 60);
  limit(rates->mutable_anonymous_sign_up_per_ip(), 100, 60 * 60);
  limit(rates->mutable_refresh_per_session(), 600, 60 * 60);
  limit(rates->mutable_password_update_per_account(), 10, 60 * 60);
  limit(rates->mutable_email_per_address(), 5, 60 * 60);
  return config;
}

// The field a dotted key names, walking from `root`; the containing
// message is returned in `parent`.
const FieldDescriptor* Resolve(absl::string_view key, Message& root,
                               Message** parent) {
  Message* message = &root;
  const FieldDescriptor* field = nullptr;
  std::vector<absl::string_view> parts = absl::StrSplit(key, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    field = message->GetDescriptor()->FindFieldByName(std::string(parts[i]));
    if (field == nullptr) return nullptr;
    if (i + 1 < parts.size()) {
      if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
          field->is_repeated()) {
        return nullptr;
      }
      message = message->GetReflection()->MutableMessage(message, field);
    }
  }
  *parent = message;
  return field;
}

// Sets one dotted key: the value is read by the gateway's JSON codec into
// a scratch copy of the containing message, then that one field is swapped
// into place, so a list or message is replaced, never merged.
absl::Status SetKey(absl::string_view key, const nlohmann::json& value,
                    ProjectConfig& config) {
  Message* parent = nullptr;
  const FieldDescriptor* field = Resolve(key, config, &parent);
  if (field == nullptr) {
    return InvalidConfig(absl::StrCat("unknown key \"", key, "\""));
  }
  if (value.is_null()) {
    // Back to the default.
    ProjectConfig defaults = DefaultProjectConfig();
    Message* default_parent = nullptr;
    Resolve(key, defaults, &default_parent);
    parent->GetReflection()->SwapFields(parent, default_parent, {field});
    return absl::OkStatus();
  }
  std::unique_ptr<Message> scratch(parent->New());
  nlohmann::json object = nlohmann::json::object();
  object[field->name()] = value;
  if (auto error =
          JsonToMessage(object, *scratch, key.substr(0, 0), {}, nullptr);
      error.has_value()) {
    // The codec names the field from the scratch message; name the key.
    std::string message = error->message;
    const std::string prefix = "." + field->name();
    if (absl::StartsWith(message, prefix))
      message = message.substr(prefix.size());
    return InvalidConfig(absl::StrCat("\"", key, "\"", message));
  }
  parent->GetReflection()->SwapFields(parent, scratch.get(), {field});
  return absl::OkStatus();
}

bool IsPermissionId(const std::string& id) {
  static const std::regex* const kPattern =
      new std::regex("^\\$?[a-z0-9_:]{1,256}$");
  return std::regex_match(id, *kPattern);
}

// The profile.* keys: logos are image URLs, onboarding_status one of
// Stack's dashboard stages.
absl::Status CheckProfile(const identity::v1::ProjectProfile& profile) {
  const std::pair<const char*, const std::string*> logos[] = {
      {"logo_url", &profile.logo_url()},
      {"logo_full_url", &profile.logo_full_url()},
      {"logo_dark_mode_url", &profile.logo_dark_mode_url()},
      {"logo_full_dark_mode_url", &profile.logo_full_dark_mode_url()},
  };
  for (const auto& [name, value] : logos) {
    if (value->empty()) continue;
    if (auto status = CheckImageUrl(absl::StrCat("profile.", name), *value);
        !status.ok()) {
      return status;
    }
  }
  static const std::set<std::string> kStages = {
      "config_choice",     "apps_selection", "auth_setup", "domain_setup",
      "email_theme_setup", "payments_setup", "welcome",    "completed"};
  if (!kStages.count(profile.onboarding_status())) {
    return SchemaError(
        "profile.onboarding_status must be one of config_choice, "
        "apps_selection, "
        "auth_setup, domain_setup, email_theme_setup, payments_setup, welcome, "
        "completed");
  }
  return absl::OkStatus();
}

absl::Status CheckRange(absl::string_view key, int64_t value, int64_t min,
                        int64_t max) {
  if (value < min || value > max) {
    return InvalidConfig(absl::StrCat("\"", key, "\" must be from ", min,
                                      " to ", max, ", not ", value));
  }
  return absl::OkStatus();
}

}  // namespace

const ProjectConfig& DefaultProjectConfig() {
  static const ProjectConfig* const kDefaults =
      new ProjectConfig(BuildDefaults());
  return *kDefaults;
}

absl::Status ValidateProjectConfig(const ProjectConfig& config) {
  struct Range {
    const char* key;
    int64_t value;
    int64_t min;
    int64_t max;
  };
  const Range ranges[] = {
      {"access_token_lifetime_seconds", config.access_token_lifetime_seconds(),
       60, 24 * 3600},
      {"refresh_token_lifetime_seconds",
       config.refresh_token_lifetime_seconds(), 300, 10LL * 365 * 24 * 3600},
      {"refresh_token_reuse_grace_seconds",
       config.refresh_token_reuse_grace_seconds(), 0, 300},
      {"password_min_length", config.password_min_length(), 1, 256},
      {"password_max_length", config.password_max_length(),
       std::max(1, config.password_min_length()), 1024},
      {"argon2.memory_kib", config.argon2().memory_kib(), 1024,
       4 * 1024 * 1024},
      {"argon2.iterations", config.argon2().iterations(), 1, 16},
      {"argon2.parallelism", config.argon2().parallelism(), 1, 16},
  };
  for (const Range& range : ranges) {
    if (auto status = CheckRange(range.key, range.value, range.min, range.max);
        !status.ok()) {
      return status;
    }
  }
  const auto* limits = config.rate_limits().GetDescriptor();
  for (int i = 0; i < limits->field_count(); ++i) {
    const auto& rate = static_cast<const identity::v1::RateLimit&>(
        config.rate_limits().GetReflection()->GetMessage(config.rate_limits(),
                                                         limits->field(i)));
    const std::string key =
        absl::StrCat("rate_limits.", limits->field(i)->name());
    if (auto status = CheckRange(key + ".limit", rate.limit(), 1, 1000000);
        !status.ok()) {
      return status;
    }
    if (auto status = CheckRange(key + ".window_seconds", rate.window_seconds(),
                                 1, 86400);
        !status.ok()) {
      return status;
    }
  }
  if (auto status = CheckProfile(config.profile()); !status.ok()) {
    return status;
  }
  if (const auto& bot = config.bot_challenge(); !bot.verify_url().empty()) {
    if (!absl::StartsWith(bot.verify_url(), "https://") &&
        !absl::StartsWith(bot.verify_url(), "http://")) {
      return InvalidConfig("bot_challenge.verify_url must be an http(s) URL");
    }
    if (bot.secret().empty() || bot.secret().size() > 1024) {
      return InvalidConfig(
          "bot_challenge.secret must be set (at most 1024 characters) with "
          "a verify_url");
    }
  }
  if (config.domains_size() > 100) {
    return InvalidConfig("at most 100 trusted domains");
  }
  for (const auto& domain : config.domains()) {
    if (auto parsed = ParseDomainPattern(domain.domain()); !parsed.ok()) {
      return InvalidConfig(parsed.status().message());
    }
    if (!domain.handler_path().empty() && domain.handler_path()[0] != '/') {
      return InvalidConfig("a trusted domain's handler_path must start with /");
    }
  }
  for (const auto* list : {&config.team_creator_default_permissions(),
                           &config.team_member_default_permissions(),
                           &config.user_default_project_permissions()}) {
    for (const std::string& id : *list) {
      if (!IsPermissionId(id)) {
        return InvalidConfig(
            absl::StrCat("\"", id.substr(0, 64), "\" is not a permission id"));
      }
    }
  }
  static const std::set<std::string> kTemplates = {
      "email_verification", "sign_in_code", "password_reset",
      "team_invitation"};
  for (const auto& [kind, email] : config.email_templates()) {
    if (!kTemplates.count(kind)) {
      return InvalidConfig(
          absl::StrCat("unknown email template \"", kind.substr(0, 64), "\""));
    }
    if (email.subject().empty() || email.text().empty()) {
      return InvalidConfig("an email template needs a subject and a text");
    }
  }
  if (config.display_name_for_emails().size() > 256) {
    return InvalidConfig("display_name_for_emails is too long");
  }
  static const std::set<std::string> kMergeStrategies = {
      "", "link_method", "raise_error", "allow_duplicates"};
  if (!kMergeStrategies.count(config.oauth_account_merge_strategy())) {
    return InvalidConfig(
        "oauth_account_merge_strategy must be link_method, raise_error or "
        "allow_duplicates");
  }
  return absl::OkStatus();
}

absl::Status CheckArgon2Ceiling(const ProjectConfig& current,
                                const ProjectConfig& updated,
                                const Argon2Ceiling& ceiling) {
  struct Limit {
    const char* key;
    int64_t current;
    int64_t updated;
    int64_t min;
    int64_t max;
  };
  const Limit limits[] = {
      {"argon2.memory_kib", current.argon2().memory_kib(),
       updated.argon2().memory_kib(), 1024, ceiling.max_memory_kib},
      {"argon2.iterations", current.argon2().iterations(),
       updated.argon2().iterations(), 1, ceiling.max_iterations},
      {"argon2.parallelism", current.argon2().parallelism(),
       updated.argon2().parallelism(), 1, ceiling.max_parallelism},
  };
  for (const Limit& limit : limits) {
    if (limit.updated <= limit.max || limit.updated == limit.current) continue;
    return InvalidConfig(absl::StrCat(
        "\"", limit.key, "\" must be from ", limit.min, " to ", limit.max,
        " (this server's limit on password hashing cost), not ",
        limit.updated));
  }
  return absl::OkStatus();
}

absl::Status ApplyConfigOverride(const nlohmann::json& override_object,
                                 ProjectConfig& config) {
  if (!override_object.is_object()) {
    return InvalidConfig("an override must be a JSON object of dotted keys");
  }
  // Shorter keys first, so "argon2" is replaced before "argon2.iterations"
  // refines it.
  std::vector<std::string> keys;
  for (const auto& [key, value] : override_object.items()) keys.push_back(key);
  std::sort(keys.begin(), keys.end(),
            [](const std::string& a, const std::string& b) {
              const auto depth = [](const std::string& k) {
                return std::count(k.begin(), k.end(), '.');
              };
              return depth(a) != depth(b) ? depth(a) < depth(b) : a < b;
            });
  ProjectConfig candidate = config;
  for (const std::string& key : keys) {
    if (auto status = SetKey(key, override_object.at(key), candidate);
        !status.ok()) {
      return status;
    }
  }
  if (auto status = ValidateProjectConfig(candidate); !status.ok()) {
    return status;
  }
  config = std::move(candidate);
  return absl::OkStatus();
}

absl::StatusOr<ProjectConfig> EffectiveProjectConfig(
    const std::vector<std::string>& override_json_levels) {
  ProjectConfig config = DefaultProjectConfig();
  for (const std::string& text : override_json_levels) {
    absl::StatusOr<nlohmann::json> object = crypto::ParseStrictJsonObject(text);
    if (!object.ok())
      return InvalidConfig("a stored override is not a JSON object");
    if (auto status = ApplyConfigOverride(*object, config); !status.ok()) {
      return status;
    }
  }
  return config;
}

nlohmann::json MergeOverrides(const nlohmann::json& existing,
                              const nlohmann::json& patch) {
  nlohmann::json merged =
      existing.is_object() ? existing : nlohmann::json::object();
  for (const auto& [key, value] : patch.items()) {
    // The patch's key supersedes every key beneath it.
    for (auto it = merged.begin(); it != merged.end();) {
      if (it.key() == key || absl::StartsWith(it.key(), key + ".")) {
        it = merged.erase(it);
      } else {
        ++it;
      }
    }
    if (!value.is_null()) merged[key] = value;
  }
  return merged;
}

}  // namespace latchkey::service::core
