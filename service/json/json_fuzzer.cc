// libFuzzer target: the JSON codec both ways (service/json). The first byte
// picks a message type of the contract (and whether server_only fields are
// allowed); the rest is a JSON object read into that message as a request
// body is (strict parse, then JsonToMessage). Properties: nothing crashes or
// throws; what was read is written (MessageToJson) as valid JSON that reads
// back into a message the writer prints the same; stored JSON text
// (JsonTextToValue) prints back (ValueToJsonText) as text that reads to the
// same value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "crypto/strict_json.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/message.h"
#include "identity/v1/auth.pb.h"
#include "identity/v1/project.pb.h"
#include "identity/v1/team_permission.pb.h"
#include "identity/v1/token.pb.h"
#include "identity/v1/user.pb.h"
#include "service/json/json_reader.h"
#include "service/json/json_writer.h"

namespace {

using google::protobuf::Descriptor;
using google::protobuf::Message;

// Every top-level message of the contract's service files.
std::vector<const Message*> ContractMessages() {
  const google::protobuf::FileDescriptor* files[] = {
      identity::v1::PasswordSignUpRequest::descriptor()->file(),
      identity::v1::OAuthTokenRequest::descriptor()->file(),
      identity::v1::CreateProjectRequest::descriptor()->file(),
      identity::v1::CreateTeamRequest::descriptor()->file(),
      identity::v1::CreateUserRequest::descriptor()->file(),
  };
  std::vector<const Message*> prototypes;
  for (const auto* file : files) {
    for (int i = 0; i < file->message_type_count(); ++i) {
      prototypes.push_back(
          google::protobuf::MessageFactory::generated_factory()->GetPrototype(
              file->message_type(i)));
    }
  }
  return prototypes;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<const Message*>& prototypes =
      *new std::vector<const Message*>(ContractMessages());
  if (size == 0 || size > 65536) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  const bool server = (data[0] & 0x80) != 0;
  const Message& prototype = *prototypes[(data[0] & 0x7f) % prototypes.size()];

  // Stored metadata text, the other entry point of the reader.
  if (absl::StatusOr<google::protobuf::Value> value =
          latchkey::service::JsonTextToValue(text);
      value.ok()) {
    const std::string printed = latchkey::service::ValueToJsonText(*value);
    absl::StatusOr<google::protobuf::Value> again =
        latchkey::service::JsonTextToValue(printed);
    if (!again.ok() || latchkey::service::ValueToJsonText(*again) != printed) {
      std::abort();
    }
  }

  absl::StatusOr<nlohmann::json> object =
      latchkey::crypto::ParseStrictJsonObject(text);
  if (!object.ok()) return 0;
  std::unique_ptr<Message> message(prototype.New());
  latchkey::service::JsonReadOptions read;
  read.allow_server_only = server;
  if (latchkey::service::JsonToMessage(*object, *message, "body", read, nullptr)
          .has_value()) {
    return 0;
  }
  latchkey::service::JsonWriteOptions write;
  write.include_server_only = true;
  // Invalid UTF-8 would make dump() throw: the writer must never emit it.
  const std::string written =
      latchkey::service::MessageToJson(*message, write).dump();
  absl::StatusOr<nlohmann::json> reread =
      latchkey::crypto::ParseStrictJsonObject(written);
  if (!reread.ok()) std::abort();
  std::unique_ptr<Message> back(prototype.New());
  read.allow_server_only = true;
  if (auto error = latchkey::service::JsonToMessage(*reread, *back, "body",
                                                    read, nullptr);
      error.has_value()) {
    std::abort();
  }
  // The JSON is the fixed point, not the message: an unset
  // google.protobuf.Value prints as null and null reads back as a Value
  // holding null (json_round_trip_test shows both).
  if (latchkey::service::MessageToJson(*back, write).dump() != written) {
    std::abort();
  }
  return 0;
}
