// First-admin setup and operator password recovery against a whole
// latchkeyd, including racing setups on SQLite and PostgreSQL.
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "service/errors/api_error.h"
#include "tests/integration/admin_fixture.h"

namespace latchkey::testing {
namespace {

constexpr char kRecoveryKey[] = "recovery-key-0123456789-0123456789-abcdef";

class SetupTest : public AdminApiTest {
 protected:
  HttpResponse PostSetup(const nlohmann::json& body) {
    return Rest("POST", "/api/v1/setup", body.dump(),
                {{"content-type", "application/json"}});
  }

  int64_t HumanUsers() {
    int64_t count = -1;
    EXPECT_TRUE(context()
                    .database
                    .Run([&](storage::Repositories& repos) {
                      auto counted = repos.users().Count("internal", false);
                      if (counted.ok()) count = *counted;
                      return counted.status();
                    })
                    .ok());
    return count;
  }

  std::vector<storage::TeamMemberRecord> OwnerTeamMembers() {
    std::vector<storage::TeamMemberRecord> members;
    EXPECT_TRUE(context()
                    .database
                    .Run([&](storage::Repositories& repos) {
                      auto project = repos.projects().Get("internal");
                      if (!project.ok() ||
                          !project->owner_team_id.has_value()) {
                        return absl::OkStatus();
                      }
                      auto listed = repos.teams().ListMembers(
                          "internal", *project->owner_team_id);
                      if (listed.ok()) members = *listed;
                      return listed.status();
                    })
                    .ok());
    return members;
  }
};

TEST_F(SetupTest, SetupCreatesTheAdministratorAndSignsThemIn) {
  HttpResponse response = PostSetup({{"display_name", "Ada"},
                                     {"email", " Ada@Example.com"},
                                     {"password", kAdminPassword}});
  ASSERT_EQ(response.status, 200) << response.body;
  nlohmann::json body = response.Json();
  ASSERT_TRUE(body["access_token"].is_string());
  ASSERT_TRUE(body["refresh_token"].is_string());
  const std::string user_id = body["user_id"];
  nlohmann::json claims = UnverifiedClaims(body["access_token"]);
  EXPECT_EQ(claims["project_id"], "internal");
  EXPECT_EQ(claims["sub"], user_id);
  EXPECT_EQ(claims["email"], "ada@example.com");
  EXPECT_EQ(claims["name"], "Ada");

  std::vector<storage::TeamMemberRecord> members = OwnerTeamMembers();
  ASSERT_EQ(members.size(), 1u);
  EXPECT_EQ(members[0].user_id, user_id);
  // The first administrator holds the owner team as its creator would.
  std::vector<std::string> grants;
  ASSERT_TRUE(context()
                  .database
                  .Run([&](storage::Repositories& repos) -> absl::Status {
                    auto listed = repos.permissions().ListTeamGrants(
                        "internal", members[0].team_id, user_id);
                    if (!listed.ok()) return listed.status();
                    for (const auto& grant : *listed) {
                      grants.push_back(grant.permission_id);
                    }
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(grants, std::vector<std::string>{"team_admin"});
  // The token is an admin access token for the internal project.
  grpc::ClientContext call;
  AsAdminByToken(call, "internal", body["access_token"]);
  identity::v1::Project internal;
  grpc::Status status = projects().GetProject(
      &call, identity::v1::GetProjectRequest(), &internal);
  ASSERT_TRUE(status.ok()) << ErrorOf(status).reason;
  EXPECT_EQ(internal.owner_team_id(), members[0].team_id);
}

TEST_F(SetupTest, SecondSetupIsRejectedAndCreatesNothing) {
  SetupAdmin();
  HttpResponse again = PostSetup({{"display_name", "Mallory"},
                                  {"email", "mallory@example.com"},
                                  {"password", "another good password"}});
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(again.Json()["code"], "SETUP_ALREADY_COMPLETED");
  EXPECT_EQ(again.headers.count("x-stack-known-error"), 0u)
      << "a Latchkey extension, not one of Stack's codes";
  // Whatever the request holds: setup is over.
  EXPECT_EQ(
      PostSetup({{"display_name", "Eve"}, {"email", "x"}, {"password", "x"}})
          .Json()["code"],
      "SETUP_ALREADY_COMPLETED");
  EXPECT_EQ(HumanUsers(), 1);
  EXPECT_EQ(OwnerTeamMembers().size(), 1u);
}

TEST_F(SetupTest, InvalidInputCreatesNothing) {
  EXPECT_EQ(PostSetup({{"display_name", "Ada"},
                       {"email", "not-an-email"},
                       {"password", kAdminPassword}})
                .Json()["code"],
            "SCHEMA_ERROR");
  HttpResponse short_password = PostSetup({{"display_name", "Ada"},
                                           {"email", "ada@example.com"},
                                           {"password", "short"}});
  EXPECT_EQ(short_password.Json()["code"], "PASSWORD_TOO_SHORT");
  EXPECT_EQ(short_password.Json()["details"]["min_length"], 8);
  EXPECT_EQ(
      PostSetup({{"email", "ada@example.com"}, {"password", kAdminPassword}})
          .Json()["code"],
      "SCHEMA_ERROR");
  EXPECT_EQ(HumanUsers(), 0);
  SetupAdmin();  // Still open.
}

TEST_F(SetupTest, AnonymousUsersDoNotCountButAnyHumanDoes) {
  grpc::ClientContext anonymous_call;
  TestApp::AsServer(anonymous_call);
  identity::v1::CreateUserRequest anonymous;
  anonymous.set_is_anonymous(true);
  identity::v1::User created;
  ASSERT_TRUE(users().CreateUser(&anonymous_call, anonymous, &created).ok());
  EXPECT_EQ(HumanUsers(), 0);

  grpc::ClientContext human_call;
  TestApp::AsServer(human_call);
  identity::v1::CreateUserRequest human;
  human.set_primary_email("first@example.com");
  ASSERT_TRUE(users().CreateUser(&human_call, human, &created).ok());
  grpc::ClientContext call;
  identity::v1::SetupFirstAdminRequest request;
  request.set_display_name("Late");
  request.set_email("late@example.com");
  request.set_password(kAdminPassword);
  identity::v1::SignInResponse response;
  grpc::Status status = auth().SetupFirstAdmin(&call, request, &response);
  EXPECT_EQ(ErrorOf(status).reason, "SETUP_ALREADY_COMPLETED");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
}

// Racing setups: one administrator, whatever the database.
class SetupRaceTest
    : public SetupTest,
      public ::testing::WithParamInterface<storage::testing::TestBackend> {
 protected:
  storage::testing::TestBackend Backend() const override { return GetParam(); }
};

// Runs kCallers SetupFirstAdmin calls released at the same moment; returns
// how many succeeded (the others must say SETUP_ALREADY_COMPLETED).
int RaceSetups(identity::v1::AuthService::Stub& auth) {
  constexpr int kCallers = 8;
  std::latch start(kCallers);
  std::vector<grpc::Status> results(kCallers);
  std::vector<std::thread> callers;
  for (int i = 0; i < kCallers; ++i) {
    callers.emplace_back([&, i] {
      identity::v1::SetupFirstAdminRequest request;
      request.set_display_name(absl::StrCat("Admin ", i));
      request.set_email(absl::StrCat("admin", i, "@example.com"));
      request.set_password("correct horse battery");
      identity::v1::SignInResponse response;
      grpc::ClientContext call;
      // Every caller has hashed nothing yet; they leave together.
      start.arrive_and_wait();
      results[i] = auth.SetupFirstAdmin(&call, request, &response);
    });
  }
  for (std::thread& caller : callers) caller.join();
  int succeeded = 0;
  for (const grpc::Status& status : results) {
    if (status.ok()) {
      ++succeeded;
    } else {
      EXPECT_EQ(ErrorOf(status).reason, "SETUP_ALREADY_COMPLETED")
          << status.error_message();
    }
  }
  return succeeded;
}

TEST_P(SetupRaceTest, ConcurrentSetupsCreateExactlyOneAdministrator) {
  EXPECT_EQ(RaceSetups(auth()), 1);
  EXPECT_EQ(HumanUsers(), 1);
  EXPECT_EQ(OwnerTeamMembers().size(), 1u);
}

// Once the owner team exists, racing setups write no common row: only the
// serializable "no human user yet" check keeps them apart.
TEST_P(SetupRaceTest, ReopenedSetupAfterTheLastAdminIsDeletedStillAdmitsOne) {
  const identity::v1::SignInResponse first = SetupAdmin();
  grpc::ClientContext call;
  TestApp::AsServer(call);
  identity::v1::DeleteUserRequest request;
  request.set_user_id(first.user_id());
  identity::v1::SuccessResponse deleted;
  ASSERT_TRUE(users().DeleteUser(&call, request, &deleted).ok());
  ASSERT_EQ(HumanUsers(), 0);
  EXPECT_EQ(RaceSetups(auth()), 1);
  EXPECT_EQ(HumanUsers(), 1);
  EXPECT_EQ(OwnerTeamMembers().size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(
    Backends, SetupRaceTest,
    ::testing::Values(storage::testing::TestBackend::kSqlite,
                      storage::testing::TestBackend::kPostgres),
    [](const ::testing::TestParamInfo<storage::testing::TestBackend>& info) {
      return std::string(storage::testing::TestBackendName(info.param));
    });

TEST_F(SetupTest, RecoveryWithoutTheVariableIsNotFound) {
  HttpResponse response =
      Rest("POST", "/api/v1/setup/recover-admin-password",
           nlohmann::json({{"email", kAdminEmail},
                           {"new_password", "a new good password"},
                           {"recovery_key", kRecoveryKey}})
               .dump(),
           {{"content-type", "application/json"}});
  EXPECT_EQ(response.status, 404) << response.body;
  EXPECT_EQ(response.Json()["code"], "RECOVERY_NOT_ENABLED");
}

class RecoveryTest : public SetupTest {
 protected:
  void Configure(service::ServerConfig& config) const override {
    config.admin_recovery_key = kRecoveryKey;
  }

  HttpResponse Recover(const std::string& email, const std::string& password,
                       const std::string& key) {
    return Rest("POST", "/api/v1/setup/recover-admin-password",
                nlohmann::json({{"email", email},
                                {"new_password", password},
                                {"recovery_key", key}})
                    .dump(),
                {{"content-type", "application/json"}});
  }

  std::string StoredHash(const std::string& user_id) {
    std::string hash;
    EXPECT_TRUE(context()
                    .database
                    .Run([&](storage::Repositories& repos) {
                      auto password =
                          repos.credentials().GetPassword("internal", user_id);
                      if (password.ok()) hash = password->password_hash;
                      return password.status();
                    })
                    .ok());
    return hash;
  }
};

TEST_F(RecoveryTest, RightKeySetsThePasswordAndEndsEverySession) {
  const identity::v1::SignInResponse admin = SetupAdmin();
  HttpResponse wrong = Recover(kAdminEmail, "a new good password", "guess");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.Json()["code"], "INVALID_RECOVERY_KEY");
  HttpResponse unknown =
      Recover("nobody@example.com", "a new good password", kRecoveryKey);
  EXPECT_EQ(unknown.Json()["code"], "USER_NOT_FOUND");
  HttpResponse weak = Recover(kAdminEmail, "short", kRecoveryKey);
  EXPECT_EQ(weak.Json()["code"], "PASSWORD_TOO_SHORT");

  HttpResponse recovered =
      Recover(" ADMIN@example.com", "a new good password", kRecoveryKey);
  ASSERT_EQ(recovered.status, 200) << recovered.body;
  EXPECT_EQ(recovered.Json(), nlohmann::json({{"success", true}}));
  auto internal = context().projects.Get("internal");
  ASSERT_TRUE(internal.ok());
  const std::string hash = StoredHash(admin.user_id());
  auto check = context().passwords.Verify("a new good password", hash,
                                          (*internal)->config);
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->matches);
  auto old =
      context().passwords.Verify(kAdminPassword, hash, (*internal)->config);
  ASSERT_TRUE(old.ok());
  EXPECT_FALSE(old->matches);
  auto refreshed = context().sessions.Refresh("internal", admin.refresh_token(),
                                              (*internal)->config);
  ASSERT_FALSE(refreshed.ok());
  EXPECT_EQ(service::ReadApiError(refreshed.status())->code,
            identity::v1::REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED);
}

TEST_F(RecoveryTest, AttemptsAreRateLimitedPerAddress) {
  SetupAdmin();
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(
        Recover(kAdminEmail, "a new good password", "guess").Json()["code"],
        "INVALID_RECOVERY_KEY")
        << i;
  }
  // Over the limit, even the right key waits.
  HttpResponse limited =
      Recover(kAdminEmail, "a new good password", kRecoveryKey);
  EXPECT_EQ(limited.status, 429) << limited.body;
  EXPECT_EQ(limited.Json()["code"], "RATE_LIMITED");
  const int64_t retry_after = limited.Json()["details"]["retry_after_seconds"];
  EXPECT_GT(retry_after, 0);
  EXPECT_LE(retry_after, 15 * 60);
  {
    grpc::ClientContext call;
    identity::v1::RecoverAdminPasswordRequest request;
    request.set_email(kAdminEmail);
    request.set_new_password("a new good password");
    request.set_recovery_key(kRecoveryKey);
    identity::v1::SuccessResponse response;
    grpc::Status status =
        auth().RecoverAdminPassword(&call, request, &response);
    EXPECT_EQ(ErrorOf(status).reason, "RATE_LIMITED");
    EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  }
  clock_.Advance(absl::Seconds(retry_after));
  EXPECT_EQ(Recover(kAdminEmail, "a new good password", kRecoveryKey).status,
            200);
}

}  // namespace
}  // namespace latchkey::testing
