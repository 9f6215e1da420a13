#ifndef TOOLS_OPENAPI_SOURCE_COMMENTS_H_
#define TOOLS_OPENAPI_SOURCE_COMMENTS_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.pb.h"

namespace latchkey::openapi {

// The leading comments of the contract's declarations, by full name
// ("identity.v1.AuthService.PasswordSignUp", "identity.v1.User.id"). The
// compiled-in descriptors carry no comments, so they come from a descriptor
// set built with --include_source_info.
class SourceComments {
 public:
  // Reads every service, method, message, field, enum and enum value of
  // `files` (dependencies before dependents, as protoc writes them).
  // INVALID_ARGUMENT when the set does not form a consistent pool.
  static absl::StatusOr<SourceComments> FromDescriptorSet(
      const google::protobuf::FileDescriptorSet& files);

  // The comment, whitespace-trimmed, lines joined with "\n"; "" if none.
  const std::string& Of(absl::string_view full_name) const;

  void Set(std::string full_name, std::string comment) {
    comments_[std::move(full_name)] = std::move(comment);
  }

 private:
  std::map<std::string, std::string, std::less<>> comments_;
};

}  // namespace latchkey::openapi

#endif  // TOOLS_OPENAPI_SOURCE_COMMENTS_H_
