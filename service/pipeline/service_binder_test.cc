#include "service/pipeline/service_binder.h"

#include <memory>

#include "gtest/gtest.h"
#include "identity/v1/token.pb.h"
#include "identity/v1/user.pb.h"

namespace latchkey::service {
namespace {

using identity::v1::GetJwksRequest;
using identity::v1::Jwks;

struct FakeTokenMethods {
  absl::StatusOr<Jwks> GetJwks(CallContext&, const GetJwksRequest&) {
    ++calls;
    Jwks jwks;
    jwks.add_keys();
    return jwks;
  }
  int calls = 0;
};

TEST(ServiceBinder, BindsMemberFunctionsByMethodName) {
  auto registry = MethodRegistry::Create(MethodRegistry::IdentityServices());
  ASSERT_TRUE(registry.ok());
  auto methods = std::make_shared<FakeTokenMethods>();
  ServiceBinder<FakeTokenMethods> bind(**registry, "identity.v1.TokenService",
                                       methods);
  bind("GetJwks", &FakeTokenMethods::GetJwks);
  ASSERT_TRUE(bind.status().ok()) << bind.status();

  const MethodBinding* binding =
      (*registry)->FindByPath("/identity.v1.TokenService/GetJwks");
  ASSERT_NE(binding, nullptr);
  ASSERT_TRUE(binding->handler);
  CallContext call("request-1", RequestMetadata(), "127.0.0.1",
                   absl::InfiniteFuture());
  GetJwksRequest request;
  Jwks response;
  ASSERT_TRUE(binding->handler(call, request, response).ok());
  EXPECT_EQ(response.keys_size(), 1);
  EXPECT_EQ(methods->calls, 1);
}

TEST(ServiceBinder, KeepsTheFirstFailureAndSkipsTheRest) {
  auto registry = MethodRegistry::Create(MethodRegistry::IdentityServices());
  ASSERT_TRUE(registry.ok());
  auto methods = std::make_shared<FakeTokenMethods>();
  // GetJwks belongs to TokenService, not UserService.
  ServiceBinder<FakeTokenMethods> bind(**registry, "identity.v1.UserService",
                                       methods);
  bind("GetJwks", &FakeTokenMethods::GetJwks);
  EXPECT_EQ(bind.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(bind.status().message().find("identity.v1.UserService"),
            std::string::npos);

  ServiceBinder<FakeTokenMethods> twice(**registry, "identity.v1.TokenService",
                                        methods);
  twice("GetJwks", &FakeTokenMethods::GetJwks);
  twice("GetJwks", &FakeTokenMethods::GetJwks);
  EXPECT_EQ(twice.status().code(), absl::StatusCode::kAlreadyExists);
}

TEST(ServiceBinder, RefusesAServiceTheRegistryDoesNotServe) {
  auto registry = MethodRegistry::Create(MethodRegistry::IdentityServices());
  ASSERT_TRUE(registry.ok());
  ServiceBinder<FakeTokenMethods> bind(**registry, "identity.v1.NoService",
                                       std::make_shared<FakeTokenMethods>());
  bind("GetJwks", &FakeTokenMethods::GetJwks);
  EXPECT_EQ(bind.status().code(), absl::StatusCode::kNotFound);
}

TEST(ServiceBinder, RefusesTypesThatDifferFromTheDescriptor) {
  auto registry = MethodRegistry::Create(MethodRegistry::IdentityServices());
  ASSERT_TRUE(registry.ok());
  auto methods = std::make_shared<FakeTokenMethods>();
  ServiceBinder<FakeTokenMethods> bind(**registry, "identity.v1.TokenService",
                                       methods);
  // GetAnonymousUsersJwks takes another request type.
  bind("GetAnonymousUsersJwks", &FakeTokenMethods::GetJwks);
  EXPECT_EQ(bind.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace latchkey::service
