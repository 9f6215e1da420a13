// The reader and the writer together: what one reads, the other writes back
// as the same JSON.
#include "gtest/gtest.h"
#include "identity/v1/auth.pb.h"
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

}  // namespace
}  // namespace latchkey::service
