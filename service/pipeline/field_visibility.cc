#include "service/pipeline/field_visibility.h"

#include <vector>

#include "google/protobuf/descriptor.h"
#include "identity/v1/options.pb.h"

namespace latchkey::service {

void ClearServerOnlyFields(google::protobuf::Message& message) {
  using google::protobuf::FieldDescriptor;
  const google::protobuf::Reflection* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (field->options().GetExtension(identity::v1::field).server_only()) {
      reflection->ClearField(&message, field);
      continue;
    }
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
        field->message_type()->file()->package() != "identity.v1") {
      continue;
    }
    if (field->is_repeated()) {
      for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
        ClearServerOnlyFields(
            *reflection->MutableRepeatedMessage(&message, field, i));
      }
    } else {
      ClearServerOnlyFields(*reflection->MutableMessage(&message, field));
    }
  }
}

}  // namespace latchkey::service
