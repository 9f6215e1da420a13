#ifndef STORAGE_REPOSITORY_UTIL_H_
#define STORAGE_REPOSITORY_UTIL_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/records.h"
#include "storage/sql.h"

// Small helpers the repositories share. Stateless, thread-safe.
namespace latchkey::storage {

// OK when `json` is well-formed JSON text; INVALID_ARGUMENT naming `field`
// otherwise. Storage keeps JSON as text, so this is its only guard.
absl::Status ValidateJson(std::string_view field, std::string_view json);

// NOT_FOUND "<what> <id> not found".
absl::Status NotFound(std::string_view what, std::string_view id);

// NOT_FOUND unless the statement changed at least one row.
absl::Status RequireAffected(const SqlResult& result, std::string_view what,
                             std::string_view id);

// "team" / "project", as stored.
std::string_view ScopeName(PermissionScope scope);

// JSON array text <-> list of strings (OAuth scopes).
std::string EncodeStringList(const std::vector<std::string>& values);
std::vector<std::string> DecodeStringList(std::string_view json);

}  // namespace latchkey::storage

#endif  // STORAGE_REPOSITORY_UTIL_H_
