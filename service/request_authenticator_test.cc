#include "service/request_authenticator.h"

#include "gtest/gtest.h"
#include "service/api_error.h"

namespace latchkey::service {
namespace {

using identity::v1::AccessRule;

AccessRule ServerOnly() {
  AccessRule rule;
  rule.add_allow(identity::v1::ACCESS_TYPE_SERVER);
  rule.add_allow(identity::v1::ACCESS_TYPE_ADMIN);
  return rule;
}

AccessRule Anyone(identity::v1::UserRequirement user =
                      identity::v1::USER_REQUIREMENT_OPTIONAL) {
  AccessRule rule;
  rule.add_allow(identity::v1::ACCESS_TYPE_CLIENT);
  rule.add_allow(identity::v1::ACCESS_TYPE_SERVER);
  rule.add_allow(identity::v1::ACCESS_TYPE_ADMIN);
  rule.set_user(user);
  return rule;
}

CallContext Context(std::initializer_list<std::pair<const char*, const char*>>
                        headers) {
  RequestMetadata metadata;
  for (const auto& [key, value] : headers) metadata.Add(key, value);
  return CallContext("req", std::move(metadata), "127.0.0.1",
                     absl::InfiniteFuture());
}

identity::v1::ErrorCode CodeOf(const absl::Status& status) {
  auto error = ReadApiError(status);
  return error.has_value() ? error->code : identity::v1::ERROR_CODE_UNSPECIFIED;
}

TEST(RequestAuthenticator, KeyWithoutAccessTypeComesFirst) {
  RequestAuthenticator authenticator;
  CallContext context = Context({{"x-stack-secret-server-key", "ssk_x"}});
  EXPECT_EQ(CodeOf(authenticator.Authenticate(ServerOnly(), context)),
            identity::v1::PROJECT_KEY_WITHOUT_ACCESS_TYPE);
}

TEST(RequestAuthenticator, UnknownAccessTypeIsNamed) {
  RequestAuthenticator authenticator;
  CallContext context = Context({{"x-stack-access-type", "root"},
                                 {"x-stack-project-id", "internal"}});
  absl::Status status = authenticator.Authenticate(Anyone(), context);
  EXPECT_EQ(CodeOf(status), identity::v1::INVALID_ACCESS_TYPE);
  EXPECT_EQ(ReadApiError(status)->details["accessType"], "root");
}

TEST(RequestAuthenticator, AccessTypeNeedsAProject) {
  RequestAuthenticator authenticator;
  CallContext context = Context({{"x-stack-access-type", "server"}});
  absl::Status status = authenticator.Authenticate(ServerOnly(), context);
  EXPECT_EQ(CodeOf(status), identity::v1::ACCESS_TYPE_WITHOUT_PROJECT_ID);
  EXPECT_EQ(ReadApiError(status)->details["request_type"], "server");
}

TEST(RequestAuthenticator, NoAccessTypeAtAll) {
  RequestAuthenticator authenticator;
  CallContext context = Context({});
  EXPECT_EQ(CodeOf(authenticator.Authenticate(Anyone(), context)),
            identity::v1::ACCESS_TYPE_REQUIRED);
}

TEST(RequestAuthenticator, PublicMethodsNeedNothing) {
  RequestAuthenticator authenticator;
  AccessRule rule;
  rule.set_public_(true);
  CallContext context = Context({});
  EXPECT_TRUE(authenticator.Authenticate(rule, context).ok());
}

TEST(RequestAuthenticator, ClientOnServerOnlyMethodIsInsufficient) {
  RequestAuthenticator authenticator;
  CallContext context = Context({{"x-stack-access-type", "client"},
                                 {"x-stack-project-id", "internal"}});
  absl::Status status = authenticator.Authenticate(ServerOnly(), context);
  EXPECT_EQ(CodeOf(status), identity::v1::INSUFFICIENT_ACCESS_TYPE);
  EXPECT_EQ(ReadApiError(status)->details["allowed_access_types"],
            "[\"server\",\"admin\"]");
}

TEST(RequestAuthenticator, UserRequiredForClientOnly) {
  RequestAuthenticator authenticator;
  AccessRule rule = Anyone(identity::v1::USER_REQUIREMENT_REQUIRED_FOR_CLIENT);
  CallContext client = Context({{"x-stack-access-type", "client"},
                                {"x-stack-project-id", "p"}});
  EXPECT_EQ(CodeOf(authenticator.Authenticate(rule, client)),
            identity::v1::USER_AUTHENTICATION_REQUIRED);
  CallContext server = Context({{"x-stack-access-type", "server"},
                                {"x-stack-project-id", "p"}});
  EXPECT_TRUE(authenticator.Authenticate(rule, server).ok());
  CallContext bearer = Context({{"x-stack-access-type", "client"},
                                {"x-stack-project-id", "p"},
                                {"authorization", "Bearer a.b.c"}});
  EXPECT_TRUE(authenticator.Authenticate(rule, bearer).ok());
}

TEST(RequestAuthenticator, FillsTheCaller) {
  RequestAuthenticator authenticator;
  CallContext context = Context({{"x-stack-access-type", "admin"},
                                 {"x-stack-project-id", "p1"},
                                 {"x-stack-branch-id", "dev"}});
  ASSERT_TRUE(authenticator.Authenticate(Anyone(), context).ok());
  EXPECT_EQ(context.caller().project_id, "p1");
  EXPECT_EQ(context.caller().access_type, identity::v1::ACCESS_TYPE_ADMIN);
  EXPECT_EQ(context.caller().branch_id, "dev");
}

}  // namespace
}  // namespace latchkey::service
