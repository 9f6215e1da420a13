// TokenService over gRPC against the whole latchkeyd in process (TestApp on
// SQLite, fake clock): every RPC, every error it documents, rotation, and
// freshness of refreshed claims. The REST side is token_rest_test.cc.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/core/access_tokens.h"
#include "tests/integration/token_fixture.h"

namespace latchkey::testing {
namespace {

using identity::v1::AccessTokenClaims;
using identity::v1::CreateWebSocketTokenRequest;
using identity::v1::CreateWebSocketTokenResponse;
using identity::v1::GetAnonymousUsersJwksRequest;
using identity::v1::GetJwksRequest;
using identity::v1::IntrospectTokenRequest;
using identity::v1::IntrospectTokenResponse;
using identity::v1::Jwks;
using identity::v1::ListSigningKeysRequest;
using identity::v1::ListSigningKeysResponse;
using identity::v1::OAuthTokenRequest;
using identity::v1::OAuthTokenResponse;
using identity::v1::RedirectResponse;
using identity::v1::RefreshAccessTokenRequest;
using identity::v1::RefreshAccessTokenResponse;
using identity::v1::RevokeRefreshTokenRequest;
using identity::v1::SuccessResponse;
using identity::v1::ValidateAccessTokenResponse;
using ::testing::ElementsAre;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

constexpr char kPublicClient[] = "__stack_public_client__";
constexpr char kIssuerBase[] = "http://127.0.0.1/api/v1";
constexpr char kUnknownProject[] = "00000000-0000-4000-8000-000000000000";

// Flips one character in the middle of the signature: still valid
// base64url, no longer the signature.
std::string TamperSignature(std::string jwt) {
  const size_t at = jwt.rfind('.') + 10;
  jwt[at] = jwt[at] == 'A' ? 'B' : 'A';
  return jwt;
}

class TokenServiceTest : public TokenTest {
 protected:
  grpc::Status Revoke(const std::string& token, SuccessResponse* out,
                      const std::string& client_id = "internal",
                      const std::string& secret = kPublicClient) {
    RevokeRefreshTokenRequest request;
    request.set_token(token);
    request.set_client_id(client_id);
    request.set_client_secret(secret);
    grpc::ClientContext call;
    return tokens().RevokeRefreshToken(&call, request, out);
  }

  grpc::Status RefreshViaHeader(const std::string& refresh_token,
                                RefreshAccessTokenResponse* out) {
    grpc::ClientContext call;
    TestApp::AsClient(call);
    call.AddMetadata("x-stack-refresh-token", refresh_token);
    return tokens().RefreshAccessToken(&call, RefreshAccessTokenRequest(), out);
  }

  grpc::Status Introspect(const std::string& token,
                          IntrospectTokenResponse* out) {
    IntrospectTokenRequest request;
    request.set_token(token);
    grpc::ClientContext call;
    TestApp::AsServer(call);
    return tokens().IntrospectToken(&call, request, out);
  }

  grpc::Status GetJwks(const std::string& project_id, bool restricted,
                       bool anonymous, Jwks* out) {
    GetJwksRequest request;
    request.set_project_id(project_id);
    request.set_include_restricted(restricted);
    request.set_include_anonymous(anonymous);
    grpc::ClientContext call;
    return tokens().GetJwks(&call, request, out);
  }

  grpc::Status WebSocketToken(const std::string& access_token,
                              CreateWebSocketTokenResponse* out) {
    grpc::ClientContext call;
    TestApp::AsClient(call);
    call.AddMetadata("x-stack-access-token", access_token);
    call.AddMetadata("x-stack-allow-anonymous-user", "true");
    return tokens().CreateWebSocketToken(&call, CreateWebSocketTokenRequest(),
                                         out);
  }

