// The signed-in user's own account and sessions over real gRPC: current
// user, sign-out, listing and revoking sessions, self-deletion.
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "identity/v1/auth.grpc.pb.h"
#include "service/core/start_session.h"
#include "service/core/token_subjects.h"
#include "tests/integration/test_app.h"

namespace latchkey::testing {
namespace {

std::string Reason(const grpc::Status& status) {
  google::rpc::Status rich;
  rich.ParseFromString(status.error_details());
  for (const auto& any : rich.details()) {
    google::rpc::ErrorInfo info;
    if (any.UnpackTo(&info)) return info.reason();
  }
  return status.ok() ? "OK" : "";
}

class AccountSessionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto app = TestApp::Start();
    ASSERT_TRUE(app.ok()) << app.status();
    app_ = std::move(*app);
    stub_ = identity::v1::AuthService::NewStub(app_->Channel());
  }

  // A user of the internal project with `sessions` sessions; returns the
  // tokens of each.
  std::vector<service::core::SignedIn> NewUser(const std::string& id,
                                               int sessions,
                                               bool impersonation = false) {
    auto& context = app_->app().context();
    auto project = context.projects.Get("internal");
    EXPECT_TRUE(project.ok());
    std::vector<service::core::SignedIn> signed_in;
    EXPECT_TRUE(context.database
                    .RunInTransaction([&](storage::Repositories& repos) {
                      storage::UserRecord user;
                      user.id = id;
                      user.project_id = "internal";
                      user.display_name = "Ann";
                      user.signed_up_at = user.last_active_at = absl::Now();
                      if (auto status = repos.users().Create(user);
                          !status.ok())
                        return status;
                      auto view = repos.users().Get("internal", id);
                      if (!view.ok()) return view.status();
                      for (int i = 0; i < sessions; ++i) {
                        auto started = service::core::StartSession(
                            context.sessions, context.token_issuer, repos,
                            **project, *view, impersonation);
                        if (!started.ok()) return started.status();
                        signed_in.push_back(*started);
                      }
                      return absl::OkStatus();
                    })
                    .ok());
    return signed_in;
  }

  static void AsUser(grpc::ClientContext& context, const std::string& token) {
    TestApp::AsClient(context);
    context.AddMetadata("x-stack-access-token", token);
  }

  std::unique_ptr<TestApp> app_;
  std::unique_ptr<identity::v1::AuthService::Stub> stub_;
};

constexpr char kAnn[] = "aaaaaaaa-0000-4000-8000-000000000001";
constexpr char kBob[] = "bbbbbbbb-0000-4000-8000-000000000002";

TEST_F(AccountSessionsTest, CurrentUserNeedsAUser) {
  auto ann = NewUser(kAnn, 1);
  identity::v1::User user;
  {
    grpc::ClientContext context;
    AsUser(context, ann[0].access_token);
    ASSERT_TRUE(stub_->GetCurrentUser(&context, {}, &user).ok());
    EXPECT_EQ(user.id(), kAnn);
    EXPECT_EQ(user.display_name(), "Ann");
    EXPECT_FALSE(user.has_server_metadata()) << "client view";
  }
  {
    grpc::ClientContext context;
    TestApp::AsClient(context);
    EXPECT_EQ(Reason(stub_->GetCurrentUser(&context, {}, &user)),
              "CANNOT_GET_OWN_USER_WITHOUT_USER");
  }
  {
    grpc::ClientContext context;
    TestApp::AsServer(context);
    context.AddMetadata("x-stack-access-token", ann[0].access_token);
    ASSERT_TRUE(stub_->GetCurrentUser(&context, {}, &user).ok());
    EXPECT_TRUE(user.has_server_metadata()) << "server view";
  }
}

TEST_F(AccountSessionsTest, ListMarksTheCurrentSessionAndHidesImpersonation) {
  auto ann = NewUser(kAnn, 2);
  ASSERT_TRUE(app_->app()
                  .context()
                  .database
                  .RunInTransaction([&](storage::Repositories& repos) {
                    auto project =
                        app_->app().context().projects.Get("internal");
                    auto view = repos.users().Get("internal", kAnn);
                    return service::core::StartSession(
                               app_->app().context().sessions,
                               app_->app().context().token_issuer, repos,
                               **project, *view,
                               /*is_impersonation=*/true)
                        .status();
                  })
                  .ok());
  grpc::ClientContext context;
  AsUser(context, ann[1].access_token);
  identity::v1::ListSessionsRequest request;
  request.set_user_id("me");
  identity::v1::ListSessionsResponse response;
  ASSERT_TRUE(stub_->ListSessions(&context, request, &response).ok());
  ASSERT_EQ(response.items_size(), 2);
  int current = 0;
  for (const auto& session : response.items()) {
    EXPECT_EQ(session.user_id(), kAnn);
    if (session.is_current_session()) {
      ++current;
      EXPECT_EQ(session.id(), ann[1].session.id);
    }
  }
  EXPECT_EQ(current, 1);

  grpc::ClientContext admin;
  TestApp::AsAdmin(admin);
  request.set_user_id(kAnn);
  ASSERT_TRUE(stub_->ListSessions(&admin, request, &response).ok());
  EXPECT_EQ(response.items_size(), 3) << "admins see impersonation";
}

