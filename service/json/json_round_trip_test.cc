// The reader and the writer together: what one reads, the other writes back
// as the same JSON.
#include <memory>
#include <string>

#include "crypto/strict_json.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "identity/v1/auth.pb.h"
#include "identity/v1/project.pb.h"
#include "identity/v1/team_permission.pb.h"
#include "identity/v1/token.pb.h"
#include "identity/v1/user.pb.h"
#include "service/json/json_reader.h"
#include "service/json/json_writer.h"

namespace latchkey::service {
namespace {

using nlohmann::json;

TEST(JsonRoundTrip, MetadataThroughMessages) {
  identity::v1::UpdateCurrentUserRequest request;
  json metadata = {{"b", {true, nullptr, "x", 2.5, 7}}, {"a", {{"n", 1}}}};
  auto error = JsonToMessage({{"client_metadata", metadata}}, request, "body",
                             {}, nullptr);
  ASSERT_FALSE(error.has_value()) << error->message;
  identity::v1::User user;
  *user.mutable_client_metadata() = request.client_metadata();
  auto out = MessageToJson(user, {});
  EXPECT_EQ(out["client_metadata"].dump(),
            R"({"a":{"n":1},"b":[true,null,"x",2.5,7]})");
}

TEST(JsonRoundTrip, StoredTextThroughValue) {
  auto value = JsonTextToValue(R"({"a":[1,true,null,"x"],"b":{"c":2.5}})");
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(ValueToJsonText(*value),
            R"({"a":[1,true,null,"x"],"b":{"c":2.5}})");
}

// What the writer makes of a message reads back into a message that the
// writer prints the same, for every message of the contract (the json
// fuzzer's property, checked here for all types at once, from an empty
// message). The JSON text is the fixed point, not the message: an unset
// google.protobuf.Value field prints as null, and null reads back as a
// Value holding null (which an update needs: null clears metadata, a
// missing key leaves it alone).
TEST(JsonRoundTrip, EveryContractMessageWrittenEmptyReadsBackToTheSameJson) {
  const google::protobuf::FileDescriptor* files[] = {
      identity::v1::PasswordSignUpRequest::descriptor()->file(),
      identity::v1::OAuthTokenRequest::descriptor()->file(),
      identity::v1::CreateProjectRequest::descriptor()->file(),
      identity::v1::CreateTeamRequest::descriptor()->file(),
      identity::v1::CreateUserRequest::descriptor()->file(),
  };
  JsonWriteOptions write;
  write.include_server_only = true;
  JsonReadOptions read;
  read.allow_server_only = true;
  int checked = 0;
  for (const google::protobuf::FileDescriptor* file : files) {
    for (int i = 0; i < file->message_type_count(); ++i) {
      const google::protobuf::Message* prototype =
          google::protobuf::MessageFactory::generated_factory()->GetPrototype(
              file->message_type(i));
      const std::string written = MessageToJson(*prototype, write).dump();
      absl::StatusOr<json> reread = crypto::ParseStrictJsonObject(written);
      ASSERT_TRUE(reread.ok()) << prototype->GetTypeName() << ": " << written;
      std::unique_ptr<google::protobuf::Message> back(prototype->New());
      auto error = JsonToMessage(*reread, *back, "body", read, nullptr);
      if (error.has_value()) {
        ADD_FAILURE() << prototype->GetTypeName() << " does not read back "
                      << written << ": " << error->message;
        continue;
      }
      EXPECT_EQ(MessageToJson(*back, write).dump(), written)
          << prototype->GetTypeName();
      ++checked;
    }
  }
  EXPECT_GT(checked, 100);
}

TEST(JsonRoundTrip, NullMetadataReadsAsAPresentNullAndAMissingKeyAsUnset) {
  identity::v1::UpdateUserRequest cleared;
  ASSERT_FALSE(JsonToMessage({{"client_metadata", nullptr}}, cleared, "body",
                             {}, nullptr)
                   .has_value());
  ASSERT_TRUE(cleared.has_client_metadata());
  EXPECT_TRUE(cleared.client_metadata().has_null_value());
  identity::v1::UpdateUserRequest untouched;
  ASSERT_FALSE(JsonToMessage(json::object(), untouched, "body", {}, nullptr)
                   .has_value());
  EXPECT_FALSE(untouched.has_client_metadata());
}

}  // namespace
}  // namespace latchkey::service
