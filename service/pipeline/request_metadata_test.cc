#include "service/pipeline/request_metadata.h"

#include <string>

#include "gtest/gtest.h"

namespace latchkey::service {
namespace {

TEST(RequestMetadata, HexclaveSpellingFoldsIntoStack) {
  RequestMetadata metadata;
  metadata.Add("X-Hexclave-Project-Id", "internal");
  EXPECT_EQ(metadata.Get(RequestMetadata::kProjectId), "internal");
}

TEST(RequestMetadata, FirstValueWinsSoDuplicatesCannotOverride) {
  RequestMetadata metadata;
  metadata.Add("x-stack-access-type", "client");
  metadata.Add("x-hexclave-access-type", "admin");
  metadata.Add("x-stack-access-type", "server");
  EXPECT_EQ(metadata.Get(RequestMetadata::kAccessType), "client");
}

TEST(RequestMetadata, UnrelatedHeadersAreDropped) {
  RequestMetadata metadata;
  metadata.Add("cookie", "a=b");
  metadata.Add("user-agent", "x");
  EXPECT_TRUE(metadata.entries().empty());
}

TEST(RequestMetadata, ClientCopiesOfServerKeysAreDropped) {
  RequestMetadata metadata;
  metadata.Add("x-latchkey-client-ip", "192.0.2.1");
  metadata.Add("X-Latchkey-Gateway-Token", "guess");
  metadata.Add("x-latchkey-request-id", "forged");
  EXPECT_TRUE(metadata.entries().empty());
}

// HTTP allows these in a header name; gRPC metadata keys do not, and
// grpc++ aborts the process when given one.
TEST(RequestMetadata, KeysGrpcCannotCarryAreDropped) {
  RequestMetadata metadata;
  for (char c : std::string("!#$%&'*+^`|~")) {
    metadata.Add(std::string("x-stack-a") + c + "b", "1");
    metadata.Add(std::string("x-hexclave-a") + c + "b", "1");
  }
  metadata.Add("x-stack-a b", "1");
  metadata.Add("x-stack-a\x01b", "1");
  metadata.Add("x-stack-\xc3\xa9", "1");
  metadata.Add("x-stack-token-bin", "1");
  EXPECT_TRUE(metadata.entries().empty());
  metadata.Add("x-stack-a_b.c-1", "1");
  EXPECT_EQ(metadata.entries().size(), 1u);
}

TEST(RequestMetadata, ValuesGrpcCannotCarryAreDropped) {
  RequestMetadata metadata;
  metadata.Add("x-stack-project-id", "caf\xc3\xa9");
  metadata.Add("x-stack-access-type", std::string("cli\0ent", 7));
  metadata.Add("x-stack-branch-id", "a\tb");
  metadata.Add("x-stack-client-version", "js @stackframe/js@2.8.108 ~!");
  EXPECT_FALSE(metadata.Get(RequestMetadata::kProjectId).has_value());
  EXPECT_FALSE(metadata.Get(RequestMetadata::kAccessType).has_value());
  EXPECT_FALSE(metadata.Get(RequestMetadata::kBranchId).has_value());
  EXPECT_EQ(metadata.Get("x-stack-client-version"),
            "js @stackframe/js@2.8.108 ~!");
}

TEST(RequestMetadata, BearerTokenParsing) {
  RequestMetadata with;
  with.Add("Authorization", "bEaReR  abc.def.ghi ");
  EXPECT_EQ(with.BearerToken(), "abc.def.ghi");

  RequestMetadata basic;
  basic.Add("authorization", "Basic dXNlcjpwYXNz");
  EXPECT_FALSE(basic.BearerToken().has_value());

  RequestMetadata empty;
  empty.Add("authorization", "Bearer ");
  EXPECT_FALSE(empty.BearerToken().has_value());
}

TEST(RequestMetadata, IsTrueOnlyForTheLiteralTrue) {
  RequestMetadata metadata;
  metadata.Add("x-stack-allow-anonymous-user", "true");
  metadata.Add("x-stack-allow-restricted-user", "TRUE");
  EXPECT_TRUE(metadata.IsTrue(RequestMetadata::kAllowAnonymousUser));
  EXPECT_FALSE(metadata.IsTrue(RequestMetadata::kAllowRestrictedUser));
  EXPECT_FALSE(metadata.IsTrue(RequestMetadata::kProjectId));
}

}  // namespace
}  // namespace latchkey::service
