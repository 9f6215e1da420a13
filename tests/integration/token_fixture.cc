#include "tests/integration/token_fixture.h"

#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "boost/asio/connect.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "crypto/encoding.h"
#include "crypto/hashing.h"
#include "crypto/random.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "storage/database.h"

namespace latchkey::testing {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
using net::ip::tcp;

WireError ErrorOf(const grpc::Status& status) {
  WireError error;
  error.code = status.error_code();
  google::rpc::Status rich;
  if (!rich.ParseFromString(status.error_details())) return error;
  for (const auto& any : rich.details()) {
    google::rpc::ErrorInfo info;
    if (any.UnpackTo(&info)) {
      error.reason = info.reason();
      error.details.insert(info.metadata().begin(), info.metadata().end());
    }
  }
  return error;
}

nlohmann::json HttpResponse::Json() const {
  return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
}

HttpResponse HttpCall(int port, const std::string& method,
                      const std::string& target, const std::string& body,
                      const HttpHeaders& headers) {
  net::io_context io;
  tcp::socket socket(io);
  socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"),
                               static_cast<unsigned short>(port)));
  http::request<http::string_body> request;
  request.method_string(method);
  request.target(target);
  request.version(11);
  request.set(http::field::host, "127.0.0.1");
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = body;
  request.prepare_payload();
  http::write(socket, request);

  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  beast::error_code error;
  http::read(socket, buffer, response, error);
  HttpResponse out;
  if (error) return out;
  out.status = response.result_int();
  for (const auto& field : response) {
    out.headers[absl::AsciiStrToLower(std::string(field.name_string()))] =
        std::string(field.value());
  }
  out.body = response.body();
  return out;
}

nlohmann::json UnverifiedClaims(const std::string& jwt) {
  std::vector<std::string> parts = absl::StrSplit(jwt, '.');
  if (parts.size() != 3) return nullptr;
  absl::StatusOr<std::string> payload = crypto::Base64UrlDecode(parts[1]);
  if (!payload.ok()) return nullptr;
  return nlohmann::json::parse(*payload, nullptr, /*allow_exceptions=*/false);
}

void TokenTest::SetUp() { Restart(nullptr); }

void TokenTest::Restart(std::function<void(service::ServerConfig&)> configure) {
  tokens_.reset();
  auth_.reset();
  app_.reset();
  TestApp::Options options;
  options.backend = backend_;
  options.clock = &clock_;
  options.configure = std::move(configure);
  absl::StatusOr<std::unique_ptr<TestApp>> started = TestApp::Start(options);
  ASSERT_TRUE(started.ok()) << started.status();
  app_ = *std::move(started);
  tokens_ = identity::v1::TokenService::NewStub(app_->Channel());
  auth_ = identity::v1::AuthService::NewStub(app_->Channel());
}

