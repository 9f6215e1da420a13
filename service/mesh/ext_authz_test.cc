#include "service/mesh/ext_authz.h"

#include <map>
#include <memory>
#include <set>
#include <string>

#include "crypto/jwt.h"
#include "crypto/signing_keys.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "service/core/team_fixture.h"
#include "service/pipeline/method_registry.h"

namespace latchkey::service::mesh {
namespace {

using core::kAnn;
using core::kBob;
using core::kCat;
using core::kProject;
using core::kTeam;
using envoy::config::core::v3::HeaderValueOption;
using envoy::service::auth::v3::CheckRequest;
using envoy::service::auth::v3::CheckResponse;

constexpr char kSecret[] = "23-wuNpik0gIW4mruTz25rbIvhuuvZFrLOLtL7J4tyo";
constexpr char kUrl[] = "https://auth.example.com";
constexpr char kOtherProject[] = "11111111-0000-4000-8000-0000000000ff";

class ExtAuthzTest : public core::TeamFixture {
 protected:
  void SetUp() override {
    core::TeamFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ring_ = *crypto::KeyRing::Create({.current_secret = kSecret});
    jwt_ = std::make_unique<crypto::JwtVerifier>(
        *crypto::JwtVerifier::Create(*ring_, clock_));
    issuer_ = std::make_unique<core::AccessTokenIssuer>(*ring_, clock_, kUrl);
    verifier_ = std::make_unique<core::AccessTokenVerifier>(*jwt_, kUrl);
    projects_ = std::make_unique<core::ProjectDirectory>(*db_, clock_);
    policy_ = std::make_unique<ExtAuthz>(*verifier_, *projects_, *catalog_);
    // A project permission Ann holds and Bob does not.
    ASSERT_TRUE(
        db_->RunInTransaction(
               [&](storage::Repositories& repos) -> absl::Status {
                 storage::PermissionDefinitionRecord read_docs;
                 read_docs.project_id = kProject;
                 read_docs.scope = storage::PermissionScope::kProject;
                 read_docs.permission_id = "read_docs";
                 read_docs.created_at = clock_.Now();
                 if (auto s = repos.permissions().CreateDefinition(read_docs);
                     !s.ok()) {
                   return s;
                 }
                 return repos.permissions()
                     .GrantProjectPermission(
                         {kProject, kAnn, "read_docs", clock_.Now()})
                     .status();
               })
            .ok());
  }

  std::string Token(const std::string& user_id,
                    const std::string& project_id = kProject,
                    bool anonymous = false,
                    std::optional<std::string> team = std::nullopt,
                    absl::Duration lifetime = absl::Minutes(10)) {
    core::TokenSubject subject;
    subject.project_id = project_id;
    subject.user_id = user_id;
    subject.session_id = "session-1";
    subject.signed_up_at = clock_.Now();
    subject.is_anonymous = anonymous;
    subject.selected_team_id = std::move(team);
    absl::StatusOr<core::IssuedToken> issued =
        issuer_->IssueWithExpiry(subject, lifetime);
    EXPECT_TRUE(issued.ok()) << issued.status();
    return issued.ok() ? issued->token : "";
  }

  // A request shaped as Envoy sends it: lower-case headers with the
  // pseudo-headers, path with its query.
  static CheckRequest Request(
      std::map<std::string, std::string> headers,
      std::map<std::string, std::string> extensions = {}) {
    CheckRequest request;
    auto* http =
        request.mutable_attributes()->mutable_request()->mutable_http();
    http->set_method("GET");
    http->set_path("/docs?page=1");
    http->set_host("app.example.com");
    http->set_scheme("http");
    http->set_protocol("HTTP/1.1");
    (*http->mutable_headers())[":method"] = "GET";
    (*http->mutable_headers())[":path"] = "/docs?page=1";
    (*http->mutable_headers())[":authority"] = "app.example.com";
    for (auto& [name, value] : headers)
      (*http->mutable_headers())[name] = value;
    for (auto& [key, value] : extensions) {
      (*request.mutable_attributes()->mutable_context_extensions())[key] =
          value;
    }
    return request;
  }

