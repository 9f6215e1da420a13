// Request authentication against a real (SQLite) database: every error of
// the check order in docs/stack-wire-format.md, in that order.
#include "service/pipeline/request_authenticator.h"

#include "crypto/hashing.h"
#include "gtest/gtest.h"
#include "service/core/bootstrap.h"
#include "service/errors/api_error.h"
#include "storage/testing/test_database.h"

namespace latchkey::service {
namespace {

using identity::v1::AccessRule;

constexpr char kSecret[] = "23-wuNpik0gIW4mruTz25rbIvhuuvZFrLOLtL7J4tyo";
constexpr char kProject[] = "8a7c0f0e-2a1b-4c3d-9e8f-0a1b2c3d4e5f";
constexpr char kOtherProject[] = "00000000-0000-4000-8000-000000000003";
constexpr char kServerKey[] =
    "ssk_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
constexpr char kOtherServerKey[] =
    "ssk_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
constexpr char kClientKey[] =
    "pck_cccccccccccccccccccccccccccccccccccccccccccc";
constexpr char kAdminKey[] = "sak_dddddddddddddddddddddddddddddddddddddddddddd";
constexpr char kAdminUser[] = "11111111-1111-4111-8111-111111111111";
constexpr char kOwnerTeam[] = "22222222-2222-4222-8222-222222222222";

AccessRule Rule(std::initializer_list<identity::v1::AccessType> allow,
                identity::v1::UserRequirement user =
                    identity::v1::USER_REQUIREMENT_OPTIONAL) {
  AccessRule rule;
  for (auto type : allow) rule.add_allow(type);
  rule.set_user(user);
  return rule;
}

const AccessRule kAnyone =
    Rule({identity::v1::ACCESS_TYPE_CLIENT, identity::v1::ACCESS_TYPE_SERVER,
          identity::v1::ACCESS_TYPE_ADMIN});
const AccessRule kServerOnly =
    Rule({identity::v1::ACCESS_TYPE_SERVER, identity::v1::ACCESS_TYPE_ADMIN});

class RequestAuthenticatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    scratch_ = std::move(*storage::testing::ScratchDatabase::Create(
        storage::testing::TestBackend::kSqlite));
    db_ = std::move(*storage::OpenDatabase(scratch_->url()));
    ASSERT_TRUE(core::EnsureInternalProject(*db_, {}, clock_).ok());
    ASSERT_TRUE(
        db_->RunInTransaction([&](storage::Repositories& repos) {
             // The internal project's owner team administers kProject.
             storage::TeamRecord team;
             team.id = kOwnerTeam;
             team.project_id = "internal";
             team.display_name = "Owners";
             team.created_at = clock_.Now();
             if (auto s = repos.teams().Create(team); !s.ok()) return s;
             storage::UserRecord admin;
             admin.id = kAdminUser;
             admin.project_id = "internal";
             admin.signed_up_at = admin.last_active_at = clock_.Now();
             if (auto s = repos.users().Create(admin); !s.ok()) return s;
             storage::TeamMemberRecord member;
             member.project_id = "internal";
             member.team_id = kOwnerTeam;
             member.user_id = kAdminUser;
             member.created_at = clock_.Now();
             if (auto s = repos.teams().AddMember(member); !s.ok()) return s;
             for (const char* id : {kProject, kOtherProject}) {
               storage::ProjectRecord project;
               project.id = id;
               project.display_name = "P";
               project.created_at = clock_.Now();
               if (std::string(id) == kProject)
                 project.owner_team_id = kOwnerTeam;
               if (auto s = repos.projects().Create(project); !s.ok()) return s;
             }
             auto key_set = [&](const char* id, const char* project,
                                const char* server, const char* client,
                                const char* admin_key) {
               storage::ApiKeySetRecord set;
               set.id = id;
               set.project_id = project;
               set.description = "test";
               set.created_at = clock_.Now();
               set.expires_at = clock_.Now() + absl::Hours(1);
               auto stored = [](const char* key) {
                 return storage::StoredApiKey{crypto::HashToken(key), "xxxx"};
               };
               if (server) set.secret_server_key = stored(server);
               if (client) set.publishable_client_key = stored(client);
               if (admin_key) set.super_secret_admin_key = stored(admin_key);
               return repos.api_keys().Create(set);
             };
             if (auto s = key_set("33333333-3333-4333-8333-333333333333",
                                  kProject, kServerKey, kClientKey, kAdminKey);
                 !s.ok()) {
               return s;
             }
             return key_set("44444444-4444-4444-8444-444444444444",
                            kOtherProject, kOtherServerKey, nullptr, nullptr);
           })
            .ok());
    keys_ = std::move(*crypto::KeyRing::Create({.current_secret = kSecret}));
    jwt_ = std::make_unique<crypto::JwtVerifier>(
        *crypto::JwtVerifier::Create(*keys_, clock_));
    issuer_ =
        std::make_unique<core::AccessTokenIssuer>(*keys_, clock_, "http://x");
    verifier_ = std::make_unique<core::AccessTokenVerifier>(*jwt_, "http://x");
    projects_ = std::make_unique<core::ProjectDirectory>(*db_, clock_,
                                                         absl::ZeroDuration());
    authenticator_ =
        std::make_unique<RequestAuthenticator>(*projects_, *verifier_);
  }