  // A verified (non-anonymous) user and a session of theirs.
  std::pair<std::string, identity::v1::CreateSessionResponse> NormalUser() {
    std::string id = CreateUser(
        {.display_name = "Ada Lovelace", .email = "ada@example.com"});
    return {id, SessionFor(id)};
  }
};

// ---- OAuthToken -------------------------------------------------------------

TEST_F(TokenServiceTest, OAuthRefreshAnswersBearerTokenForTheSession) {
  identity::v1::SignInResponse signed_up = SignUpAnonymously();
  OAuthTokenResponse response;
  grpc::Status status = OAuthRefresh(signed_up.refresh_token(), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.token_type(), "Bearer");
  EXPECT_EQ(response.expires_in(), 600);
  EXPECT_EQ(response.scope(), "legacy");
  EXPECT_FALSE(response.has_refresh_token()) << "reusable by default";

  nlohmann::json first = UnverifiedClaims(signed_up.access_token());
  nlohmann::json refreshed = UnverifiedClaims(response.access_token());
  EXPECT_EQ(refreshed["sub"], signed_up.user_id());
  EXPECT_EQ(refreshed["refresh_token_id"], first["refresh_token_id"]);
  EXPECT_EQ(refreshed["aud"], "internal:anon");
  ValidateAccessTokenResponse valid;
  EXPECT_TRUE(Validate(response.access_token(), &valid, true).ok());
}

TEST_F(TokenServiceTest, OAuthClientIdMayNameTheMainBranch) {
  identity::v1::SignInResponse signed_up = SignUpAnonymously();
  OAuthTokenResponse response;
  EXPECT_TRUE(
      OAuthRefresh(signed_up.refresh_token(), &response, "internal#main").ok());
}

TEST_F(TokenServiceTest, OAuthClientIdWithAnotherBranchIsAnInvalidClient) {
  identity::v1::SignInResponse signed_up = SignUpAnonymously();
  OAuthTokenResponse response;
  WireError error = ErrorOf(
      OAuthRefresh(signed_up.refresh_token(), &response, "internal#dev"));
  EXPECT_EQ(error.reason, "INVALID_OAUTH_CLIENT_ID_OR_SECRET");
  EXPECT_THAT(error.details, ElementsAre(Pair("client_id", "internal#dev")));
}

TEST_F(TokenServiceTest, OAuthUnknownProjectIsAnInvalidClient) {
  OAuthTokenResponse response;
  WireError error = ErrorOf(OAuthRefresh("x", &response, kUnknownProject));
  EXPECT_EQ(error.code, grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(error.reason, "INVALID_OAUTH_CLIENT_ID_OR_SECRET");
  EXPECT_THAT(error.details, ElementsAre(Pair("client_id", kUnknownProject)));
  EXPECT_EQ(ErrorOf(OAuthRefresh("x", &response, "#main")).reason,
            "INVALID_OAUTH_CLIENT_ID_OR_SECRET");
}

TEST_F(TokenServiceTest, OAuthClientSecretMustBeTheProjectsPublishableKey) {
  identity::v1::SignInResponse signed_up = SignUpAnonymously();
  OAuthTokenResponse response;
  EXPECT_TRUE(OAuthRefresh(signed_up.refresh_token(), &response, "internal",
                           TestApp::kPublishableClientKey)
                  .ok());
  EXPECT_EQ(ErrorOf(OAuthRefresh(signed_up.refresh_token(), &response,
                                 "internal", "pck_wrong"))
                .reason,
            "INVALID_OAUTH_CLIENT_ID_OR_SECRET");
  EXPECT_EQ(ErrorOf(OAuthRefresh(signed_up.refresh_token(), &response,
                                 "internal", ""))
                .reason,
            "INVALID_OAUTH_CLIENT_ID_OR_SECRET");
  // Another project's key is no key of this one; nor is a server key.
  OtherProject other = CreateProject();
  EXPECT_EQ(ErrorOf(OAuthRefresh(signed_up.refresh_token(), &response,
                                 "internal", other.publishable_client_key))
                .reason,
            "INVALID_OAUTH_CLIENT_ID_OR_SECRET");
  EXPECT_EQ(ErrorOf(OAuthRefresh(signed_up.refresh_token(), &response,
                                 "internal", TestApp::kSecretServerKey))
                .reason,
            "INVALID_OAUTH_CLIENT_ID_OR_SECRET");
}

TEST_F(TokenServiceTest, PublicClientSecretIsRefusedWhenTheProjectNeedsAKey) {
  identity::v1::SignInResponse signed_up = SignUpAnonymously();
  SetConfigOverride(R"({"require_publishable_client_key": true})");
  OAuthTokenResponse response;
  WireError error = ErrorOf(OAuthRefresh(signed_up.refresh_token(), &response));
  EXPECT_EQ(error.reason, "PUBLISHABLE_CLIENT_KEY_REQUIRED_FOR_PROJECT");
  EXPECT_THAT(error.details, ElementsAre(Pair("project_id", "internal")));
  EXPECT_TRUE(OAuthRefresh(signed_up.refresh_token(), &response, "internal",
                           TestApp::kPublishableClientKey)
                  .ok());
}

TEST_F(TokenServiceTest, AuthorizationCodeGrantRefusesAnUnknownCode) {
  OAuthTokenRequest request;
  request.set_grant_type("authorization_code");
  request.set_code("some-code");
  request.set_client_id("internal");
  request.set_client_secret(kPublicClient);
  grpc::ClientContext call;
  OAuthTokenResponse response;
  grpc::Status status = tokens().OAuthToken(&call, request, &response);
  EXPECT_EQ(ErrorOf(status).reason, "INVALID_AUTHORIZATION_CODE");
}

TEST_F(TokenServiceTest, OtherGrantTypesAreUnsupported) {
  OAuthTokenRequest request;
  request.set_grant_type("password");
  request.set_client_id("internal");
  request.set_client_secret(kPublicClient);
  grpc::ClientContext call;
  OAuthTokenResponse response;
  WireError error = ErrorOf(tokens().OAuthToken(&call, request, &response));
  EXPECT_EQ(error.reason, "UNSUPPORTED_GRANT_TYPE");
  EXPECT_THAT(error.details, ElementsAre(Pair("grant_type", "password")));
}

TEST_F(TokenServiceTest, TheClientIsCheckedBeforeTheGrant) {
  OAuthTokenRequest request;
  request.set_grant_type("password");
  request.set_client_id(kUnknownProject);
  request.set_client_secret(kPublicClient);
  grpc::ClientContext call;
  OAuthTokenResponse response;
  EXPECT_EQ(ErrorOf(tokens().OAuthToken(&call, request, &response)).reason,
            "INVALID_OAUTH_CLIENT_ID_OR_SECRET");
}

TEST_F(TokenServiceTest, RefreshGrantNeedsARefreshTokenAndTheLegacyScope) {
  identity::v1::SignInResponse signed_up = SignUpAnonymously();
  OAuthTokenResponse response;
  EXPECT_EQ(ErrorOf(OAuthRefresh("", &response)).reason, "SCHEMA_ERROR");
  OAuthTokenRequest request;
  request.set_grant_type("refresh_token");
  request.set_refresh_token(signed_up.refresh_token());
  request.set_client_id("internal");
  request.set_client_secret(kPublicClient);
  request.set_scope("legacy");
  {
    grpc::ClientContext call;
    EXPECT_TRUE(tokens().OAuthToken(&call, request, &response).ok());
  }
  request.set_scope("legacy admin");
  grpc::ClientContext call;
  WireError error = ErrorOf(tokens().OAuthToken(&call, request, &response));
  EXPECT_EQ(error.reason, "SCHEMA_ERROR");
  EXPECT_THAT(error.details.at("message"), ::testing::HasSubstr("scope"));
}

TEST_F(TokenServiceTest, UnknownRefreshTokenIsNotFoundOrExpired) {
  OAuthTokenResponse response;
  WireError error = ErrorOf(
      OAuthRefresh("0123456789abcdefghjkmnpqrstvwxyz0123456789abc", &response));
  EXPECT_EQ(error.code, grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(error.reason, "REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED");
}

TEST_F(TokenServiceTest, RefreshTokenOfAnotherProjectIsNotFound) {
  OtherProject other = CreateProject();
  identity::v1::SignInResponse theirs = SignUpAnonymously(other.id);
  OAuthTokenResponse response;
  EXPECT_EQ(ErrorOf(OAuthRefresh(theirs.refresh_token(), &response)).reason,
            "REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED");
  EXPECT_TRUE(OAuthRefresh(theirs.refresh_token(), &response, other.id,
                           other.publishable_client_key)
                  .ok());
  EXPECT_EQ(UnverifiedClaims(response.access_token())["aud"],
            other.id + ":anon");
}

TEST_F(TokenServiceTest, ExpiredRefreshTokenIsNotFoundOrExpired) {
  identity::v1::SignInResponse signed_up = SignUpAnonymously();
  clock_.Advance(absl::Hours(24 * 365) - absl::Seconds(1));
  OAuthTokenResponse response;
  EXPECT_TRUE(OAuthRefresh(signed_up.refresh_token(), &response).ok());
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(ErrorOf(OAuthRefresh(signed_up.refresh_token(), &response)).reason,
            "REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED");
}

TEST_F(TokenServiceTest, SessionOfADeletedUserCannotRefresh) {
  auto [user_id, session] = NormalUser();
  absl::Status deleted =
      context().database.Run([&](storage::Repositories& repos) {
        return repos.users().Delete("internal", user_id);
      });
  ASSERT_TRUE(deleted.ok()) << deleted;
  OAuthTokenResponse response;
  EXPECT_EQ(ErrorOf(OAuthRefresh(session.refresh_token(), &response)).reason,
            "REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED");
}

TEST_F(TokenServiceTest, RefreshedTokenCarriesTheUsersCurrentData) {
  auto [user_id, session] = NormalUser();
  nlohmann::json before = UnverifiedClaims(session.access_token());
  EXPECT_EQ(before["name"], "Ada Lovelace");
  EXPECT_EQ(before["email"], "ada@example.com");
  EXPECT_EQ(before["aud"], "internal");

  UpdateUser(user_id, [](storage::UserRecord& user) {
    user.display_name = "Ada King";
    user.restricted_by_admin = true;
  });
  clock_.Advance(absl::Seconds(30));
  OAuthTokenResponse response;
  ASSERT_TRUE(OAuthRefresh(session.refresh_token(), &response).ok());

  ValidateAccessTokenResponse valid;
  WireError refused = ErrorOf(Validate(response.access_token(), &valid));
  EXPECT_EQ(refused.code, grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(refused.reason, "RESTRICTED_USER_NOT_ALLOWED");
  EXPECT_THAT(refused.details,
              ElementsAre(Pair("restricted_reason",
                               R"({"type":"restricted_by_administrator"})")));
  ASSERT_TRUE(Validate(response.access_token(), &valid, false, true).ok());
  const AccessTokenClaims& claims = valid.claims();
  EXPECT_EQ(claims.name(), "Ada King");
  EXPECT_EQ(claims.aud(), "internal:restricted");
  EXPECT_EQ(claims.iss(),
            std::string(kIssuerBase) + "/projects-restricted-users/internal");
  EXPECT_TRUE(claims.is_restricted());
  EXPECT_EQ(claims.restricted_reason().type(), "restricted_by_administrator");
  EXPECT_EQ(claims.iat(), absl::ToUnixSeconds(clock_.Now()));
  EXPECT_EQ(claims.refresh_token_id(),
            before["refresh_token_id"].get<std::string>());
}

TEST_F(TokenServiceTest, ProjectsAccessTokenLifetimeIsTheAnswersExpiresIn) {
  identity::v1::SignInResponse signed_up = SignUpAnonymously();
  SetConfigOverride(R"({"access_token_lifetime_seconds": 120})");
  OAuthTokenResponse response;
  ASSERT_TRUE(OAuthRefresh(signed_up.refresh_token(), &response).ok());
  EXPECT_EQ(response.expires_in(), 120);
  nlohmann::json claims = UnverifiedClaims(response.access_token());
  EXPECT_EQ(claims["exp"].get<int64_t>() - claims["iat"].get<int64_t>(), 120);
}

// ---- Rotation -------------------------------------------------------------

TEST_F(TokenServiceTest, RotatingProjectHandsOutTheNextRefreshToken) {
  identity::v1::SignInResponse signed_up = SignUpAnonymously();
  SetConfigOverride(R"({"refresh_token_rotation": true})");
  OAuthTokenResponse first;
  ASSERT_TRUE(OAuthRefresh(signed_up.refresh_token(), &first).ok());
  ASSERT_TRUE(first.has_refresh_token());
  EXPECT_NE(first.refresh_token(), signed_up.refresh_token());
  EXPECT_EQ(first.refresh_token().size(), 45u);
  EXPECT_NE(UnverifiedClaims(first.access_token())["refresh_token_id"],
            UnverifiedClaims(signed_up.access_token())["refresh_token_id"]);

  clock_.Advance(absl::Seconds(1));
  OAuthTokenResponse second;
  ASSERT_TRUE(OAuthRefresh(first.refresh_token(), &second).ok());
  ASSERT_TRUE(second.has_refresh_token());
  EXPECT_NE(second.refresh_token(), first.refresh_token());
}

TEST_F(TokenServiceTest, ReplacedTokenWithinGraceAnswersForTheNewestSession) {
  identity::v1::SignInResponse signed_up = SignUpAnonymously();
  SetConfigOverride(R"({"refresh_token_rotation": true})");
  OAuthTokenResponse winner;
  ASSERT_TRUE(OAuthRefresh(signed_up.refresh_token(), &winner).ok());
  // A second tab refreshing with the same token a moment later.
  clock_.Advance(absl::Seconds(10));
  OAuthTokenResponse other_tab;
  grpc::Status status = OAuthRefresh(signed_up.refresh_token(), &other_tab);
  ASSERT_TRUE(status.ok()) << status.error_message();
  // Both tabs continue with the same next token.
  ASSERT_TRUE(other_tab.has_refresh_token());
  EXPECT_EQ(other_tab.refresh_token(), winner.refresh_token());
  EXPECT_EQ(UnverifiedClaims(other_tab.access_token())["refresh_token_id"],
            UnverifiedClaims(winner.access_token())["refresh_token_id"]);
}

TEST_F(TokenServiceTest, ReuseAfterGraceRevokesTheWholeFamily) {
  identity::v1::SignInResponse signed_up = SignUpAnonymously();
  SetConfigOverride(R"({"refresh_token_rotation": true})");
  OAuthTokenResponse rotated;
  ASSERT_TRUE(OAuthRefresh(signed_up.refresh_token(), &rotated).ok());
  clock_.Advance(absl::Seconds(11));
  OAuthTokenResponse response;
  EXPECT_EQ(ErrorOf(OAuthRefresh(signed_up.refresh_token(), &response)).reason,
            "REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED");
  EXPECT_EQ(ErrorOf(OAuthRefresh(rotated.refresh_token(), &response)).reason,
            "REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED")
      << "the stolen-token replay revoked the legitimate token too";
}

// ---- RefreshAccessToken ---------------------------------------------------

TEST_F(TokenServiceTest, RefreshAccessTokenReadsTheRefreshTokenHeader) {
  identity::v1::SignInResponse signed_up = SignUpAnonymously();
  RefreshAccessTokenResponse response;
  ASSERT_TRUE(RefreshViaHeader(signed_up.refresh_token(), &response).ok());
  EXPECT_EQ(UnverifiedClaims(response.access_token())["sub"],
            signed_up.user_id());
}

TEST_F(TokenServiceTest, RefreshAccessTokenRequestFieldWinsOverTheHeader) {
  identity::v1::SignInResponse alice = SignUpAnonymously();
  identity::v1::SignInResponse bob = SignUpAnonymously();
  RefreshAccessTokenRequest request;
  request.set_refresh_token(bob.refresh_token());
  grpc::ClientContext call;
  TestApp::AsServer(call);
  call.AddMetadata("x-stack-refresh-token", alice.refresh_token());
  RefreshAccessTokenResponse response;
  ASSERT_TRUE(tokens().RefreshAccessToken(&call, request, &response).ok());
  EXPECT_EQ(UnverifiedClaims(response.access_token())["sub"], bob.user_id());
}

TEST_F(TokenServiceTest, RefreshAccessTokenWithoutOrWithBadTokenIsNotFound) {
  RefreshAccessTokenResponse response;
  {
    grpc::ClientContext call;
    TestApp::AsClient(call);
    EXPECT_EQ(ErrorOf(tokens().RefreshAccessToken(
                          &call, RefreshAccessTokenRequest(), &response))
                  .reason,
              "REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED");
  }
  EXPECT_EQ(ErrorOf(RefreshViaHeader("nope", &response)).reason,
            "REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED");
}

TEST_F(TokenServiceTest, RefreshAccessTokenNeverRotates) {
  identity::v1::SignInResponse signed_up = SignUpAnonymously();
  SetConfigOverride(R"({"refresh_token_rotation": true})");
  RefreshAccessTokenResponse response;
  ASSERT_TRUE(RefreshViaHeader(signed_up.refresh_token(), &response).ok());
  // Had it rotated, the token would be a replay now, beyond the grace.
  clock_.Advance(absl::Seconds(60));
  ASSERT_TRUE(RefreshViaHeader(signed_up.refresh_token(), &response).ok());
  // OAuthToken still rotates the same session.
  OAuthTokenResponse rotated;
  ASSERT_TRUE(OAuthRefresh(signed_up.refresh_token(), &rotated).ok());
  EXPECT_TRUE(rotated.has_refresh_token());
}

// ---- RevokeRefreshToken ---------------------------------------------------

TEST_F(TokenServiceTest, RevokedRefreshTokenNoLongerRefreshes) {
  identity::v1::SignInResponse signed_up = SignUpAnonymously();
  SuccessResponse success;
  ASSERT_TRUE(Revoke(signed_up.refresh_token(), &success).ok());
  EXPECT_TRUE(success.success());
  OAuthTokenResponse response;
  EXPECT_EQ(ErrorOf(OAuthRefresh(signed_up.refresh_token(), &response)).reason,
            "REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED");
}

TEST_F(TokenServiceTest, RevokingAnUnknownTokenSucceeds) {
  SuccessResponse success;
  ASSERT_TRUE(Revoke("not-a-token", &success).ok());
  EXPECT_TRUE(success.success());
}

TEST_F(TokenServiceTest, RevokingAnotherProjectsTokenSucceedsWithoutEffect) {
  OtherProject other = CreateProject();
  identity::v1::SignInResponse theirs = SignUpAnonymously(other.id);
  SuccessResponse success;
  ASSERT_TRUE(Revoke(theirs.refresh_token(), &success).ok());
  OAuthTokenResponse response;
  EXPECT_TRUE(OAuthRefresh(theirs.refresh_token(), &response, other.id,
                           other.publishable_client_key)
                  .ok());
}

TEST_F(TokenServiceTest, RevokeChecksTheClient) {
  identity::v1::SignInResponse signed_up = SignUpAnonymously();
  SuccessResponse success;
  EXPECT_EQ(
      ErrorOf(Revoke(signed_up.refresh_token(), &success, kUnknownProject))
          .reason,
      "INVALID_OAUTH_CLIENT_ID_OR_SECRET");
  EXPECT_EQ(ErrorOf(Revoke(signed_up.refresh_token(), &success, "internal",
                           "pck_wrong"))
                .reason,
            "INVALID_OAUTH_CLIENT_ID_OR_SECRET");
  OAuthTokenResponse response;
  EXPECT_TRUE(OAuthRefresh(signed_up.refresh_token(), &response).ok());
}

TEST_F(TokenServiceTest, RevokingARotatedTokenEndsTheWholeSession) {
  identity::v1::SignInResponse signed_up = SignUpAnonymously();
  SetConfigOverride(R"({"refresh_token_rotation": true})");
  OAuthTokenResponse rotated;
  ASSERT_TRUE(OAuthRefresh(signed_up.refresh_token(), &rotated).ok());
  SuccessResponse success;
  ASSERT_TRUE(Revoke(signed_up.refresh_token(), &success).ok());
  OAuthTokenResponse response;
  EXPECT_EQ(ErrorOf(OAuthRefresh(rotated.refresh_token(), &response)).reason,
            "REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED");
}

// ---- ValidateAccessToken --------------------------------------------------

TEST_F(TokenServiceTest, ValidateReturnsEveryClaimOfANormalUser) {
  auto [user_id, session] = NormalUser();
  ValidateAccessTokenResponse response;
  ASSERT_TRUE(Validate(session.access_token(), &response).ok());
  const AccessTokenClaims& claims = response.claims();
  const int64_t now = absl::ToUnixSeconds(clock_.Now());
  EXPECT_EQ(claims.iss(), std::string(kIssuerBase) + "/projects/internal");
  EXPECT_EQ(claims.sub(), user_id);
  EXPECT_EQ(claims.aud(), "internal");
  EXPECT_EQ(claims.iat(), now);
  EXPECT_EQ(claims.exp(), now + 600);
  EXPECT_EQ(claims.project_id(), "internal");
  EXPECT_EQ(claims.branch_id(), "main");
  EXPECT_EQ(claims.refresh_token_id().size(), 36u);
  EXPECT_EQ(claims.role(), "authenticated");
  EXPECT_EQ(claims.name(), "Ada Lovelace");
  EXPECT_EQ(claims.email(), "ada@example.com");
  EXPECT_TRUE(claims.email_verified());
  EXPECT_FALSE(claims.has_selected_team_id());
  EXPECT_EQ(claims.signed_up_at(), now);
  EXPECT_FALSE(claims.is_anonymous());
  EXPECT_FALSE(claims.is_restricted());
  EXPECT_FALSE(claims.has_restricted_reason());
  EXPECT_FALSE(claims.requires_totp_mfa());
}

// latchkey_inline_calls_total{outcome=...} as the metrics page shows it.
int64_t InlineCalls(service::Application& app, const std::string& outcome) {
  const std::string text = app.metrics().Render();
  const std::string prefix =
      "latchkey_inline_calls_total{outcome=\"" + outcome + "\"} ";
  const size_t at = text.find(prefix);
  if (at == std::string::npos) return 0;
  return std::stoll(text.substr(at + prefix.size()));
}

TEST_F(TokenServiceTest, ValidationWaitsOnAWorkerOnlyWhenACacheIsCold) {
  // A fresh project: neither its snapshot nor its server key is in memory
  // yet, so the first call's attempt on gRPC's thread has to read the
  // database; it is answered from a worker, and answered right.
  OtherProject other = CreateProject();
  const std::string user_id =
      CreateUser({.email = "grace@example.com"}, other.id);
  identity::v1::CreateSessionRequest create;
  create.set_user_id(user_id);
  grpc::ClientContext context;
  TestApp::AsServer(context, other.id, other.secret_server_key);
  identity::v1::CreateSessionResponse session;
  ASSERT_TRUE(auth().CreateSession(&context, create, &session).ok());
  clock_.Advance(absl::Seconds(3));  // Past the 2 s key memory.

  service::Application& server = app().app();
  const int64_t answered = InlineCalls(server, "answered");
  const int64_t requeued = InlineCalls(server, "requeued");
  ValidateAccessTokenResponse response;
  ASSERT_TRUE(Validate(session.access_token(), &response, false, false,
                       other.id, other.secret_server_key)
                  .ok());
  EXPECT_EQ(response.claims().sub(), user_id);
  EXPECT_EQ(InlineCalls(server, "requeued"), requeued + 1);
  EXPECT_EQ(InlineCalls(server, "answered"), answered);

  // Warm: the key is remembered, the token verified before.
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(Validate(session.access_token(), &response, false, false,
                         other.id, other.secret_server_key)
                    .ok());
    EXPECT_EQ(response.claims().sub(), user_id);
  }
  EXPECT_EQ(InlineCalls(server, "answered"), answered + 3);
  EXPECT_EQ(InlineCalls(server, "requeued"), requeued + 1);

  // A wrong key is never remembered: each try goes to the database, from
  // a worker, and is refused there.
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(ErrorOf(Validate(session.access_token(), &response, false, false,
                               other.id,
                               "ssk_wrong0000000000000000000000000000000000000"
                               "00000"))
                  .reason,
              "INVALID_SECRET_SERVER_KEY");
  }
  EXPECT_EQ(InlineCalls(server, "requeued"), requeued + 3);
}

TEST_F(TokenServiceTest, ValidateRefusesAnonymousUnlessAllowed) {
  identity::v1::SignInResponse signed_up = SignUpAnonymously();
  ValidateAccessTokenResponse response;
  EXPECT_EQ(ErrorOf(Validate(signed_up.access_token(), &response)).reason,
            "ANONYMOUS_AUTHENTICATION_NOT_ALLOWED");
  EXPECT_EQ(ErrorOf(Validate(signed_up.access_token(), &response, false, true))
                .reason,
            "ANONYMOUS_AUTHENTICATION_NOT_ALLOWED")
      << "allowing restricted users does not allow anonymous ones";
  ASSERT_TRUE(Validate(signed_up.access_token(), &response, true).ok());
  EXPECT_TRUE(response.claims().is_anonymous());
  EXPECT_EQ(response.claims().restricted_reason().type(), "anonymous");
  EXPECT_EQ(response.claims().iss(),
            std::string(kIssuerBase) + "/projects-anonymous-users/internal");
}

TEST_F(TokenServiceTest, ValidateExpiredTokenNamesItsSession) {
  auto [user_id, session] = NormalUser();
  nlohmann::json claims = UnverifiedClaims(session.access_token());
  // Ten minutes of life and the verifier's 60 s of leeway.
  clock_.Advance(absl::Seconds(600 + 60));
  ValidateAccessTokenResponse response;
  WireError error = ErrorOf(Validate(session.access_token(), &response));
  EXPECT_EQ(error.code, grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(error.reason, "ACCESS_TOKEN_EXPIRED");
  EXPECT_THAT(error.details,
              UnorderedElementsAre(
                  Pair("expired_at_millis",
                       std::to_string(claims["exp"].get<int64_t>() * 1000)),
                  Pair("project_id", "internal"), Pair("user_id", user_id),
                  Pair("refresh_token_id",
                       claims["refresh_token_id"].get<std::string>())));
}

TEST_F(TokenServiceTest, ValidateRefusesMalformedAndTamperedTokens) {
  auto [user_id, session] = NormalUser();
  ValidateAccessTokenResponse response;
  for (const std::string& token :
       {std::string("not.a.jwt"), std::string("garbage"),
        TamperSignature(session.access_token())}) {
    WireError error = ErrorOf(Validate(token, &response));
    EXPECT_EQ(error.code, grpc::StatusCode::UNAUTHENTICATED) << token;
    EXPECT_EQ(error.reason, "UNPARSABLE_ACCESS_TOKEN") << token;
  }
}

TEST_F(TokenServiceTest, ValidateRefusesAnotherProjectsToken) {
  OtherProject other = CreateProject();
  identity::v1::SignInResponse theirs = SignUpAnonymously(other.id);
  ValidateAccessTokenResponse response;
  WireError error =
      ErrorOf(Validate(theirs.access_token(), &response, true, true));
  EXPECT_EQ(error.reason, "INVALID_PROJECT_FOR_ACCESS_TOKEN");
  EXPECT_THAT(error.details,
              UnorderedElementsAre(Pair("expected_project_id", "internal"),
                                   Pair("actual_project_id", other.id)));
  // Their own server may validate it.
  EXPECT_TRUE(Validate(theirs.access_token(), &response, true, true, other.id,
                       other.secret_server_key)
                  .ok());
}

TEST_F(TokenServiceTest, ValidateNeverConsultsSessionsOrUsers) {
  auto [user_id, session] = NormalUser();
  absl::Status deleted =
      context().database.Run([&](storage::Repositories& repos) {
        return repos.users().Delete("internal", user_id);
      });
  ASSERT_TRUE(deleted.ok()) << deleted;
  ValidateAccessTokenResponse response;
  EXPECT_TRUE(Validate(session.access_token(), &response).ok())
      << "a signed token stands on its own until it expires";
}

TEST_F(TokenServiceTest, ValidateIsForServersAndAdmins) {
  auto [user_id, session] = NormalUser();
  identity::v1::ValidateAccessTokenRequest request;
  request.set_access_token(session.access_token());
  ValidateAccessTokenResponse response;
  {
    grpc::ClientContext call;
    TestApp::AsClient(call);
    EXPECT_EQ(
        ErrorOf(tokens().ValidateAccessToken(&call, request, &response)).reason,
        "INSUFFICIENT_ACCESS_TYPE");
  }
  grpc::ClientContext call;
  TestApp::AsAdmin(call);
  EXPECT_TRUE(tokens().ValidateAccessToken(&call, request, &response).ok());
}

// ---- IntrospectToken ------------------------------------------------------

TEST_F(TokenServiceTest, IntrospectionOfAValidTokenIsActive) {
  identity::v1::SignInResponse signed_up = SignUpAnonymously();
  IntrospectTokenResponse response;
  ASSERT_TRUE(Introspect(signed_up.access_token(), &response).ok());
  const int64_t now = absl::ToUnixSeconds(clock_.Now());
  EXPECT_TRUE(response.active());
  EXPECT_EQ(response.sub(), signed_up.user_id());
  EXPECT_EQ(response.iat(), now);
  EXPECT_EQ(response.exp(), now + 600);
  EXPECT_EQ(response.aud(), "internal:anon");
  EXPECT_EQ(response.iss(),
            std::string(kIssuerBase) + "/projects-anonymous-users/internal");
  EXPECT_EQ(response.client_id(), "internal");
  EXPECT_EQ(response.scope(), "legacy");
  EXPECT_EQ(response.token_type(), "Bearer");
}

TEST_F(TokenServiceTest, IntrospectionOfAnyRefusedTokenIsOnlyInactive) {
  identity::v1::SignInResponse signed_up = SignUpAnonymously();
  OtherProject other = CreateProject();
  identity::v1::SignInResponse theirs = SignUpAnonymously(other.id);
  std::vector<std::string> refused = {
      "garbage", TamperSignature(signed_up.access_token()),
      theirs.access_token(), signed_up.refresh_token()};
  for (const std::string& token : refused) {
    IntrospectTokenResponse response;
    ASSERT_TRUE(Introspect(token, &response).ok()) << token;
    IntrospectTokenResponse inactive;
    inactive.set_active(false);
    EXPECT_EQ(response.SerializeAsString(), inactive.SerializeAsString())
        << token;
  }
  clock_.Advance(absl::Seconds(661));
  IntrospectTokenResponse expired;
  ASSERT_TRUE(Introspect(signed_up.access_token(), &expired).ok());
  EXPECT_FALSE(expired.active());
  EXPECT_FALSE(expired.has_sub());
}

// ---- GetJwks / GetAnonymousUsersJwks -------------------------------------

std::vector<std::string> Kids(const Jwks& jwks) {
  std::vector<std::string> kids;
  for (const auto& key : jwks.keys()) kids.push_back(key.kid());
  return kids;
}

TEST_F(TokenServiceTest, JwksPublishesStacksKeysPerAudience) {
  // TestApp's secret is the test vector of docs/stack-wire-format.md.
  Jwks jwks;
  ASSERT_TRUE(GetJwks("internal", false, false, &jwks).ok());
  EXPECT_THAT(Kids(jwks), ElementsAre("M5zZLA6iQw2n", "YllKZ6LZIF_3"));
  const identity::v1::Jwk& first = jwks.keys(0);
  EXPECT_EQ(first.kty(), "EC");
  EXPECT_EQ(first.crv(), "P-256");
  EXPECT_EQ(first.alg(), "ES256");
  EXPECT_EQ(first.x(), "1nTfAlWSPsAvLhYQkp_fGz7RckPtP6ZEZjVj6jZd70k");
  EXPECT_EQ(first.y(), "vePcQBEJl4Mv2f2KA3MM4AIQvNWTCgo2fiKL-f_Pkb4");

  ASSERT_TRUE(GetJwks("internal", true, false, &jwks).ok());
  EXPECT_THAT(Kids(jwks), ElementsAre("M5zZLA6iQw2n", "YllKZ6LZIF_3",
                                      "Wxg1H4Lo4CEx", "GdLi8GXCBnIs"));
  // Anonymous implies restricted.
  ASSERT_TRUE(GetJwks("internal", false, true, &jwks).ok());
  EXPECT_THAT(Kids(jwks),
              ElementsAre("M5zZLA6iQw2n", "YllKZ6LZIF_3", "Wxg1H4Lo4CEx",
                          "GdLi8GXCBnIs", "FInOUGcpZb24", "Rb-x5tnB7YSS"));
  for (const auto& key : jwks.keys()) {
    EXPECT_EQ(key.x().size(), 43u) << key.kid();
    EXPECT_EQ(key.y().size(), 43u) << key.kid();
  }
}

TEST_F(TokenServiceTest, JwksOfAnUnknownProjectIsNotFound) {
  Jwks jwks;
  WireError error = ErrorOf(GetJwks(kUnknownProject, false, false, &jwks));
  EXPECT_EQ(error.code, grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(error.reason, "PROJECT_NOT_FOUND");
  EXPECT_THAT(error.details, ElementsAre(Pair("project_id", kUnknownProject)));
  EXPECT_EQ(ErrorOf(GetJwks("not a project", false, false, &jwks)).reason,
            "PROJECT_NOT_FOUND");
}

TEST_F(TokenServiceTest, JwksOfAnotherProjectHasItsOwnKeys) {
  OtherProject other = CreateProject();
  Jwks internal;
  Jwks theirs;
  ASSERT_TRUE(GetJwks("internal", false, false, &internal).ok());
  ASSERT_TRUE(GetJwks(other.id, false, false, &theirs).ok());
  ASSERT_EQ(theirs.keys_size(), 2);
  EXPECT_NE(theirs.keys(0).kid(), internal.keys(0).kid());
}

TEST_F(TokenServiceTest, AnonymousUsersJwksRedirectsToTheProjectsJwks) {
  GetAnonymousUsersJwksRequest request;
  request.set_project_id("internal");
  RedirectResponse redirect;
  {
    grpc::ClientContext call;
    ASSERT_TRUE(tokens().GetAnonymousUsersJwks(&call, request, &redirect).ok());
  }
  EXPECT_EQ(
      redirect.location(),
      std::string(kIssuerBase) +
          "/projects/internal/.well-known/jwks.json?include_anonymous=true");
  request.set_project_id(kUnknownProject);
  grpc::ClientContext call;
  EXPECT_EQ(
      ErrorOf(tokens().GetAnonymousUsersJwks(&call, request, &redirect)).reason,
      "PROJECT_NOT_FOUND");
}

// ---- CreateWebSocketToken -------------------------------------------------

TEST_F(TokenServiceTest, WebSocketTokenIsBoundToUserAndSessionFor60Seconds) {
  identity::v1::SignInResponse signed_up = SignUpAnonymously();
  CreateWebSocketTokenResponse response;
  ASSERT_TRUE(WebSocketToken(signed_up.access_token(), &response).ok());
  const absl::Time issued = clock_.Now();
  EXPECT_EQ(response.expires_at_millis(),
            absl::ToUnixMillis(issued + absl::Seconds(60)));
  absl::StatusOr<AccessTokenClaims> claims =
      context().token_verifier.VerifyWebSocket(response.token(), "internal");
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->sub(), signed_up.user_id());
  EXPECT_EQ(claims->aud(), "internal:ws");
  EXPECT_EQ(claims->refresh_token_id(),
            UnverifiedClaims(signed_up.access_token())["refresh_token_id"]
                .get<std::string>());
  EXPECT_EQ(claims->exp(), absl::ToUnixSeconds(issued) + 60);
}

TEST_F(TokenServiceTest, WebSocketTokenIsNoAccessToken) {
  identity::v1::SignInResponse signed_up = SignUpAnonymously();
  CreateWebSocketTokenResponse socket;
  ASSERT_TRUE(WebSocketToken(signed_up.access_token(), &socket).ok());
  ValidateAccessTokenResponse response;
  EXPECT_EQ(ErrorOf(Validate(socket.token(), &response, true, true)).reason,
            "UNPARSABLE_ACCESS_TOKEN");
}

TEST_F(TokenServiceTest, WebSocketTokenNeedsAUserAndALiveSession) {
  CreateWebSocketTokenResponse response;
  {
    grpc::ClientContext call;
    TestApp::AsServer(call);
    EXPECT_EQ(ErrorOf(tokens().CreateWebSocketToken(
                          &call, CreateWebSocketTokenRequest(), &response))
                  .reason,
              "USER_AUTHENTICATION_REQUIRED");
  }
  identity::v1::SignInResponse signed_up = SignUpAnonymously();
  SuccessResponse revoked;
  ASSERT_TRUE(Revoke(signed_up.refresh_token(), &revoked).ok());
  EXPECT_EQ(ErrorOf(WebSocketToken(signed_up.access_token(), &response)).reason,
            "REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED")
      << "the access token is still valid, but its session has ended";
}

// ---- ListSigningKeys ------------------------------------------------------

TEST_F(TokenServiceTest, ListSigningKeysNamesEveryKidOfTheProject) {
  ListSigningKeysResponse response;
  {
    grpc::ClientContext call;
    TestApp::AsAdmin(call);
    ASSERT_TRUE(tokens()
                    .ListSigningKeys(&call, ListSigningKeysRequest(), &response)
                    .ok());
  }
  std::vector<std::string> rows;
  for (const auto& key : response.items()) {
    rows.push_back(key.audience() + " " + std::to_string(key.scheme()) + " " +
                   key.generation() + " " + key.kid());
  }
  EXPECT_THAT(rows, ElementsAre("internal 1 current M5zZLA6iQw2n",
                                "internal 2 current YllKZ6LZIF_3",
                                "internal:restricted 1 current Wxg1H4Lo4CEx",
                                "internal:restricted 2 current GdLi8GXCBnIs",
                                "internal:anon 1 current FInOUGcpZb24",
                                "internal:anon 2 current Rb-x5tnB7YSS"));
  EXPECT_FALSE(response.is_paginated());

  grpc::ClientContext call;
  TestApp::AsServer(call);
  EXPECT_EQ(ErrorOf(tokens().ListSigningKeys(&call, ListSigningKeysRequest(),
                                             &response))
                .reason,
            "INSUFFICIENT_ACCESS_TYPE");
}

TEST_F(TokenServiceTest, DuringASecretRotationBothGenerationsAreListed) {
  // The old secret signed this token; after the rotation it still verifies.
  identity::v1::SignInResponse before = SignUpAnonymously();
  const std::string old_secret = TestApp::kServerSecret;
  Restart([&](service::ServerConfig& config) {
    config.server_secret = "RScluDR2SALcFQ8-QVA-wpZJO3CilP2KLm7_i19pXgk";
    config.previous_server_secret = old_secret;
  });
  ListSigningKeysResponse response;
  {
    grpc::ClientContext call;
    TestApp::AsAdmin(call);
    ASSERT_TRUE(tokens()
                    .ListSigningKeys(&call, ListSigningKeysRequest(), &response)
                    .ok());
  }
  ASSERT_EQ(response.items_size(), 12);
  EXPECT_EQ(response.items(0).generation(), "current");
  EXPECT_EQ(response.items(2).generation(), "previous");
  EXPECT_EQ(response.items(2).kid(), "M5zZLA6iQw2n");
  ValidateAccessTokenResponse valid;
  // The scratch database is new, but verification needs none.
  EXPECT_TRUE(Validate(before.access_token(), &valid, true).ok());
  Jwks jwks;
  ASSERT_TRUE(GetJwks("internal", false, false, &jwks).ok());
  EXPECT_EQ(jwks.keys_size(), 4);
  EXPECT_EQ(jwks.keys(2).kid(), "M5zZLA6iQw2n");
}

}  // namespace
}  // namespace latchkey::testing
