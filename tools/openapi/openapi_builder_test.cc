#include "tools/openapi/openapi_builder.h"

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.pb.h"
#include "gtest/gtest.h"
#include "service/gateway/rest_gateway.h"
#include "service/json/json_writer.h"
#include "service/pipeline/call_runner.h"
#include "tools/openapi/openapi_document.h"
#include "tools/openapi/source_comments.h"

namespace latchkey::openapi {
namespace {

using json = nlohmann::ordered_json;
using ::testing::Contains;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Never reached: the route table is only inspected.
class NoRunner : public service::CallRunner {
 public:
  void Submit(const google::protobuf::MethodDescriptor&, service::CallEnvelope,
              std::unique_ptr<service::PendingCall>) override {}
};

class OpenApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    google::protobuf::FileDescriptorSet files;
    ASSERT_TRUE(files.ParseFromString(
        ReadFile("tools/openapi/contract_descriptor_set.pb")));
    auto loaded = SourceComments::FromDescriptorSet(files);
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    comments_ = new SourceComments(*std::move(loaded));
    auto catalog = service::MethodCatalog::Create(
        service::MethodCatalog::IdentityServices());
    ASSERT_TRUE(catalog.ok()) << catalog.status();
    catalog_ = catalog->release();
    document_ = new json(BuildOpenApi(*catalog_, *comments_));
  }

  static const json& Doc() { return *document_; }

  static const json& Operation(const std::string& id) {
    for (const auto& [path, item] : Doc()["paths"].items()) {
      for (const auto& [method, operation] : item.items()) {
        if (operation["operationId"] == id) return operation;
      }
    }
    ADD_FAILURE() << "no operation " << id;
    static const json* none = new json(json::object());
    return *none;
  }

  static const json& Schema(const std::string& name) {
    static const json* none = new json(nullptr);
    const json& schemas = Doc()["components"]["schemas"];
    return schemas.contains(name) ? schemas[name] : *none;
  }

  // The names of an operation's parameters: "in:name", refs resolved.
  static std::set<std::string> Parameters(const json& operation) {
    std::set<std::string> names;
    for (const json& parameter : operation["parameters"]) {
      const json* resolved = &parameter;
      if (parameter.contains("$ref")) {
        std::string ref = parameter["$ref"];
        resolved =
            &Doc()["components"]["parameters"][ref.substr(ref.rfind('/') + 1)];
      }
      names.insert(absl::StrCat((*resolved)["in"].get<std::string>(), ":",
                                (*resolved)["name"].get<std::string>()));
    }
    return names;
  }

  // Every error code an operation documents, for one HTTP status.
  static std::set<std::string> Codes(const json& operation,
                                     const std::string& status) {
    std::set<std::string> codes;
    const json& responses = operation["responses"];
    if (!responses.contains(status)) return codes;
    const json& schema =
        responses[status]["content"]["application/json"]["schema"];
    if (!schema.contains("oneOf")) return codes;  // the success response
    for (const json& ref : schema["oneOf"]) {
      std::string text = ref["$ref"];
      codes.insert(text.substr(text.rfind('.') + 1));
    }
    return codes;
  }

  static bool AllowsNull(const json& schema) {
    if (schema.contains("anyOf")) {
      for (const json& option : schema["anyOf"]) {
        if (AllowsNull(option)) return true;
      }
      return false;
    }
    if (!schema.contains("type")) return !schema.contains("$ref");
    return schema["type"] == "null" ||
           (schema["type"].is_array() &&
            std::find(schema["type"].begin(), schema["type"].end(), "null") !=
                schema["type"].end());
  }

  static SourceComments* comments_;
  static const service::MethodCatalog* catalog_;
  static json* document_;
};

SourceComments* OpenApiTest::comments_ = nullptr;
const service::MethodCatalog* OpenApiTest::catalog_ = nullptr;
json* OpenApiTest::document_ = nullptr;

TEST_F(OpenApiTest, InstalledFileAndServedCopyAreTheBuiltDocument) {
  EXPECT_EQ(Doc()["openapi"], "3.1.0");
  EXPECT_EQ(json::parse(ReadFile("tools/openapi/openapi.json")), Doc());
  absl::string_view served = OpenApiJson();
  EXPECT_EQ(json::parse(served.begin(), served.end()), Doc());
}

TEST_F(OpenApiTest, DocumentsExactlyTheGatewaysRouteTable) {
  NoRunner runner;
  service::gateway::RestGateway::Options options;
  options.http_address = "127.0.0.1:0";
  auto gateway =
      service::gateway::RestGateway::Start(*catalog_, runner, options);
  ASSERT_TRUE(gateway.ok()) << gateway.status();
  std::set<std::string> served;
  for (const auto& target : (*gateway)->targets()) {
    // The root's text answer is documented with the gateway's own routes.
    if (target.path_template == "/api/v1") continue;
    served.insert(absl::StrCat(absl::AsciiStrToLower(target.http_method), " ",
                               OpenApiPath(target.path_template)));
  }
  (*gateway)->Shutdown(absl::ZeroDuration());
  std::set<std::string> documented;
  for (const auto& [path, item] : Doc()["paths"].items()) {
    for (const auto& [method, operation] : item.items()) {
      if (operation["tags"][0] == "Server") continue;  // the gateway's own
      documented.insert(absl::StrCat(method, " ", path));
    }
  }
  EXPECT_EQ(documented, served);
  EXPECT_TRUE(Doc()["paths"].contains(std::string(kOpenApiRoute)));
}