  std::string Token(const char* project, bool anonymous = false,
                    const char* user = "55555555-5555-4555-8555-555555555555") {
    core::TokenSubject subject;
    subject.project_id = project;
    subject.user_id = user;
    subject.session_id = "s";
    subject.is_anonymous = anonymous;
    subject.signed_up_at = clock_.Now();
    return issuer_->IssueWithExpiry(subject, absl::Minutes(10))->token;
  }

  identity::v1::ErrorCode Check(
      const AccessRule& rule,
      std::initializer_list<std::pair<const char*, std::string>> headers,
      CallContext** out = nullptr) {
    RequestMetadata metadata;
    for (const auto& [key, value] : headers) metadata.Add(key, value);
    contexts_.push_back(std::make_unique<CallContext>(
        "r", std::move(metadata), "127.0.0.1", absl::InfiniteFuture()));
    if (out != nullptr) *out = contexts_.back().get();
    absl::Status status = authenticator_->Authenticate(rule, *contexts_.back());
    if (status.ok()) return identity::v1::ERROR_CODE_UNSPECIFIED;
    auto error = ReadApiError(status);
    EXPECT_TRUE(error.has_value()) << status;
    return error.has_value() ? error->code : identity::v1::INTERNAL_ERROR;
  }

  common::FakeClock clock_;
  std::unique_ptr<storage::testing::ScratchDatabase> scratch_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<crypto::KeyRing> keys_;
  std::unique_ptr<crypto::JwtVerifier> jwt_;
  std::unique_ptr<core::AccessTokenIssuer> issuer_;
  std::unique_ptr<core::AccessTokenVerifier> verifier_;
  std::unique_ptr<core::ProjectDirectory> projects_;
  std::unique_ptr<RequestAuthenticator> authenticator_;
  std::vector<std::unique_ptr<CallContext>> contexts_;
};

using identity::v1::ErrorCode;
constexpr ErrorCode kOk = identity::v1::ERROR_CODE_UNSPECIFIED;

TEST_F(RequestAuthenticatorTest, HeaderShapeChecksComeFirst) {
  EXPECT_EQ(Check(kAnyone, {{"x-stack-secret-server-key", kServerKey}}),
            identity::v1::PROJECT_KEY_WITHOUT_ACCESS_TYPE);
  EXPECT_EQ(Check(kAnyone, {{"x-stack-access-type", "root"},
                            {"x-stack-project-id", kProject}}),
            identity::v1::INVALID_ACCESS_TYPE);
  EXPECT_EQ(Check(kAnyone, {{"x-stack-access-type", "server"}}),
            identity::v1::ACCESS_TYPE_WITHOUT_PROJECT_ID);
  EXPECT_EQ(Check(kAnyone, {}), identity::v1::ACCESS_TYPE_REQUIRED);
}