identity::v1::SignInResponse TokenTest::SignUpAnonymously(
    const std::string& project_id) {
  grpc::ClientContext call;
  TestApp::AsClient(call, project_id);
  identity::v1::SignInResponse response;
  grpc::Status status = auth().AnonymousSignUp(
      &call, identity::v1::AnonymousSignUpRequest(), &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response;
}

std::string TokenTest::CreateUser(const UserSpec& spec,
                                  const std::string& project_id) {
  storage::UserRecord user;
  user.id = *crypto::RandomUuidV4();
  user.project_id = project_id;
  user.display_name = spec.display_name;
  user.is_anonymous = spec.is_anonymous;
  user.restricted_by_admin = spec.restricted_by_admin;
  user.signed_up_at = clock_.Now();
  user.last_active_at = clock_.Now();
  absl::Status status =
      context().database.RunInTransaction([&](storage::Repositories& repos) {
        if (absl::Status created = repos.users().Create(user); !created.ok()) {
          return created;
        }
        if (!spec.email.has_value()) return absl::OkStatus();
        storage::ContactChannelRecord channel;
        channel.id = *crypto::RandomUuidV4();
        channel.project_id = project_id;
        channel.user_id = user.id;
        channel.value = *spec.email;
        channel.is_primary = true;
        channel.is_verified = spec.email_verified;
        channel.used_for_auth = true;
        channel.created_at = clock_.Now();
        return repos.contact_channels().Create(channel);
      });
  EXPECT_TRUE(status.ok()) << status;
  return user.id;
}

grpc::Status TokenTest::CreateSession(
    const identity::v1::CreateSessionRequest& request,
    identity::v1::CreateSessionResponse* response) {
  grpc::ClientContext call;
  TestApp::AsServer(call);
  return auth().CreateSession(&call, request, response);
}

identity::v1::CreateSessionResponse TokenTest::SessionFor(
    const std::string& user_id) {
  identity::v1::CreateSessionRequest request;
  request.set_user_id(user_id);
  identity::v1::CreateSessionResponse response;
  grpc::Status status = CreateSession(request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response;
}

void TokenTest::SetConfigOverride(const std::string& override_json,
                                  const std::string& project_id) {
  storage::ConfigOverrideRecord record;
  record.project_id = project_id;
  record.level = "project";
  record.override_json = override_json;
  record.updated_at = clock_.Now();
  absl::Status status =
      context().database.RunInTransaction([&](storage::Repositories& repos) {
        return repos.projects().SetConfigOverride(record);
      });
  ASSERT_TRUE(status.ok()) << status;
  context().projects.Invalidate(project_id);
}

void TokenTest::UpdateUser(
    const std::string& user_id,
    const std::function<void(storage::UserRecord&)>& change,
    const std::string& project_id) {
  absl::Status status =
      context().database.RunInTransaction([&](storage::Repositories& repos) {
        absl::StatusOr<storage::UserView> view =
            repos.users().Get(project_id, user_id);
        if (!view.ok()) return view.status();
        change(view->user);
        return repos.users().Update(view->user);
      });
  ASSERT_TRUE(status.ok()) << status;
}

OtherProject TokenTest::CreateProject() {
  OtherProject other;
  other.id = *crypto::RandomUuidV4();
  other.publishable_client_key = "pck_" + *crypto::RandomToken();
  other.secret_server_key = "ssk_" + *crypto::RandomToken();
  absl::Status status =
      context().database.RunInTransaction([&](storage::Repositories& repos) {
        storage::ProjectRecord project;
        project.id = other.id;
        project.display_name = "Other";
        project.created_at = clock_.Now();
        if (absl::Status created = repos.projects().Create(project);
            !created.ok()) {
          return created;
        }
        storage::ApiKeySetRecord keys;
        keys.id = *crypto::RandomUuidV4();
        keys.project_id = other.id;
        keys.description = "test keys";
        keys.created_at = clock_.Now();
        keys.expires_at = clock_.Now() + absl::Hours(24 * 365);
        keys.publishable_client_key = storage::StoredApiKey{
            crypto::HashToken(other.publishable_client_key), "last"};
        keys.secret_server_key = storage::StoredApiKey{
            crypto::HashToken(other.secret_server_key), "last"};
        return repos.api_keys().Create(keys);
      });
  EXPECT_TRUE(status.ok()) << status;
  return other;
}

grpc::Status TokenTest::OAuthRefresh(const std::string& refresh_token,
                                     identity::v1::OAuthTokenResponse* out,
                                     const std::string& client_id,
                                     const std::string& client_secret) {
  identity::v1::OAuthTokenRequest request;
  request.set_grant_type("refresh_token");
  request.set_refresh_token(refresh_token);
  request.set_client_id(client_id);
  request.set_client_secret(client_secret);
  grpc::ClientContext call;
  return tokens().OAuthToken(&call, request, out);
}

grpc::Status TokenTest::Validate(const std::string& access_token,
                                 identity::v1::ValidateAccessTokenResponse* out,
                                 bool allow_anonymous, bool allow_restricted,
                                 const std::string& project_id,
                                 const std::string& server_key) {
  identity::v1::ValidateAccessTokenRequest request;
  request.set_access_token(access_token);
  request.set_allow_anonymous(allow_anonymous);
  request.set_allow_restricted(allow_restricted);
  grpc::ClientContext call;
  TestApp::AsServer(call, project_id, server_key);
  return tokens().ValidateAccessToken(&call, request, out);
}

}  // namespace latchkey::testing