TEST_F(OpenApiTest, RequestBodiesUseTheBindersNames) {
  const json& sign_in = Operation("AuthService_PasswordSignIn");
  const json& body =
      sign_in["requestBody"]["content"]["application/json"]["schema"];
  EXPECT_EQ(body["required"], json::array({"email", "password"}));
  EXPECT_EQ(body["additionalProperties"], false);
  EXPECT_EQ(body["properties"]["email"]["type"], "string");

  // PATCH: update_mask comes from the body's keys and path fields from the
  // path, so neither is a body property.
  const json& update = Operation("UserService_UpdateUser");
  const json& update_body =
      update["requestBody"]["content"]["application/json"]["schema"];
  EXPECT_FALSE(update_body["properties"].contains("update_mask"));
  EXPECT_FALSE(update_body["properties"].contains("user_id"));
  EXPECT_THAT(Parameters(update), Contains("path:user_id"));

  // No body: every other field is a query parameter.
  const json& list = Operation("UserService_ListUsers");
  EXPECT_FALSE(list.contains("requestBody"));
  EXPECT_THAT(Parameters(list), Contains("query:limit"));

  // The OAuth token endpoint also takes a form body.
  EXPECT_TRUE(
      Operation("TokenService_OAuthToken")["requestBody"]["content"].contains(
          "application/x-www-form-urlencoded"));
}

// Every response schema matches what service/json writes for the message:
// only documented keys, null only where the schema allows it, nothing left
// out that is not marked so, and exactly the required keys for a client
// caller (server_only fields hidden).
TEST_F(OpenApiTest, ResponseSchemasMatchTheJsonWriter) {
  int checked = 0;
  for (const service::CatalogMethod& method : catalog_->methods()) {
    if (method.access.http_status() >= 300 &&
        method.access.http_status() < 400) {
      continue;  // redirects carry no body
    }
    if (method.access.raw_body()) continue;  // bytes, not JSON (below)
    const std::string name = method.descriptor->output_type()->full_name();
    const json& schema = Schema(name.substr(name.rfind('.') + 1));
    ASSERT_TRUE(schema.is_object()) << name;
    ASSERT_TRUE(schema.contains("properties")) << name;
    service::JsonWriteOptions server;
    json written = service::MessageToJson(*method.response_prototype, server);
    std::set<std::string> keys;
    for (const auto& [key, value] : written.items()) {
      keys.insert(key);
      ASSERT_TRUE(schema["properties"].contains(key)) << name << "." << key;
      if (value.is_null()) {
        EXPECT_TRUE(AllowsNull(schema["properties"][key]))
            << name << "." << key;
      }
    }
    // A property the writer left out must be one it omits when unset.
    for (const auto& [key, property] : schema["properties"].items()) {
      if (keys.count(key) == 0) {
        EXPECT_THAT(property.value("description", ""),
                    ::testing::HasSubstr("Left out when unset."))
            << name << "." << key;
      }
    }

    service::JsonWriteOptions client;
    client.include_server_only = false;
    std::set<std::string> client_keys;
    json client_view =
        service::MessageToJson(*method.response_prototype, client);
    for (const auto& [key, value] : client_view.items()) {
      client_keys.insert(key);
    }
    std::set<std::string> required;
    if (schema.contains("required")) {
      for (const json& key : schema["required"]) required.insert(key);
    }
    EXPECT_EQ(client_keys, required) << name;
    ++checked;
  }
  EXPECT_GT(checked, 50);
}

TEST_F(OpenApiTest, RawBodiesAreDocumentedAsTheirBytes) {
  const json& image = Operation("UserService_GetProfileImage");
  const json& content = image.at("responses").at("200").at("content");
  EXPECT_FALSE(content.contains("application/json"));
  EXPECT_EQ(content.at("image/png").at("schema").at("format"), "binary");
  EXPECT_TRUE(image.at("responses").contains("404"));
  EXPECT_FALSE(image.contains("security"));
}

TEST_F(OpenApiTest, NamesTypesAsTheWireSpellsThem) {
  const json& user = Schema("User").at("properties");
  EXPECT_EQ(user.at("primary_email").at("type"),
            json::array({"string", "null"}));
  EXPECT_EQ(user.at("signed_up_at_millis").at("type"), "integer");
  std::set<std::string> required;
  for (const json& key : Schema("User").at("required")) required.insert(key);
  EXPECT_THAT(required, Contains("id"));
  EXPECT_THAT(required, Not(Contains("server_metadata")));
  // A message field with presence: its component, or null.
  EXPECT_EQ(user.at("selected_team").at("anyOf").at(0).at("$ref"),
            "#/components/schemas/Team");
}