TEST_F(RequestAuthenticatorTest, AccessTokenIsCheckedBeforeTheProject) {
  // A garbage token wins over an unknown project: Stack's order.
  EXPECT_EQ(Check(kAnyone, {{"x-stack-access-type", "client"},
                            {"x-stack-project-id",
                             "99999999-9999-4999-8999-999999999999"},
                            {"x-stack-access-token", "garbage"}}),
            identity::v1::UNPARSABLE_ACCESS_TOKEN);
  EXPECT_EQ(Check(kAnyone, {{"x-stack-access-type", "client"},
                            {"x-stack-project-id", kProject},
                            {"x-stack-access-token", Token(kOtherProject)}}),
            identity::v1::INVALID_PROJECT_FOR_ACCESS_TOKEN);
  EXPECT_EQ(
      Check(kAnyone, {{"x-stack-access-type", "client"},
                      {"x-stack-project-id", kProject},
                      {"authorization", "Bearer " + Token(kProject, true)}}),
      identity::v1::ANONYMOUS_AUTHENTICATION_NOT_ALLOWED);
  EXPECT_EQ(Check(kAnyone, {{"x-stack-access-type", "client"},
                            {"x-stack-project-id", kProject},
                            {"x-stack-allow-anonymous-user", "true"},
                            {"x-stack-access-token", Token(kProject, true)}}),
            kOk);
  std::string token = Token(kProject);
  clock_.Advance(absl::Minutes(11));
  EXPECT_EQ(Check(kAnyone, {{"x-stack-access-type", "client"},
                            {"x-stack-project-id", kProject},
                            {"x-stack-access-token", token}}),
            identity::v1::ACCESS_TOKEN_EXPIRED);
}

TEST_F(RequestAuthenticatorTest, UnknownProject) {
  EXPECT_EQ(Check(kAnyone, {{"x-stack-access-type", "client"},
                            {"x-stack-project-id",
                             "99999999-9999-4999-8999-999999999999"}}),
            identity::v1::CURRENT_PROJECT_NOT_FOUND);
}

TEST_F(RequestAuthenticatorTest, KeysPerAccessType) {
  auto server = [&](std::string key) {
    return Check(kServerOnly, {{"x-stack-access-type", "server"},
                               {"x-stack-project-id", kProject},
                               {"x-stack-secret-server-key", key}});
  };
  EXPECT_EQ(server(kServerKey), kOk);
  EXPECT_EQ(server(kOtherServerKey), identity::v1::INVALID_SECRET_SERVER_KEY)
      << "project A's key on project B";
  EXPECT_EQ(server(kClientKey), identity::v1::INVALID_SECRET_SERVER_KEY);
  EXPECT_EQ(Check(kServerOnly, {{"x-stack-access-type", "server"},
                                {"x-stack-project-id", kProject}}),
            identity::v1::SERVER_AUTHENTICATION_REQUIRED);

  EXPECT_EQ(Check(kAnyone, {{"x-stack-access-type", "client"},
                            {"x-stack-project-id", kProject}}),
            kOk)
      << "no publishable key needed by default";
  EXPECT_EQ(Check(kAnyone, {{"x-stack-access-type", "client"},
                            {"x-stack-project-id", kProject},
                            {"x-stack-publishable-client-key", "pck_wrong"}}),
            identity::v1::INVALID_PUBLISHABLE_CLIENT_KEY)
      << "a key that is sent must be valid";

  EXPECT_EQ(Check(kServerOnly, {{"x-stack-access-type", "admin"},
                                {"x-stack-project-id", kProject},
                                {"x-stack-super-secret-admin-key", kAdminKey}}),
            kOk);
  EXPECT_EQ(Check(kServerOnly, {{"x-stack-access-type", "admin"},
                                {"x-stack-project-id", kProject},
                                {"x-stack-super-secret-admin-key", "sak_no"}}),
            identity::v1::INVALID_SUPER_SECRET_ADMIN_KEY);
  EXPECT_EQ(Check(kServerOnly, {{"x-stack-access-type", "admin"},
                                {"x-stack-project-id", kProject}}),
            identity::v1::ADMIN_AUTHENTICATION_REQUIRED);
}

