// latchkeyd's gRPC side, in process, over a real TCP channel: health,
// reflection, and the request pipeline every RPC shares.
#include <memory>
#include <set>
#include <stdexcept>
#include <string>

#include "absl/status/status.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/byte_buffer.h"
#include "gtest/gtest.h"
#include "identity/v1/auth.grpc.pb.h"
#include "identity/v1/token.grpc.pb.h"
#include "identity/v1/user.grpc.pb.h"
#include "service/core/bootstrap.h"
#include "service/latchkey_server.h"
#include "storage/testing/test_database.h"

namespace latchkey::service {
namespace {

using google::protobuf::Message;

constexpr char kSecret[] = "23-wuNpik0gIW4mruTz25rbIvhuuvZFrLOLtL7J4tyo";

// Real request authentication over a scratch SQLite database holding the
// internal project.
struct Authentication {
  Authentication() {
    scratch = std::move(*storage::testing::ScratchDatabase::Create(
        storage::testing::TestBackend::kSqlite));
    database = std::move(*storage::OpenDatabase(scratch->url()));
    EXPECT_TRUE(
        core::EnsureInternalProject(*database, {}, common::Clock::Real()).ok());
    keys = std::move(*crypto::KeyRing::Create({.current_secret = kSecret}));
    jwt = std::make_unique<crypto::JwtVerifier>(
        *crypto::JwtVerifier::Create(*keys, common::Clock::Real()));
    verifier = std::make_unique<core::AccessTokenVerifier>(*jwt, "http://x");
    projects = std::make_unique<core::ProjectDirectory>(*database,
                                                        common::Clock::Real());
    authenticator =
        std::make_unique<RequestAuthenticator>(*projects, *verifier);
  }
  std::unique_ptr<storage::testing::ScratchDatabase> scratch;
  std::unique_ptr<storage::Database> database;
  std::unique_ptr<crypto::KeyRing> keys;
  std::unique_ptr<crypto::JwtVerifier> jwt;
  std::unique_ptr<core::AccessTokenVerifier> verifier;
  std::unique_ptr<core::ProjectDirectory> projects;
  std::unique_ptr<RequestAuthenticator> authenticator;
};

Authentication& SharedAuthentication() {
  static Authentication* const kAuthentication = new Authentication();
  return *kAuthentication;
}

std::unique_ptr<LatchkeyServer> StartServer(
    bool ready,
    std::function<absl::Status(MethodRegistry&)> register_methods = nullptr) {
  LatchkeyServer::Options options;
  options.worker_threads = 2;
  options.readiness_probe = [ready] {
    return ready ? absl::OkStatus() : absl::UnavailableError("down");
  };
  auto server = LatchkeyServer::Start(
      options, *SharedAuthentication().authenticator, register_methods);
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? std::move(*server) : nullptr;
}

std::shared_ptr<grpc::Channel> Connect(const LatchkeyServer& server) {
  return grpc::CreateChannel("127.0.0.1:" + std::to_string(server.grpc_port()),
                             grpc::InsecureChannelCredentials());
}

// grpc.health.v1.Health/Check for the whole server; returns the
// ServingStatus number (1 SERVING, 2 NOT_SERVING). The messages are tiny,
// so they are encoded by hand rather than compiling health.proto (whose
// C++ classes Debian's gRPC does not ship).
int HealthStatus(const std::shared_ptr<grpc::Channel>& channel) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  grpc::CompletionQueue queue;
  // HealthCheckRequest{service: ""} serializes to no bytes; a ByteBuffer
  // must still hold a (zero-length) slice to be sendable.
  grpc::Slice empty(std::string{});
  grpc::ByteBuffer request(&empty, 1);
  std::unique_ptr<grpc::GenericClientAsyncResponseReader> call =
      stub.PrepareUnaryCall(&context, "/grpc.health.v1.Health/Check", request,
                            &queue);
  call->StartCall();
  grpc::ByteBuffer response;
  grpc::Status status;
  call->Finish(&response, &status, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  EXPECT_TRUE(queue.Next(&tag, &ok));
  EXPECT_TRUE(status.ok()) << status.error_message();
  std::vector<grpc::Slice> slices;
  EXPECT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  // HealthCheckResponse{status}: field 1, varint.
  if (bytes.size() != 2 || bytes[0] != 0x08) return 0;
  return bytes[1];
}

// Lists services through grpc.reflection.v1alpha, using the reflection
// messages libgrpc++_reflection registers in the generated pool.
std::set<std::string> ReflectedServices(
    const std::shared_ptr<grpc::Channel>& channel) {
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  const auto* request_type = pool->FindMessageTypeByName(
      "grpc.reflection.v1alpha.ServerReflectionRequest");
  const auto* response_type = pool->FindMessageTypeByName(
      "grpc.reflection.v1alpha.ServerReflectionResponse");
  EXPECT_NE(request_type, nullptr);
  EXPECT_NE(response_type, nullptr);
  if (request_type == nullptr || response_type == nullptr) return {};
  auto* factory = google::protobuf::MessageFactory::generated_factory();
  std::unique_ptr<Message> request(factory->GetPrototype(request_type)->New());
  request->GetReflection()->SetString(
      request.get(), request_type->FindFieldByName("list_services"), "*");

  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  grpc::CompletionQueue queue;
  auto call = stub.PrepareCall(
      &context,
      "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &queue);
  void* tag = nullptr;
  bool ok = false;
  call->StartCall(reinterpret_cast<void*>(1));
  EXPECT_TRUE(queue.Next(&tag, &ok) && ok);
  std::string serialized = request->SerializeAsString();
  grpc::Slice slice(serialized);
  grpc::ByteBuffer out(&slice, 1);
  call->Write(out, reinterpret_cast<void*>(2));
  EXPECT_TRUE(queue.Next(&tag, &ok) && ok);
  call->WritesDone(reinterpret_cast<void*>(3));
  EXPECT_TRUE(queue.Next(&tag, &ok) && ok);
  grpc::ByteBuffer in;
  call->Read(&in, reinterpret_cast<void*>(4));
  EXPECT_TRUE(queue.Next(&tag, &ok) && ok);
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  EXPECT_TRUE(queue.Next(&tag, &ok));
  EXPECT_TRUE(status.ok()) << status.error_message();

  std::vector<grpc::Slice> slices;
  EXPECT_TRUE(in.Dump(&slices).ok());
  std::string bytes;
  for (const grpc::Slice& s : slices) {
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  std::unique_ptr<Message> response(
      factory->GetPrototype(response_type)->New());
  EXPECT_TRUE(response->ParseFromString(bytes));
  const auto* list_field =
      response_type->FindFieldByName("list_services_response");
  const Message& list =
      response->GetReflection()->GetMessage(*response, list_field);
  const auto* service_field = list.GetDescriptor()->FindFieldByName("service");
  std::set<std::string> names;
  for (int i = 0; i < list.GetReflection()->FieldSize(list, service_field);
       ++i) {
    const Message& entry =
        list.GetReflection()->GetRepeatedMessage(list, service_field, i);
    names.insert(entry.GetReflection()->GetString(
        entry, entry.GetDescriptor()->FindFieldByName("name")));
  }
  return names;
}

// The catalogue code a failed call carries in google.rpc.ErrorInfo.
std::string ErrorReason(
    const grpc::Status& status,
    std::map<std::string, std::string>* metadata = nullptr) {
  google::rpc::Status rich;
  if (!rich.ParseFromString(status.error_details())) return "";
  for (const auto& any : rich.details()) {
    google::rpc::ErrorInfo info;
    if (any.UnpackTo(&info)) {
      if (metadata != nullptr) {
        metadata->insert(info.metadata().begin(), info.metadata().end());
      }
      return info.reason();
    }
  }
  return "";
}

void AsClient(grpc::ClientContext& context) {
  context.AddMetadata("x-stack-project-id", "internal");
  context.AddMetadata("x-stack-access-type", "client");
}

TEST(LatchkeyServer, HealthIsServingWhenTheDatabaseAnswers) {
  auto server = StartServer(/*ready=*/true);
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(HealthStatus(Connect(*server)), 1);
}

TEST(LatchkeyServer, HealthIsNotServingWhenTheDatabaseDoesNotAnswer) {
  auto server = StartServer(/*ready=*/false);
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(HealthStatus(Connect(*server)), 2);
}

TEST(LatchkeyServer, ReflectionListsTheFiveServices) {
  auto server = StartServer(true);
  ASSERT_NE(server, nullptr);
  std::set<std::string> services = ReflectedServices(Connect(*server));
  for (const char* name :
       {"identity.v1.AuthService", "identity.v1.TokenService",
        "identity.v1.ProjectService", "identity.v1.TeamPermissionService",
        "identity.v1.UserService", "grpc.health.v1.Health"}) {
    EXPECT_TRUE(services.count(name)) << name;
  }
}

TEST(LatchkeyServer, MethodWithoutHandlerAnswersNotImplementedWithRequestId) {
  auto server = StartServer(true);
  ASSERT_NE(server, nullptr);
  auto stub = identity::v1::AuthService::NewStub(Connect(*server));
  grpc::ClientContext context;
  AsClient(context);
  identity::v1::PasswordSignInRequest request;
  request.set_email("a@example.com");
  request.set_password("correct horse battery");
  identity::v1::SignInResponse response;
  grpc::Status status = stub->PasswordSignIn(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_EQ(ErrorReason(status), "NOT_IMPLEMENTED");
  auto id = context.GetServerInitialMetadata().find("x-stack-request-id");
  ASSERT_NE(id, context.GetServerInitialMetadata().end());
  EXPECT_EQ(id->second.size(), 32u);
}

TEST(LatchkeyServer, CallWithoutAccessTypeIsRejectedBeforeTheMethod) {
  auto server = StartServer(true);
  ASSERT_NE(server, nullptr);
  auto stub = identity::v1::AuthService::NewStub(Connect(*server));
  grpc::ClientContext context;
  identity::v1::PasswordSignInRequest request;
  request.set_email("a@example.com");
  request.set_password("correct horse battery");
  identity::v1::SignInResponse response;
  grpc::Status status = stub->PasswordSignIn(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ErrorReason(status), "ACCESS_TYPE_REQUIRED");
}

TEST(LatchkeyServer, ClientAccessToAServerOnlyMethodIsInsufficient) {
  auto server = StartServer(true);
  ASSERT_NE(server, nullptr);
  auto stub = identity::v1::UserService::NewStub(Connect(*server));
  grpc::ClientContext context;
  AsClient(context);
  identity::v1::GetUserRequest request;
  request.set_user_id("00000000-0000-4000-8000-000000000000");
  identity::v1::User response;
  grpc::Status status = stub->GetUser(&context, request, &response);
  std::map<std::string, std::string> details;
  EXPECT_EQ(ErrorReason(status, &details), "INSUFFICIENT_ACCESS_TYPE");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(details["actual_access_type"], "client");
  EXPECT_EQ(details["allowed_access_types"], "[\"server\",\"admin\"]");
}

TEST(LatchkeyServer, HexclaveHeaderSpellingIsAnAlias) {
  auto server = StartServer(true);
  ASSERT_NE(server, nullptr);
  auto stub = identity::v1::UserService::NewStub(Connect(*server));
  grpc::ClientContext context;
  context.AddMetadata("x-hexclave-project-id", "internal");
  context.AddMetadata("x-hexclave-access-type", "client");
  identity::v1::GetUserRequest request;
  request.set_user_id("00000000-0000-4000-8000-000000000000");
  identity::v1::User response;
  grpc::Status status = stub->GetUser(&context, request, &response);
  // Recognised as client access (not ACCESS_TYPE_REQUIRED).
  EXPECT_EQ(ErrorReason(status), "INSUFFICIENT_ACCESS_TYPE");
}

TEST(LatchkeyServer, InvalidFieldIsASchemaErrorNamingIt) {
  auto server = StartServer(true);
  ASSERT_NE(server, nullptr);
  auto stub = identity::v1::AuthService::NewStub(Connect(*server));
  grpc::ClientContext context;
  AsClient(context);
  identity::v1::PasswordSignInRequest request;
  request.set_email(std::string(300, 'a'));
  request.set_password("correct horse battery");
  identity::v1::SignInResponse response;
  grpc::Status status = stub->PasswordSignIn(&context, request, &response);
  std::map<std::string, std::string> details;
  EXPECT_EQ(ErrorReason(status, &details), "SCHEMA_ERROR");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(details["message"].find("email"), std::string::npos)
      << details["message"];
}

TEST(LatchkeyServer, RegisteredHandlerServesItsMethod) {
  auto server = StartServer(true, [](MethodRegistry& registry) {
    return registry.Register<identity::v1::GetJwksRequest, identity::v1::Jwks>(
        "identity.v1.TokenService.GetJwks",
        [](CallContext&, const identity::v1::GetJwksRequest& request)
            -> absl::StatusOr<identity::v1::Jwks> {
          identity::v1::Jwks jwks;
          jwks.add_keys()->set_kid("kid-for-" + request.project_id());
          return jwks;
        });
  });
  ASSERT_NE(server, nullptr);
  auto stub = identity::v1::TokenService::NewStub(Connect(*server));
  grpc::ClientContext context;  // public: no headers needed
  identity::v1::GetJwksRequest request;
  request.set_project_id("internal");
  identity::v1::Jwks response;
  grpc::Status status = stub->GetJwks(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.keys_size(), 1);
  EXPECT_EQ(response.keys(0).kid(), "kid-for-internal");
}

TEST(LatchkeyServer, HandlerInternalErrorsDoNotLeak) {
  auto server = StartServer(true, [](MethodRegistry& registry) {
    return registry.Register<identity::v1::GetJwksRequest, identity::v1::Jwks>(
        "identity.v1.TokenService.GetJwks",
        [](CallContext&, const identity::v1::GetJwksRequest&)
            -> absl::StatusOr<identity::v1::Jwks> {
          return absl::InternalError("disk /var/secret/path exploded");
        });
  });
  ASSERT_NE(server, nullptr);
  auto stub = identity::v1::TokenService::NewStub(Connect(*server));
  grpc::ClientContext context;
  identity::v1::GetJwksRequest request;
  request.set_project_id("internal");
  identity::v1::Jwks response;
  grpc::Status status = stub->GetJwks(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(ErrorReason(status), "INTERNAL_ERROR");
  EXPECT_EQ(status.error_message().find("secret"), std::string::npos);
}

// A handler that throws (a library fed odd input) answers INTERNAL_ERROR
// and the server goes on serving; the exception's text stays in the log.
TEST(LatchkeyServer, AnExceptionInAHandlerIsAnInternalErrorNotACrash) {
  auto server = StartServer(true, [](MethodRegistry& registry) {
    return registry.Register<identity::v1::GetJwksRequest, identity::v1::Jwks>(
        "identity.v1.TokenService.GetJwks",
        [](CallContext&, const identity::v1::GetJwksRequest& request)
            -> absl::StatusOr<identity::v1::Jwks> {
          if (request.project_id() == "throw") {
            throw std::runtime_error("secret detail from a library");
          }
          return identity::v1::Jwks();
        });
  });
  ASSERT_NE(server, nullptr);
  auto stub = identity::v1::TokenService::NewStub(Connect(*server));
  for (const char* project : {"throw", "throw", "internal"}) {
    grpc::ClientContext context;
    identity::v1::GetJwksRequest request;
    request.set_project_id(project);
    identity::v1::Jwks response;
    grpc::Status status = stub->GetJwks(&context, request, &response);
    if (std::string(project) == "throw") {
      EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
      EXPECT_EQ(ErrorReason(status), "INTERNAL_ERROR");
      EXPECT_EQ(status.error_message().find("secret"), std::string::npos);
    } else {
      EXPECT_TRUE(status.ok()) << status.error_message();
    }
  }
}

// The client address is the peer's: no metadata key can claim another.
TEST(LatchkeyServer, ClientIpIsThePeersWhateverTheMetadataSays) {
  auto server = StartServer(true, [](MethodRegistry& registry) {
    return registry.Register<identity::v1::GetJwksRequest, identity::v1::Jwks>(
        "identity.v1.TokenService.GetJwks",
        [](CallContext& context, const identity::v1::GetJwksRequest&)
            -> absl::StatusOr<identity::v1::Jwks> {
          identity::v1::Jwks jwks;
          jwks.add_keys()->set_kid(context.client_ip());
          return jwks;
        });
  });
  ASSERT_NE(server, nullptr);
  auto ip_seen_over = [](std::shared_ptr<grpc::Channel> channel,
                         const std::string& token) {
    auto stub = identity::v1::TokenService::NewStub(channel);
    grpc::ClientContext context;
    context.AddMetadata("x-latchkey-client-ip", "203.0.113.7");
    context.AddMetadata("x-latchkey-gateway-token", token);
    identity::v1::GetJwksRequest request;
    request.set_project_id("p");
    identity::v1::Jwks response;
    grpc::Status status = stub->GetJwks(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.keys_size() > 0 ? response.keys(0).kid() : "";
  };
  // There is no key a caller can send to name its own address.
  EXPECT_EQ(ip_seen_over(Connect(*server), "guess"), "127.0.0.1");
}

TEST(LatchkeyServer, RegisteringAnUnknownMethodFailsStartUp) {
  LatchkeyServer::Options options;
  auto server = LatchkeyServer::Start(
      options, *SharedAuthentication().authenticator,
      [](MethodRegistry& registry) {
        return registry
            .Register<identity::v1::GetJwksRequest, identity::v1::Jwks>(
                "identity.v1.TokenService.NoSuchMethod",
                [](CallContext&, const identity::v1::GetJwksRequest&)
                    -> absl::StatusOr<identity::v1::Jwks> {
                  return identity::v1::Jwks();
                });
      });
  EXPECT_EQ(server.status().code(), absl::StatusCode::kNotFound);
}

TEST(LatchkeyServer, ShutdownTurnsHealthToNotServingAndStopsServing) {
  auto server = StartServer(true);
  ASSERT_NE(server, nullptr);
  auto channel = Connect(*server);
  ASSERT_EQ(HealthStatus(channel), 1);
  server->Shutdown(absl::Seconds(1));
  auto stub = identity::v1::AuthService::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(2));
  identity::v1::SignInResponse response;
  grpc::Status status = stub->PasswordSignIn(
      &context, identity::v1::PasswordSignInRequest(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
}

}  // namespace
}  // namespace latchkey::service