TEST_F(OpenApiTest, HeadersFollowTheAccessRule) {
  const json& admin_only = Operation("ProjectService_UpdateProject");
  EXPECT_THAT(Parameters(admin_only), Contains("header:x-stack-project-id"));
  EXPECT_THAT(Parameters(admin_only),
              Contains("header:x-stack-super-secret-admin-key"));
  EXPECT_THAT(Parameters(admin_only),
              Not(Contains("header:x-stack-publishable-client-key")));
  for (const json& parameter : admin_only["parameters"]) {
    if (parameter.value("name", "") == "x-stack-access-type") {
      EXPECT_EQ(parameter["schema"]["enum"], json::array({"admin"}));
      EXPECT_EQ(parameter["required"], true);
    }
  }
  const json& jwks = Operation("TokenService_GetJwks");
  EXPECT_THAT(Parameters(jwks), Not(Contains("header:x-stack-project-id")));
  EXPECT_THAT(Parameters(jwks), Contains("path:project_id"));
  EXPECT_THAT(Parameters(Operation("TokenService_RefreshAccessToken")),
              Contains("header:x-stack-refresh-token"));
}

TEST_F(OpenApiTest, ErrorsFollowTheAccessRuleAndTheRpcComment) {
  const json& sign_in = Operation("AuthService_PasswordSignIn");
  EXPECT_THAT(Codes(sign_in, "400"), Contains("EMAIL_PASSWORD_MISMATCH"));
  EXPECT_THAT(Codes(sign_in, "400"), Contains("ACCESS_TYPE_REQUIRED"));
  EXPECT_THAT(Codes(sign_in, "429"), Contains("RATE_LIMITED"));
  // Open to every access type, and anonymous users are welcome.
  EXPECT_THAT(Codes(sign_in, "401"), Not(Contains("INSUFFICIENT_ACCESS_TYPE")));
  EXPECT_THAT(Codes(sign_in, "401"),
              Not(Contains("ANONYMOUS_AUTHENTICATION_NOT_ALLOWED")));

  const json& jwks = Operation("TokenService_GetJwks");
  EXPECT_THAT(Codes(jwks, "400"), Not(Contains("ACCESS_TYPE_REQUIRED")));
  EXPECT_THAT(Codes(jwks, "404"), Contains("PROJECT_NOT_FOUND"));

  const json& me = Operation("AuthService_GetCurrentUser");
  std::set<std::string> all;
  for (const auto& [status, answer] : me["responses"].items()) {
    for (const std::string& code : Codes(me, status)) all.insert(code);
  }
  EXPECT_THAT(all, Contains("CANNOT_GET_OWN_USER_WITHOUT_USER"));

  // The body of a code: its constant name and typed details.
  const json& too_short = Schema("StackError.PASSWORD_TOO_SHORT");
  EXPECT_EQ(too_short["properties"]["code"]["const"], "PASSWORD_TOO_SHORT");
  EXPECT_EQ(
      too_short["properties"]["details"]["properties"]["min_length"]["type"],
      "integer");
}

TEST(ErrorsNamedInTest, ExpandsPrefixesAndReportsUnknownNames) {
  std::vector<std::string> unknown;
  std::vector<identity::v1::ErrorCode> codes = ErrorsNamedIn(
      "Signs in. Uses SCHEMA_ERROR.\nErrors: RATE_LIMITED (often),\nthe "
      "VERIFICATION_CODE_* codes, NO_SUCH_CODE. See README.",
      &unknown);
  EXPECT_THAT(codes, UnorderedElementsAre(
                         identity::v1::RATE_LIMITED,
                         identity::v1::VERIFICATION_CODE_NOT_FOUND,
                         identity::v1::VERIFICATION_CODE_EXPIRED,
                         identity::v1::VERIFICATION_CODE_ALREADY_USED,
                         identity::v1::VERIFICATION_CODE_MAX_ATTEMPTS_REACHED));
  EXPECT_THAT(unknown, UnorderedElementsAre("NO_SUCH_CODE"));
  EXPECT_THAT(ErrorsNamedIn("No list here: RATE_LIMITED.", nullptr), IsEmpty());
}

// The contract's comments name only real codes, so no documented error is
// silently dropped.
TEST_F(OpenApiTest, EveryCodeAnRpcCommentNamesExists) {
  for (const service::CatalogMethod& method : catalog_->methods()) {
    std::vector<std::string> unknown;
    ErrorsNamedIn(comments_->Of(method.descriptor->full_name()), &unknown);
    EXPECT_THAT(unknown, IsEmpty()) << method.descriptor->full_name();
  }
}

TEST(OpenApiPathTest, DropsVariablePatterns) {
  EXPECT_EQ(OpenApiPath("/api/v1/users/{user_id}"), "/api/v1/users/{user_id}");
  EXPECT_EQ(OpenApiPath("/v1/{name=shelves/*}/books:get"),
            "/v1/{name}/books:get");
}

}  // namespace
}  // namespace latchkey::openapi
