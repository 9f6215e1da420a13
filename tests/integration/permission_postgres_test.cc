// The permission paths whose correctness depends on the database's
// concurrency control, on both backends: definition edits racing to close
// a cycle (serializable transactions), and grants, checks and revocation.
// PostgreSQL runs when LATCHKEY_TEST_POSTGRES_URL is set (./tools/dev test
// starts one); LATCHKEY_TEST_SKIP_POSTGRES=1 skips it deliberately.
#include <future>
#include <thread>

#include "gtest/gtest.h"
#include "identity/v1/team_permission.grpc.pb.h"
#include "storage/database.h"
#include "storage/testing/test_database.h"
#include "tests/integration/test_app.h"
#include "tests/integration/token_fixture.h"

namespace latchkey::testing {
namespace {

namespace v1 = identity::v1;
using storage::testing::TestBackend;

class PermissionBackendTest : public ::testing::TestWithParam<TestBackend> {
 protected:
  void SetUp() override {
    if (GetParam() == TestBackend::kPostgres &&
        storage::testing::SkipPostgresTests()) {
      GTEST_SKIP() << "LATCHKEY_TEST_SKIP_POSTGRES=1";
    }
    TestApp::Options options;
    options.backend = GetParam();
    auto app = TestApp::Start(options);
    ASSERT_TRUE(app.ok()) << app.status();
    app_ = *std::move(app);
    stub_ = v1::TeamPermissionService::NewStub(app_->Channel());
  }

  grpc::Status Define(const std::string& id,
                      const std::vector<std::string>& contained) {
    grpc::ClientContext context;
    TestApp::AsAdmin(context);
    v1::CreatePermissionDefinitionRequest request;
    request.set_id(id);
    for (const auto& c : contained) request.add_contained_permission_ids(c);
    v1::PermissionDefinition out;
    return stub_->CreateTeamPermissionDefinition(&context, request, &out);
  }

  grpc::Status Contain(const std::string& id, const std::string& child) {
    grpc::ClientContext context;
    TestApp::AsAdmin(context);
    v1::UpdatePermissionDefinitionRequest request;
    request.set_permission_id(id);
    request.add_contained_permission_ids(child);
    request.mutable_update_mask()->add_paths("contained_permission_ids");
    v1::PermissionDefinition out;
    return stub_->UpdateTeamPermissionDefinition(&context, request, &out);
  }

  std::unique_ptr<TestApp> app_;
  std::unique_ptr<v1::TeamPermissionService::Stub> stub_;
};

TEST_P(PermissionBackendTest, RacingEditsCannotCloseACycle) {
  for (int round = 0; round < 10; ++round) {
    const std::string a = "race_a" + std::to_string(round);
    const std::string b = "race_b" + std::to_string(round);
    ASSERT_TRUE(Define(a, {}).ok());
    ASSERT_TRUE(Define(b, {}).ok());
    std::promise<void> go;
    std::shared_future<void> start = go.get_future().share();
    grpc::Status ab, ba;
    std::thread first([&] {
      start.wait();
      ab = Contain(a, b);
    });
    std::thread second([&] {
      start.wait();
      ba = Contain(b, a);
    });
    go.set_value();
    first.join();
    second.join();
    ASSERT_NE(ab.ok(), ba.ok())
        << "round " << round << ": " << ab.error_message() << " / "
        << ba.error_message();
    EXPECT_EQ(ErrorOf(ab.ok() ? ba : ab).reason, "CONTAINED_PERMISSION_CYCLE");
  }
}

TEST_P(PermissionBackendTest, GrantCheckRevoke) {
  ASSERT_TRUE(Define("leaf", {}).ok());
  ASSERT_TRUE(Define("mid", {"leaf"}).ok());
  ASSERT_TRUE(Define("top", {"mid", "$read_members"}).ok());
  const std::string user = "55555555-0000-4000-8000-000000000001";
  ASSERT_TRUE(app_->app()
                  .context()
                  .database
                  .RunInTransaction([&](storage::Repositories& repos) {
                    storage::UserRecord record;
                    record.id = user;
                    record.project_id = "internal";
                    record.signed_up_at = record.last_active_at = absl::Now();
                    return repos.users().Create(record);
                  })
                  .ok());
  v1::Team team;
  {
    grpc::ClientContext context;
    TestApp::AsServer(context);
    v1::CreateTeamRequest request;
    request.set_display_name("T");
    request.set_creator_user_id(user);
    ASSERT_TRUE(stub_->CreateTeam(&context, request, &team).ok());
  }
  auto grant = [&](bool revoke) {
    grpc::ClientContext context;
    TestApp::AsServer(context);
    v1::SuccessResponse ok;
    v1::TeamPermission granted;
    if (revoke) {
      v1::RevokeTeamPermissionRequest request;
      request.set_team_id(team.id());
      request.set_user_id(user);
      request.set_permission_id("top");
      return stub_->RevokeTeamPermission(&context, request, &ok);
    }
    v1::GrantTeamPermissionRequest request;
    request.set_team_id(team.id());
    request.set_user_id(user);
    request.set_permission_id("top");
    return stub_->GrantTeamPermission(&context, request, &granted);
  };
  auto check = [&](const std::string& permission) {
    grpc::ClientContext context;
    TestApp::AsServer(context);
    v1::BatchCheckPermissionsRequest request;
    for (const char* p : {"leaf", "$delete_team"}) {
      v1::CheckPermissionRequest* c = request.add_checks();
      c->set_user_id(user);
      c->set_team_id(team.id());
      c->set_permission_id(p == std::string("leaf") ? permission : p);
    }
    v1::BatchCheckPermissionsResponse response;
    EXPECT_TRUE(
        stub_->BatchCheckPermissions(&context, request, &response).ok());
    return response;
  };
  ASSERT_TRUE(grant(false).ok());
  auto both = check("leaf");
  ASSERT_EQ(both.results_size(), 2);
  EXPECT_EQ(both.results(0).reason(), "contained");
  EXPECT_EQ(both.results(0).via_permission_id(), "top");
  EXPECT_EQ(both.results(1).via_permission_id(), "team_admin");
  ASSERT_TRUE(grant(true).ok());
  EXPECT_EQ(check("leaf").results(0).reason(), "not_granted");
  EXPECT_EQ(ErrorOf(grant(true)).reason, "PERMISSION_NOT_FOUND");
}

INSTANTIATE_TEST_SUITE_P(Backends, PermissionBackendTest,
                         ::testing::Values(TestBackend::kSqlite,
                                           TestBackend::kPostgres),
                         [](const auto& info) {
                           return info.param == TestBackend::kSqlite
                                      ? std::string("SQLite")
                                      : std::string("PostgreSQL");
                         });

}  // namespace
}  // namespace latchkey::testing