TEST_F(AccountSessionsTest, ClientsCannotListOthers) {
  auto ann = NewUser(kAnn, 1);
  NewUser(kBob, 1);
  grpc::ClientContext context;
  AsUser(context, ann[0].access_token);
  identity::v1::ListSessionsRequest request;
  request.set_user_id(kBob);
  identity::v1::ListSessionsResponse response;
  EXPECT_EQ(Reason(stub_->ListSessions(&context, request, &response)),
            "CLIENT_CANNOT_ACCESS_OTHER_USERS");
}

TEST_F(AccountSessionsTest, RevokeOneButNotTheCurrentNorSomeoneElses) {
  auto ann = NewUser(kAnn, 2);
  auto bob = NewUser(kBob, 1);
  auto revoke = [&](const std::string& session_id) {
    grpc::ClientContext context;
    AsUser(context, ann[0].access_token);
    identity::v1::RevokeSessionRequest request;
    request.set_session_id(session_id);
    request.set_user_id("me");
    identity::v1::SuccessResponse response;
    return Reason(stub_->RevokeSession(&context, request, &response));
  };
  EXPECT_EQ(revoke(ann[0].session.id), "CANNOT_DELETE_CURRENT_SESSION");
  EXPECT_EQ(revoke(bob[0].session.id), "SESSION_NOT_FOUND");
  EXPECT_EQ(revoke(ann[1].session.id), "OK");
  EXPECT_EQ(revoke(ann[1].session.id), "SESSION_NOT_FOUND");
  // The revoked session's refresh token is dead.
  auto refreshed = app_->app().context().sessions.Refresh(
      "internal", ann[1].refresh_token,
      (*app_->app().context().projects.Get("internal"))->config);
  EXPECT_FALSE(refreshed.ok());
}

TEST_F(AccountSessionsTest, SignOutEndsTheTokensSession) {
  auto ann = NewUser(kAnn, 1);
  auto sign_out = [&] {
    grpc::ClientContext context;
    AsUser(context, ann[0].access_token);
    identity::v1::SuccessResponse response;
    return Reason(stub_->SignOut(&context, {}, &response));
  };
  EXPECT_EQ(sign_out(), "OK");
  EXPECT_EQ(sign_out(), "REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED");
}

TEST_F(AccountSessionsTest, ClientSelfDeletionOnlyWhenAllowed) {
  auto ann = NewUser(kAnn, 1);
  auto remove = [&] {
    grpc::ClientContext context;
    AsUser(context, ann[0].access_token);
    identity::v1::SuccessResponse response;
    return Reason(stub_->DeleteCurrentUser(&context, {}, &response));
  };
  EXPECT_EQ(remove(), "CLIENT_USER_DELETION_NOT_ENABLED");
  ASSERT_TRUE(app_->app()
                  .context()
                  .database
                  .Run([&](storage::Repositories& repos) {
                    storage::ConfigOverrideRecord record{
                        "internal", "project",
                        R"({"client_user_deletion_enabled":true})",
                        absl::Now()};
                    return repos.projects().SetConfigOverride(record);
                  })
                  .ok());
  app_->app().context().projects.Invalidate("internal");
  EXPECT_EQ(remove(), "OK");
  identity::v1::User user;
  grpc::ClientContext context;
  AsUser(context, ann[0].access_token);
  EXPECT_EQ(Reason(stub_->GetCurrentUser(&context, {}, &user)),
            "USER_NOT_FOUND");
}

}  // namespace
}  // namespace latchkey::testing

namespace latchkey::testing {
namespace {

TEST_F(AccountSessionsTest, UpdateCurrentUserIsUpdateUserOnMe) {
  auto ann = NewUser(kAnn, 1);
  auto update = [&](const identity::v1::UpdateCurrentUserRequest& request,
                    bool as_server = false) {
    grpc::ClientContext context;
    if (as_server) {
      TestApp::AsServer(context);
    } else {
      TestApp::AsClient(context);
    }
    context.AddMetadata("x-stack-access-token", ann[0].access_token);
    identity::v1::User user;
    grpc::Status status = stub_->UpdateCurrentUser(&context, request, &user);
    return std::make_pair(Reason(status), user);
  };
  identity::v1::UpdateCurrentUserRequest rename;
  rename.set_display_name("Ann Renamed");
  auto [reason, user] = update(rename);
  EXPECT_EQ(reason, "OK");
  EXPECT_EQ(user.display_name(), "Ann Renamed");
  EXPECT_FALSE(user.has_server_metadata()) << "client view";

  identity::v1::UpdateCurrentUserRequest server_only;
  server_only.mutable_server_metadata()->set_string_value("x");
  EXPECT_EQ(update(server_only).first, "SCHEMA_ERROR");
  EXPECT_EQ(update(server_only, /*as_server=*/true).first, "OK");

  identity::v1::UpdateCurrentUserRequest team;
  team.set_selected_team_id("dddddddd-0000-4000-8000-000000000009");
  EXPECT_EQ(update(team).first, "TEAM_NOT_FOUND");

  grpc::ClientContext anonymous;
  TestApp::AsClient(anonymous);
  identity::v1::User none;
  EXPECT_EQ(Reason(stub_->UpdateCurrentUser(&anonymous, rename, &none)),
            "CANNOT_GET_OWN_USER_WITHOUT_USER");
}

}  // namespace
}  // namespace latchkey::testing
