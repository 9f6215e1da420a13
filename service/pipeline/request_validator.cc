#include "service/pipeline/request_validator.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <set>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/reflection.h"
#include "service/errors/api_error.h"

namespace latchkey::service {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

absl::Status FieldError(const std::string& path, absl::string_view problem) {
  return SchemaError(
      absl::StrCat("Request validation failed: ", path, " ", problem, "."));
}

// Where a field sits in the request: a chain through the enclosing fields,
// turned into text ("users[2].primary_email") only for an error. A valid
// request, nearly every one, then builds no strings at all.
struct FieldPath {
  const FieldPath* parent = nullptr;
  absl::string_view name;  // the field; empty for an element
  int index = -1;          // the element of a repeated field, or -1

  std::string Text() const {
    std::string text = parent == nullptr ? "" : parent->Text();
    if (!name.empty()) {
      if (!text.empty()) text += '.';
      absl::StrAppend(&text, name);
    }
    if (index >= 0) absl::StrAppend(&text, "[", index, "]");
    return text;
  }
};

absl::Status FieldError(const FieldPath& path, absl::string_view problem) {
  return FieldError(path.Text(), problem);
}

bool IsFieldMask(const Descriptor* type) {
  return type->full_name() == "google.protobuf.FieldMask";
}

bool IsJsonValueType(const Descriptor* type) {
  const std::string& name = type->full_name();
  return name == "google.protobuf.Value" || name == "google.protobuf.Struct" ||
         name == "google.protobuf.ListValue";
}

// Whether a field's rule asks anything of a request (omit_if_unset and
// rest_name shape responses only).
bool RuleChecksRequests(const identity::v1::FieldRule& rule) {
  return rule.required() || rule.server_only() || rule.max_length() > 0 ||
         rule.has_min() || rule.has_max();
}

constexpr int kUnboundedNesting = std::numeric_limits<int>::max();

// What a message type can ask of a request, worked out once per type from
// its descriptor. A type that is rule_free, of bounded nesting, in a
// request too small to break a default limit (Validator::SkipType) cannot
// fail validation, so its values are not walked: protobuf reflection over
// every field of every such value (an Envoy CheckRequest's headers map is
// converted to a repeated field just to be counted) was most of the
// validator's cost.
struct TypeFacts {
  // No field rule, FieldMask or JSON value anywhere within.
  bool rule_free = true;
  // A repeated scalar field within, whose elements may take one byte each
  // on the wire (packed); other elements take at least two.
  bool one_byte_elements = false;
  // The deepest chain of message fields below a value of the type.
  int nesting = 0;
};

class TypeFactsCache {
 public:
  const TypeFacts& Of(const Descriptor* type) {
    if (auto found = facts_.find(type); found != facts_.end()) {
      return found->second;
    }
    std::set<const Descriptor*> in_progress;
    Compute(type, in_progress);
    return facts_.at(type);
  }

 private:
  TypeFacts Compute(const Descriptor* type,
                    std::set<const Descriptor*>& in_progress) {
    if (auto found = facts_.find(type); found != facts_.end()) {
      return found->second;
    }
    TypeFacts facts;
    if (!in_progress.insert(type).second) {
      // A type that contains itself: values may nest without bound.
      facts.nesting = kUnboundedNesting;
      return facts;
    }
    if (IsJsonValueType(type) || IsFieldMask(type)) facts.rule_free = false;
    for (int i = 0; i < type->field_count(); ++i) {
      const FieldDescriptor* field = type->field(i);
      if (RuleChecksRequests(
              field->options().GetExtension(identity::v1::field))) {
        facts.rule_free = false;
      }
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        const TypeFacts inner = Compute(field->message_type(), in_progress);
        facts.rule_free = facts.rule_free && inner.rule_free;
        facts.one_byte_elements =
            facts.one_byte_elements || inner.one_byte_elements;
        facts.nesting = inner.nesting == kUnboundedNesting
                            ? kUnboundedNesting
                            : std::max(facts.nesting, inner.nesting + 1);
      } else if (field->is_repeated() &&
                 field->cpp_type() != FieldDescriptor::CPPTYPE_STRING) {
        facts.one_byte_elements = true;
      }
    }
    in_progress.erase(type);
    // A result that leaned on a type still in progress (a cycle) is not
    // kept: the cycle's entry point records the unbounded nesting.
    if (in_progress.empty() || facts.nesting != kUnboundedNesting) {
      facts_.emplace(type, facts);
    }
    return facts;
  }

