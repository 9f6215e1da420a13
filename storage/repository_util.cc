#include "storage/repository_util.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "common/string_views.h"

namespace latchkey::storage {

absl::Status ValidateJson(std::string_view field, std::string_view json) {
  if (nlohmann::json::accept(json.begin(), json.end())) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat(common::Absl(field), " is not valid JSON"));
}

absl::Status NotFound(std::string_view what, std::string_view id) {
  return absl::NotFoundError(
      absl::StrCat(common::Absl(what), " ", common::Absl(id), " not found"));
}

absl::Status RequireAffected(const SqlResult& result, std::string_view what,
                             std::string_view id) {
  return result.affected_rows > 0 ? absl::OkStatus() : NotFound(what, id);
}

std::string_view ScopeName(PermissionScope scope) {
  return scope == PermissionScope::kTeam ? "team" : "project";
}

std::string EncodeStringList(const std::vector<std::string>& values) {
  return nlohmann::json(values).dump();
}

std::vector<std::string> DecodeStringList(std::string_view json) {
  nlohmann::json parsed = nlohmann::json::parse(json, nullptr, false);
  std::vector<std::string> out;
  if (!parsed.is_array()) return out;
  for (const auto& item : parsed) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

}  // namespace latchkey::storage