TEST_F(RequestAuthenticatorTest, RequiredPublishableKey) {
  ASSERT_TRUE(db_->Run([&](storage::Repositories& repos) {
                   storage::ConfigOverrideRecord record;
                   record.project_id = kProject;
                   record.level = "project";
                   record.override_json =
                       R"({"require_publishable_client_key":true})";
                   record.updated_at = clock_.Now();
                   return repos.projects().SetConfigOverride(record);
                 })
                  .ok());
  EXPECT_EQ(Check(kAnyone, {{"x-stack-access-type", "client"},
                            {"x-stack-project-id", kProject}}),
            identity::v1::PUBLISHABLE_CLIENT_KEY_REQUIRED_FOR_PROJECT);
  EXPECT_EQ(Check(kAnyone, {{"x-stack-access-type", "client"},
                            {"x-stack-project-id", kProject},
                            {"x-stack-publishable-client-key", kClientKey}}),
            kOk);
}

TEST_F(RequestAuthenticatorTest, RevokedAndExpiredKeysStopAtOnce) {
  auto server = [&] {
    return Check(kServerOnly, {{"x-stack-access-type", "server"},
                               {"x-stack-project-id", kProject},
                               {"x-stack-secret-server-key", kServerKey}});
  };
  ASSERT_EQ(server(), kOk);
  clock_.Advance(absl::Hours(2));
  EXPECT_EQ(server(), identity::v1::INVALID_SECRET_SERVER_KEY);
}

TEST_F(RequestAuthenticatorTest, AdminAccessTokenOfAnOwner) {
  auto admin = [&](std::string token, const char* project = kProject) {
    return Check(kServerOnly, {{"x-stack-access-type", "admin"},
                               {"x-stack-project-id", project},
                               {"x-stack-admin-access-token", token}});
  };
  CallContext* context = nullptr;
  EXPECT_EQ(Check(kServerOnly,
                  {{"x-stack-access-type", "admin"},
                   {"x-stack-project-id", kProject},
                   {"x-stack-admin-access-token",
                    Token("internal", false, kAdminUser)}},
                  &context),
            kOk);
  EXPECT_EQ(*context->caller().admin_user_id, kAdminUser);
  EXPECT_EQ(admin(Token("internal", false, kAdminUser), kOtherProject),
            identity::v1::ADMIN_ACCESS_TOKEN_IS_NOT_ADMIN);
  EXPECT_EQ(admin(Token("internal")),
            identity::v1::ADMIN_ACCESS_TOKEN_IS_NOT_ADMIN);
  EXPECT_EQ(admin(Token(kProject, false, kAdminUser)),
            identity::v1::UNPARSABLE_ADMIN_ACCESS_TOKEN);
  EXPECT_EQ(admin("garbage"), identity::v1::UNPARSABLE_ADMIN_ACCESS_TOKEN);
}

TEST_F(RequestAuthenticatorTest, BranchThenAccessTypeThenUser) {
  EXPECT_EQ(Check(kAnyone, {{"x-stack-access-type", "client"},
                            {"x-stack-project-id", kProject},
                            {"x-stack-branch-id", "dev"}}),
            identity::v1::BRANCH_DOES_NOT_EXIST);
  EXPECT_EQ(Check(kServerOnly, {{"x-stack-access-type", "client"},
                                {"x-stack-project-id", kProject}}),
            identity::v1::INSUFFICIENT_ACCESS_TYPE);
  AccessRule needs_user = Rule({identity::v1::ACCESS_TYPE_CLIENT},
                               identity::v1::USER_REQUIREMENT_REQUIRED);
  EXPECT_EQ(Check(needs_user, {{"x-stack-access-type", "client"},
                               {"x-stack-project-id", kProject}}),
            identity::v1::USER_AUTHENTICATION_REQUIRED);
  CallContext* context = nullptr;
  EXPECT_EQ(Check(needs_user,
                  {{"x-stack-access-type", "client"},
                   {"x-stack-project-id", kProject},
                   {"x-stack-access-token", Token(kProject)}},
                  &context),
            kOk);
  EXPECT_EQ(*context->caller().user_id(),
            "55555555-5555-4555-8555-555555555555");
  EXPECT_EQ(context->caller().project->project.id, kProject);
}

TEST_F(RequestAuthenticatorTest, PublicMethodsNeedNothing) {
  AccessRule rule;
  rule.set_public_(true);
  EXPECT_EQ(Check(rule, {}), kOk);
}

}  // namespace
}  // namespace latchkey::service
