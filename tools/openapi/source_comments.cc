#include "tools/openapi/source_comments.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/descriptor.h"

namespace latchkey::openapi {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::SourceLocation;

// "  Text\n  more\n" -> "Text\nmore".
std::string Clean(const std::string& raw) {
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(raw, '\n')) {
    lines.emplace_back(absl::StripAsciiWhitespace(line));
  }
  return std::string(absl::StripAsciiWhitespace(absl::StrJoin(lines, "\n")));
}

template <typename T>
void Record(const T* declaration, SourceComments& out) {
  SourceLocation location;
  if (declaration->GetSourceLocation(&location) &&
      !location.leading_comments.empty()) {
    out.Set(declaration->full_name(), Clean(location.leading_comments));
  }
}

void RecordEnum(const EnumDescriptor* type, SourceComments& out) {
  Record(type, out);
  for (int i = 0; i < type->value_count(); ++i) Record(type->value(i), out);
}

void RecordMessage(const Descriptor* type, SourceComments& out) {
  Record(type, out);
  for (int i = 0; i < type->field_count(); ++i) Record(type->field(i), out);
  for (int i = 0; i < type->nested_type_count(); ++i) {
    RecordMessage(type->nested_type(i), out);
  }
  for (int i = 0; i < type->enum_type_count(); ++i) {
    RecordEnum(type->enum_type(i), out);
  }
}

}  // namespace

absl::StatusOr<SourceComments> SourceComments::FromDescriptorSet(
    const google::protobuf::FileDescriptorSet& files) {
  // A pool of its own: only the source locations are wanted from it; the
  // declarations themselves are read from the compiled-in descriptors.
  google::protobuf::DescriptorPool pool;
  std::vector<const google::protobuf::FileDescriptor*> built;
  for (const auto& file : files.file()) {
    const google::protobuf::FileDescriptor* descriptor = pool.BuildFile(file);
    if (descriptor == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("descriptor set: ", file.name(), " does not build"));
    }
    built.push_back(descriptor);
  }
  SourceComments comments;
  for (const google::protobuf::FileDescriptor* file : built) {
    for (int i = 0; i < file->service_count(); ++i) {
      const auto* service = file->service(i);
      Record(service, comments);
      for (int j = 0; j < service->method_count(); ++j) {
        Record(service->method(j), comments);
      }
    }
    for (int i = 0; i < file->message_type_count(); ++i) {
      RecordMessage(file->message_type(i), comments);
    }
    for (int i = 0; i < file->enum_type_count(); ++i) {
      RecordEnum(file->enum_type(i), comments);
    }
  }
  return comments;
}

const std::string& SourceComments::Of(absl::string_view full_name) const {
  static const std::string* const kNone = new std::string();
  auto it = comments_.find(full_name);
  return it == comments_.end() ? *kNone : it->second;
}

}  // namespace latchkey::openapi