  CheckResponse Check(const CheckRequest& request) {
    absl::StatusOr<CheckResponse> response = policy_->Check(request);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *response : CheckResponse();
  }

  static std::map<std::string, const HeaderValueOption*> HeadersOf(
      const google::protobuf::RepeatedPtrField<HeaderValueOption>& options) {
    std::map<std::string, const HeaderValueOption*> out;
    for (const auto& option : options) out[option.header().key()] = &option;
    return out;
  }

  static std::string Value(
      const google::protobuf::RepeatedPtrField<HeaderValueOption>& options,
      const std::string& name) {
    auto headers = HeadersOf(options);
    auto it = headers.find(name);
    return it == headers.end() ? "<absent>" : it->second->header().value();
  }

  // The Stack error code of a denial's body.
  static std::string ErrorCode(const CheckResponse& response) {
    auto body = nlohmann::json::parse(response.denied_response().body(),
                                      nullptr, false);
    return body.is_object() ? body.value("code", "") : "<no json>";
  }

  void ExpectDenied(const CheckResponse& response, int http_status,
                    const std::string& code) {
    ASSERT_TRUE(response.has_denied_response()) << response.DebugString();
    EXPECT_FALSE(response.has_ok_response());
    EXPECT_EQ(response.status().code(), http_status == 401 ? 16 : 7);
    EXPECT_EQ(response.denied_response().status().code(), http_status);
    EXPECT_EQ(ErrorCode(response), code);
    EXPECT_EQ(Value(response.denied_response().headers(), "content-type"),
              "application/json; charset=utf-8");
    if (http_status == 401) {
      EXPECT_NE(Value(response.denied_response().headers(), "www-authenticate")
                    .find("Bearer realm=\"latchkey\""),
                std::string::npos);
    } else {
      EXPECT_EQ(Value(response.denied_response().headers(), "www-authenticate"),
                "<absent>");
    }
  }

  void ExpectAllowed(const CheckResponse& response) {
    ASSERT_TRUE(response.has_ok_response()) << response.DebugString();
    EXPECT_EQ(response.status().code(), 0);
    EXPECT_FALSE(response.has_denied_response());
  }