  absl::flat_hash_map<const Descriptor*, TypeFacts> facts_;
};

// Per thread, so that no lock is taken on the way; descriptors live for the
// process, and the handful of request types costs each thread little.
TypeFactsCache& ThreadTypeFacts() {
  thread_local TypeFactsCache cache;
  return cache;
}

class Validator {
 public:
  Validator(identity::v1::AccessType caller, const ValidationLimits& limits,
            size_t request_bytes)
      : caller_(caller), limits_(limits), request_bytes_(request_bytes) {}

  // Whether values of `type` at `depth` cannot fail any check, so need not
  // be walked: the type has no rules (TypeFacts), its deepest value stays
  // within max_depth, and the whole request is too small for any string in
  // it to pass the default length limit or any repeated field the default
  // element count (an element takes at least one byte on the wire, two
  // unless packed scalars).
  bool SkipType(const Descriptor* type, int depth) const {
    const TypeFacts& facts = ThreadTypeFacts().Of(type);
    if (!facts.rule_free || facts.nesting == kUnboundedNesting ||
        depth + facts.nesting > limits_.max_depth) {
      return false;
    }
    const size_t bytes_per_element = facts.one_byte_elements ? 1 : 2;
    return request_bytes_ <=
               static_cast<size_t>(limits_.default_max_string_bytes) &&
           request_bytes_ / bytes_per_element <=
               static_cast<size_t>(limits_.default_max_elements);
  }

