#include "service/pipeline/method_registry.h"

#include "gtest/gtest.h"
#include "identity/v1/token.pb.h"
#include "identity/v1/user.pb.h"

namespace latchkey::service {
namespace {

TEST(MethodRegistry, HoldsEveryRpcWithItsAccessRule) {
  auto registry = MethodRegistry::Create(MethodRegistry::IdentityServices());
  ASSERT_TRUE(registry.ok()) << registry.status();
  const MethodBinding* get_user =
      (*registry)->FindByPath("/identity.v1.UserService/GetUser");
  ASSERT_NE(get_user, nullptr);
  EXPECT_EQ(get_user->access.allow_size(), 2);
  EXPECT_FALSE(get_user->handler);
  EXPECT_EQ((*registry)->FindByPath("/identity.v1.UserService/Nope"), nullptr);
  EXPECT_GE((*registry)->methods().size(), 80u);
}

TEST(MethodRegistry, RegistrationChecksNameTypesAndDuplicates) {
  auto registry = MethodRegistry::Create(MethodRegistry::IdentityServices());
  ASSERT_TRUE(registry.ok());
  auto jwks = [](CallContext&, const identity::v1::GetJwksRequest&)
      -> absl::StatusOr<identity::v1::Jwks> { return identity::v1::Jwks(); };
  auto add = [&](const char* name) {
    using Request = identity::v1::GetJwksRequest;
    using Response = identity::v1::Jwks;
    return (*registry)->Register<Request, Response>(name, jwks);
  };
  EXPECT_TRUE(add("identity.v1.TokenService.GetJwks").ok());
  EXPECT_EQ(add("identity.v1.TokenService.GetJwks").code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(add("identity.v1.UserService.GetUser").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(add("identity.v1.TokenService.Nope").code(),
            absl::StatusCode::kNotFound);
}

TEST(MethodRegistry, ServiceWithoutAccessRulesIsRefused) {
  // google.protobuf has no services; use a descriptor from the registry's
  // own pool that lacks the option: the reflection service is not ours.
  const auto* reflection =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
          "grpc.reflection.v1alpha.ServerReflection");
  if (reflection == nullptr) GTEST_SKIP() << "reflection not linked";
  auto registry = MethodRegistry::Create({reflection});
  EXPECT_EQ(registry.status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace latchkey::service