  std::unique_ptr<crypto::KeyRing> ring_;
  std::unique_ptr<crypto::JwtVerifier> jwt_;
  std::unique_ptr<core::AccessTokenIssuer> issuer_;
  std::unique_ptr<core::AccessTokenVerifier> verifier_;
  std::unique_ptr<core::ProjectDirectory> projects_;
  std::unique_ptr<ExtAuthz> policy_;
};

TEST_F(ExtAuthzTest, NoTokenIsA401ChallengeWithStacksBody) {
  CheckResponse response = Check(Request({}));
  ExpectDenied(response, 401, "USER_AUTHENTICATION_REQUIRED");
  EXPECT_EQ(Value(response.denied_response().headers(), "www-authenticate"),
            "Bearer realm=\"latchkey\"");
  EXPECT_EQ(Value(response.denied_response().headers(), "x-stack-known-error"),
            "USER_AUTHENTICATION_REQUIRED");
}

TEST_F(ExtAuthzTest, GarbageTokenIsA401InvalidToken) {
  CheckResponse response =
      Check(Request({{"authorization", "Bearer not.a.token"}}));
  ExpectDenied(response, 401, "UNPARSABLE_ACCESS_TOKEN");
  EXPECT_EQ(Value(response.denied_response().headers(), "www-authenticate"),
            "Bearer realm=\"latchkey\", error=\"invalid_token\"");
}

TEST_F(ExtAuthzTest, ForgedSignatureIsA401) {
  std::string token = Token(kAnn);
  // A character in the middle of the signature segment.
  char& c = token[token.rfind('.') + 20];
  c = c == 'A' ? 'B' : 'A';
  ExpectDenied(Check(Request({{"authorization", "Bearer " + token}})), 401,
               "UNPARSABLE_ACCESS_TOKEN");
}

TEST_F(ExtAuthzTest, ExpiredTokenIsA401WithStacksCode) {
  const std::string token = Token(kAnn);
  clock_.Advance(absl::Hours(1));
  ExpectDenied(Check(Request({{"authorization", "Bearer " + token}})), 401,
               "ACCESS_TOKEN_EXPIRED");
}

TEST_F(ExtAuthzTest, ValidBearerTokenAllowsWithOverwritingIdentityHeaders) {
  CheckResponse response =
      Check(Request({{"authorization", "Bearer " + Token(kAnn)}}));
  ExpectAllowed(response);
  const auto& headers = response.ok_response().headers();
  EXPECT_EQ(Value(headers, "x-latchkey-user-id"), kAnn);
  EXPECT_EQ(Value(headers, "x-latchkey-project-id"), kProject);
  EXPECT_EQ(Value(headers, "x-latchkey-is-anonymous"), "false");
  EXPECT_EQ(Value(headers, "x-latchkey-team-id"), "<absent>");
  for (const auto& option : headers) {
    EXPECT_EQ(option.append_action(),
              HeaderValueOption::OVERWRITE_IF_EXISTS_OR_ADD)
        << option.header().key();
    ASSERT_TRUE(option.has_append()) << option.header().key();
    EXPECT_FALSE(option.append().value()) << option.header().key();
  }
  EXPECT_TRUE(response.ok_response().headers_to_remove().empty());
}

TEST_F(ExtAuthzTest, StackAccessTokenHeaderAndSelectedTeam) {
  CheckResponse response = Check(
      Request({{"x-stack-access-token", Token(kAnn, kProject, false, kTeam)}}));
  ExpectAllowed(response);
  EXPECT_EQ(Value(response.ok_response().headers(), "x-latchkey-team-id"),
            kTeam);
}

TEST_F(ExtAuthzTest, RawHeaderMapIsRead) {
  CheckRequest request = Request({});
  auto* header = request.mutable_attributes()
                     ->mutable_request()
                     ->mutable_http()
                     ->mutable_header_map()
                     ->add_headers();
  header->set_key("Authorization");
  header->set_raw_value("Bearer " + Token(kBob));
  CheckResponse response = Check(request);
  ExpectAllowed(response);
  EXPECT_EQ(Value(response.ok_response().headers(), "x-latchkey-user-id"),
            kBob);
}

TEST_F(ExtAuthzTest, ClientSentLatchkeyHeadersAreOverwrittenOrRemoved) {
  CheckResponse response =
      Check(Request({{"authorization", "Bearer " + Token(kBob)},
                     {"x-latchkey-user-id", kAnn},
                     {"x-latchkey-team-id", kTeam},
                     {"x-latchkey-role", "admin"},
                     {"x-latchkey-is-anonymous", "maybe"}}));
  ExpectAllowed(response);
  const auto& ok = response.ok_response();
  EXPECT_EQ(Value(ok.headers(), "x-latchkey-user-id"), kBob);
  EXPECT_EQ(Value(ok.headers(), "x-latchkey-is-anonymous"), "false");
  std::set<std::string> removed(ok.headers_to_remove().begin(),
                                ok.headers_to_remove().end());
  // Removed: what we do not set. Not removed: what we overwrite (Envoy
  // removes after setting, which would drop our value).
  EXPECT_EQ(removed,
            (std::set<std::string>{"x-latchkey-role", "x-latchkey-team-id"}));
}

TEST_F(ExtAuthzTest, ExtraIdentityHeadersAreSetOrRemoved) {
  absl::StatusOr<std::vector<IdentityHeader>> extra = ParseIdentityHeaders(
      "x-user-email=primary_email,x-user-name=display_name,"
      "x-latchkey-session=session_id,x-latchkey-reason=restricted_reason");
  ASSERT_TRUE(extra.ok()) << extra.status();
  ExtAuthz policy(*verifier_, *projects_, *catalog_, *extra);
  core::TokenSubject subject;
  subject.project_id = kProject;
  subject.user_id = kAnn;
  subject.session_id = "session-7";
  subject.signed_up_at = clock_.Now();
  subject.primary_email = "ann@example.com";
  absl::StatusOr<core::IssuedToken> issued =
      issuer_->IssueWithExpiry(subject, absl::Minutes(10));
  ASSERT_TRUE(issued.ok()) << issued.status();
  absl::StatusOr<CheckResponse> response =
      policy.Check(Request({{"authorization", "Bearer " + issued->token},
                            {"x-user-email", "boss@example.com"},
                            {"x-user-name", "The Boss"},
                            {"x-latchkey-session", "forged"},
                            {"x-latchkey-reason", "forged"}}));
  ASSERT_TRUE(response.ok()) << response.status();
  ExpectAllowed(*response);
  const auto& ok = response->ok_response();
  EXPECT_EQ(Value(ok.headers(), "x-user-email"), "ann@example.com");
  EXPECT_EQ(Value(ok.headers(), "x-latchkey-session"), "session-7");
  // Set as the built-in ones are: overwriting what the client sent.
  EXPECT_FALSE(HeadersOf(ok.headers()).at("x-user-email")->append().value());
  EXPECT_EQ(HeadersOf(ok.headers()).at("x-user-email")->append_action(),
            HeaderValueOption::OVERWRITE_IF_EXISTS_OR_ADD);
  // Ann has no display name and is not restricted: the client's copies
  // are removed, once each.
  EXPECT_EQ(Value(ok.headers(), "x-user-name"), "<absent>");
  EXPECT_EQ(Value(ok.headers(), "x-latchkey-reason"), "<absent>");
  std::multiset<std::string> removed(ok.headers_to_remove().begin(),
                                     ok.headers_to_remove().end());
  EXPECT_EQ(removed,
            (std::multiset<std::string>{"x-latchkey-reason", "x-user-name"}));
}

TEST_F(ExtAuthzTest, WithoutExtraHeadersNoneIsAdded) {
  CheckResponse response = Check(Request(
      {{"authorization", "Bearer " + Token(kAnn)}, {"x-user-email", "x"}}));
  ExpectAllowed(response);
  EXPECT_EQ(response.ok_response().headers_size(), 3);
}

TEST_F(ExtAuthzTest, AnonymousUsersAreRefusedUnlessTheRouteAllowsThem) {
  const std::string token = Token(kCat, kProject, /*anonymous=*/true);
  ExpectDenied(Check(Request({{"authorization", "Bearer " + token}})), 401,
               "ANONYMOUS_AUTHENTICATION_NOT_ALLOWED");
  CheckResponse response =
      Check(Request({{"authorization", "Bearer " + token}},
                    {{"latchkey.allow_anonymous", "true"}}));
  ExpectAllowed(response);
  EXPECT_EQ(Value(response.ok_response().headers(), "x-latchkey-is-anonymous"),
            "true");
}

TEST_F(ExtAuthzTest, RouteProjectRefusesAnotherProjectsToken) {
  ExpectDenied(Check(Request({{"authorization", "Bearer " + Token(kAnn)}},
                             {{"latchkey.project_id", kOtherProject}})),
               401, "INVALID_PROJECT_FOR_ACCESS_TOKEN");
}

TEST_F(ExtAuthzTest, TokenOfAProjectThatIsGoneIsA401) {
  ExpectDenied(Check(Request({{"authorization",
                               "Bearer " + Token(kAnn, kOtherProject)}})),
               401, "CURRENT_PROJECT_NOT_FOUND");
}

TEST_F(ExtAuthzTest, ProjectPermissionGatesTheRoute) {
  const std::map<std::string, std::string> route = {
      {"latchkey.permission", "read_docs"}};
  ExpectAllowed(
      Check(Request({{"authorization", "Bearer " + Token(kAnn)}}, route)));
  ExpectDenied(
      Check(Request({{"authorization", "Bearer " + Token(kBob)}}, route)), 403,
      "PROJECT_PERMISSION_REQUIRED");
}

TEST_F(ExtAuthzTest, TeamPermissionIsCheckedInTheTeamTheHeaderNames) {
  // Ann holds team_admin in T, which contains $read_members.
  const std::map<std::string, std::string> route = {
      {"latchkey.permission", "$read_members"},
      {"latchkey.team_header", "X-Team-Id"}};
  ExpectAllowed(Check(Request(
      {{"authorization", "Bearer " + Token(kAnn)}, {"x-team-id", kTeam}},
      route)));
  ExpectDenied(Check(Request({{"authorization", "Bearer " + Token(kBob)},
                              {"x-team-id", kTeam}},
                             route)),
               403, "TEAM_PERMISSION_REQUIRED");
  ExpectDenied(
      Check(Request({{"authorization", "Bearer " + Token(kAnn)}}, route)), 403,
      "TEAM_PERMISSION_REQUIRED");
  ExpectDenied(Check(Request({{"authorization", "Bearer " + Token(kAnn)},
                              {"x-team-id", core::kMissingTeam}},
                             route)),
               403, "TEAM_PERMISSION_REQUIRED");
}

// A team header whose value cannot be a team id is a refusal like a
// missing one, on both engines, never an error: PostgreSQL rejects bytes
// that are not UTF-8 in a query, and an error lets the request through
// where Envoy is set to fail open.
void ExpectMalformedTeamHeadersRefused(const ExtAuthz& policy,
                                       const std::string& token) {
  const std::map<std::string, std::string> route = {
      {"latchkey.permission", "$read_members"},
      {"latchkey.team_header", "x-team-id"}};
  for (const std::string& value :
       {std::string("\xff\xfe\x80"), std::string("not-a-team"),
        std::string(10000, 'a'), std::string(kTeam) + "\xff"}) {
    CheckRequest request;
    auto& http =
        *request.mutable_attributes()->mutable_request()->mutable_http();
    (*http.mutable_headers())["authorization"] = "Bearer " + token;
    (*http.mutable_headers())["x-team-id"] = value;
    for (const auto& [key, extension] : route) {
      (*request.mutable_attributes()->mutable_context_extensions())[key] =
          extension;
    }
    absl::StatusOr<CheckResponse> response = policy.Check(request);
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->denied_response().status().code(), 403);
    EXPECT_NE(
        response->denied_response().body().find("TEAM_PERMISSION_REQUIRED"),
        std::string::npos);
  }
}

TEST_F(ExtAuthzTest, AMalformedTeamHeaderIsARefusalNotAnError) {
  ExpectMalformedTeamHeadersRefused(*policy_, Token(kAnn));
}

class ExtAuthzOnPostgresTest : public ExtAuthzTest {
 protected:
  storage::testing::TestBackend backend() const override {
    return storage::testing::TestBackend::kPostgres;
  }
};

TEST_F(ExtAuthzOnPostgresTest, AMalformedTeamHeaderIsARefusalNotAnError) {
  ExpectMalformedTeamHeadersRefused(*policy_, Token(kAnn));
}

TEST_F(ExtAuthzTest, CheckIsServedThroughTheMethodRegistry) {
  auto registry = MethodRegistry::Create({&AuthorizationService()});
  ASSERT_TRUE(registry.ok()) << registry.status();
  ASSERT_TRUE(RegisterAuthorization(**registry, *policy_).ok());
  const MethodBinding* binding =
      (*registry)->FindByPath("/envoy.service.auth.v3.Authorization/Check");
  ASSERT_NE(binding, nullptr);
  // Envoy brings no credentials of its own: the request it carries is what
  // gets authenticated.
  EXPECT_TRUE(binding->access.public_());
  ASSERT_TRUE(binding->handler);
  CallContext call("request-1", RequestMetadata(), "127.0.0.1",
                   absl::InfinitePast());
  CheckResponse response;
  ASSERT_TRUE(
      binding
          ->handler(call, Request({{"authorization", "Bearer " + Token(kAnn)}}),
                    response)
          .ok());
  ExpectAllowed(response);
  EXPECT_FALSE(RegisterAuthorization(**registry, *policy_).ok());
}

}  // namespace
}  // namespace latchkey::service::mesh