  absl::Status Check(const Message& message, const FieldPath& prefix,
                     int depth) {
    if (auto status = CheckMasks(message, prefix); !status.ok()) {
      return status;
    }
    if (depth > limits_.max_depth) {
      return FieldError(prefix, "is nested too deeply");
    }
    const Descriptor* type = message.GetDescriptor();
    const Reflection* reflection = message.GetReflection();
    for (int i = 0; i < type->field_count(); ++i) {
      const FieldDescriptor* field = type->field(i);
      const identity::v1::FieldRule& rule =
          field->options().GetExtension(identity::v1::field);
      const FieldPath path{&prefix, field->name()};
      if (field->is_repeated()) {
        // Neither counted nor walked when nothing about it can fail (a
        // map's count alone makes reflection build a copy of its entries).
        if (!RuleChecksRequests(rule) &&
            (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE
                 ? SkipType(field->message_type(), depth + 1)
                 : request_bytes_ <= static_cast<size_t>(std::min(
                                         limits_.default_max_string_bytes,
                                         limits_.default_max_elements)))) {
          continue;
        }
        const int count = reflection->FieldSize(message, field);
        if (count > 0 && rule.server_only() && !MayWriteServerOnly()) {
          return FieldError(path, "cannot be set with client access");
        }
        if (rule.required() && count == 0) {
          return FieldError(path, "must not be empty");
        }
        const int max_elements = rule.max_length() > 0
                                     ? rule.max_length()
                                     : limits_.default_max_elements;
        // For repeated strings max_length bounds each element's size and
        // the element count alike; both are far above real use.
        if (count > max_elements) {
          return FieldError(path, absl::StrCat("must have at most ",
                                               max_elements, " elements"));
        }
        for (int j = 0; j < count; ++j) {
          const FieldPath element_path{&path, "", j};
          if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
            std::string scratch;
            const std::string& value = reflection->GetRepeatedStringReference(
                message, field, j, &scratch);
            const int max_bytes = rule.max_length() > 0
                                      ? rule.max_length()
                                      : limits_.default_max_string_bytes;
            if (static_cast<int>(value.size()) > max_bytes) {
              return FieldError(
                  element_path,
                  absl::StrCat("must be at most ", max_bytes, " bytes long"));
            }
          } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
            const Message& element =
                reflection->GetRepeatedMessage(message, field, j);
            if (auto status = CheckMessage(element, element_path, depth);
                !status.ok()) {
              return status;
            }
          }
        }
        continue;
      }
      const bool present =
          reflection->HasField(message, field) ||
          (!field->has_presence() &&
           field->cpp_type() == FieldDescriptor::CPPTYPE_STRING &&
           !reflection->GetString(message, field).empty());
      if (present && rule.server_only() && !MayWriteServerOnly()) {
        return FieldError(path, "cannot be set with client access");
      }
      switch (field->cpp_type()) {
        case FieldDescriptor::CPPTYPE_STRING: {
          std::string scratch;
          const std::string& value =
              reflection->GetStringReference(message, field, &scratch);
          // With presence (proto3 optional), required means sent: an empty
          // string then reaches the method, which may have its own answer
          // for it (an empty password is PASSWORD_TOO_SHORT, as in Stack).
          if (rule.required() && field->has_presence() &&
              !reflection->HasField(message, field)) {
            return FieldError(path, "must be defined");
          }
          if (rule.required() && !field->has_presence() && value.empty()) {
            return FieldError(path, "must be defined and not empty");
          }
          const int max_bytes = rule.max_length() > 0
                                    ? rule.max_length()
                                    : limits_.default_max_string_bytes;
          if (static_cast<int>(value.size()) > max_bytes) {
            return FieldError(path, absl::StrCat("must be at most ", max_bytes,
                                                 " bytes long"));
          }
          break;
        }
        case FieldDescriptor::CPPTYPE_MESSAGE: {
          if (!reflection->HasField(message, field)) {
            if (rule.required()) return FieldError(path, "must be defined");
            break;
          }
          if (SkipType(field->message_type(), depth + 1)) break;
          if (auto status = CheckMessage(reflection->GetMessage(message, field),
                                         path, depth);
              !status.ok()) {
            return status;
          }
          break;
        }
        case FieldDescriptor::CPPTYPE_INT32:
        case FieldDescriptor::CPPTYPE_INT64:
        case FieldDescriptor::CPPTYPE_UINT32: {
          const int64_t value =
              field->cpp_type() == FieldDescriptor::CPPTYPE_INT64
                  ? reflection->GetInt64(message, field)
              : field->cpp_type() == FieldDescriptor::CPPTYPE_INT32
                  ? reflection->GetInt32(message, field)
                  : reflection->GetUInt32(message, field);
          const bool set = field->has_presence()
                               ? reflection->HasField(message, field)
                               : value != 0;
          if (rule.required() && !set) {
            return FieldError(path, "must be defined");
          }
          if (set && rule.has_min() && value < rule.min()) {
            return FieldError(path,
                              absl::StrCat("must be at least ", rule.min()));
          }
          if (set && rule.has_max() && value > rule.max()) {
            return FieldError(path,
                              absl::StrCat("must be at most ", rule.max()));
          }
          break;
        }
        default:
          break;
      }
    }
    return absl::OkStatus();
  }

 private:
  bool MayWriteServerOnly() const {
    return caller_ != identity::v1::ACCESS_TYPE_CLIENT;
  }

  // A FieldMask's paths name fields of the message that holds it (the
  // update methods read `update_mask` that way, and a named field with no
  // value is cleared), so naming a server_only field writes it as surely as
  // setting it does: refused alike. Paths that resolve to nothing are left
  // to the handler, which knows which fields it updates and says so.
  absl::Status CheckMasks(const Message& message, const FieldPath& prefix) {
    if (MayWriteServerOnly()) return absl::OkStatus();
    const Descriptor* type = message.GetDescriptor();
    const Reflection* reflection = message.GetReflection();
    for (int i = 0; i < type->field_count(); ++i) {
      const FieldDescriptor* field = type->field(i);
      if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
          !IsFieldMask(field->message_type())) {
        continue;
      }
      if (field->is_repeated()) {
        for (int j = 0; j < reflection->FieldSize(message, field); ++j) {
          if (auto status = CheckMaskPaths(
                  type, reflection->GetRepeatedMessage(message, field, j),
                  prefix.Text());
              !status.ok()) {
            return status;
          }
        }
      } else if (reflection->HasField(message, field)) {
        if (auto status = CheckMaskPaths(
                type, reflection->GetMessage(message, field), prefix.Text());
            !status.ok()) {
          return status;
        }
      }
    }
    return absl::OkStatus();
  }

  absl::Status CheckMaskPaths(const Descriptor* holder, const Message& mask,
                              const std::string& prefix) {
    // Read by reflection: the mask may come from a dynamic message.
    const FieldDescriptor* paths_field =
        mask.GetDescriptor()->FindFieldByName("paths");
    if (paths_field == nullptr || !paths_field->is_repeated() ||
        paths_field->cpp_type() != FieldDescriptor::CPPTYPE_STRING) {
      return absl::OkStatus();
    }
    const Reflection* reflection = mask.GetReflection();
    for (int j = 0; j < reflection->FieldSize(mask, paths_field); ++j) {
      std::string scratch;
      const std::string& path = reflection->GetRepeatedStringReference(
          mask, paths_field, j, &scratch);
      // Every segment is checked: "server_metadata.x" writes part of
      // server_metadata, and a server_only message's fields are its own.
      const Descriptor* type = holder;
      std::string resolved = prefix;
      bool complete = true;
      for (absl::string_view segment : absl::StrSplit(path, '.')) {
        const FieldDescriptor* named =
            type == nullptr ? nullptr
                            : type->FindFieldByName(std::string(segment));
        if (named == nullptr) {
          // Not a field path (or one past a scalar): the method's error.
          complete = false;
          break;
        }
        resolved = resolved.empty()
                       ? named->name()
                       : absl::StrCat(resolved, ".", named->name());
        if (named->options().GetExtension(identity::v1::field).server_only()) {
          return FieldError(resolved, "cannot be set with client access");
        }
        type = named->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE
                   ? named->message_type()
                   : nullptr;
      }
      // Naming a message replaces all of it, the server_only fields within
      // included (the update methods do not merge).
      if (complete && type != nullptr) {
        std::set<const Descriptor*> seen;
        if (std::optional<std::string> inner =
                ServerOnlyWithin(type, resolved, seen)) {
          return FieldError(*inner, "cannot be set with client access");
        }
      }
    }
    return absl::OkStatus();
  }

  // The path of the first server_only field inside messages of `type`.
  static std::optional<std::string> ServerOnlyWithin(
      const Descriptor* type, const std::string& path,
      std::set<const Descriptor*>& seen) {
    if (!seen.insert(type).second) return std::nullopt;
    for (int i = 0; i < type->field_count(); ++i) {
      const FieldDescriptor* field = type->field(i);
      std::string field_path = absl::StrCat(path, ".", field->name());
      if (field->options().GetExtension(identity::v1::field).server_only()) {
        return field_path;
      }
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        if (auto inner =
                ServerOnlyWithin(field->message_type(), field_path, seen)) {
          return inner;
        }
      }
    }
    return std::nullopt;
  }

  absl::Status CheckMessage(const Message& message, const FieldPath& path,
                            int depth) {
    if (IsJsonValueType(message.GetDescriptor())) {
      if (message.ByteSizeLong() > limits_.max_json_value_bytes) {
        return FieldError(
            path, absl::StrCat("must be at most ", limits_.max_json_value_bytes,
                               " bytes of JSON"));
      }
      return CheckJsonDepth(message, path, depth);
    }
    return Check(message, path, depth + 1);
  }

  // JSON values carry no field rules; only their nesting is bounded. Only
  // objects and arrays count as a level of nesting.
  absl::Status CheckJsonDepth(const Message& message, const FieldPath& path,
                              int depth) {
    const Descriptor* type = message.GetDescriptor();
    if (type->full_name() == "google.protobuf.Struct" ||
        type->full_name() == "google.protobuf.ListValue") {
      ++depth;
    }
    if (depth > limits_.max_depth) {
      return FieldError(path, "is nested too deeply");
    }
    const Reflection* reflection = message.GetReflection();
    for (int i = 0; i < type->field_count(); ++i) {
      const FieldDescriptor* field = type->field(i);
      if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
      if (field->is_repeated()) {
        for (int j = 0; j < reflection->FieldSize(message, field); ++j) {
          if (auto status = CheckJsonDepth(
                  reflection->GetRepeatedMessage(message, field, j), path,
                  depth);
              !status.ok()) {
            return status;
          }
        }
      } else if (reflection->HasField(message, field)) {
        if (auto status = CheckJsonDepth(reflection->GetMessage(message, field),
                                         path, depth);
            !status.ok()) {
          return status;
        }
      }
    }
    return absl::OkStatus();
  }

  identity::v1::AccessType caller_;
  const ValidationLimits& limits_;
  const size_t request_bytes_;  // the request's serialized size
};

}  // namespace

absl::Status ValidateRequest(const Message& request,
                             identity::v1::AccessType caller,
                             const ValidationLimits& limits) {
  // ByteSizeLong runs the generated size code, without reflection; it bounds
  // every string's length and every repeated field's count.
  Validator validator(caller, limits, request.ByteSizeLong());
  if (validator.SkipType(request.GetDescriptor(), 0)) return absl::OkStatus();
  return validator.Check(request, FieldPath{}, 0);
}

}  // namespace latchkey::service
