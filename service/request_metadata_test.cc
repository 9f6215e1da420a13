#include "service/request_metadata.h"

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
