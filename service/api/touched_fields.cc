#include "service/api/touched_fields.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "service/errors/api_error.h"

namespace latchkey::service::api {

absl::Status Touched::Check(
    std::initializer_list<absl::string_view> fixed) const {
  for (const std::string& path : mask_.paths()) {
    bool bad = request_.GetDescriptor()->FindFieldByName(path) == nullptr ||
               path == "update_mask";
    for (absl::string_view name : fixed) bad = bad || path == name;
    if (bad) {
      return SchemaError(absl::StrCat("update_mask names an unknown field \"",
                                      path.substr(0, 64), "\""));
    }
  }
  return absl::OkStatus();
}

bool Touched::operator()(absl::string_view name) const {
  if (mask_.paths_size() > 0) {
    for (const std::string& path : mask_.paths()) {
      if (path == name) return true;
    }
    return false;
  }
  const google::protobuf::FieldDescriptor* field =
      request_.GetDescriptor()->FindFieldByName(std::string(name));
  if (field == nullptr) return false;
  if (field->is_repeated()) {
    return request_.GetReflection()->FieldSize(request_, field) > 0;
  }
  return request_.GetReflection()->HasField(request_, field);
}

}  // namespace latchkey::service::api
