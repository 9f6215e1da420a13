// ProjectService over gRPC and REST against a whole latchkeyd: projects and
// their owners, configuration overrides, API key sets, OAuth providers.
#include <set>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "service/core/oauth_client_secrets.h"
#include "tests/integration/admin_fixture.h"

namespace latchkey::testing {
namespace {

using identity::v1::Project;
using identity::v1::ProjectConfig;

class ProjectServiceTest : public AdminApiTest {
 protected:
  ProjectConfig GetConfig(const ManagedProject& project) {
    grpc::ClientContext call;
    TestApp::AsAdmin(call, project.id, project.super_secret_admin_key);
    ProjectConfig config;
    grpc::Status status =
        projects().GetConfig(&call, identity::v1::GetConfigRequest(), &config);
    EXPECT_TRUE(status.ok()) << ErrorOf(status).reason;
    return config;
  }

  HttpResponse PatchOverride(const ManagedProject& project,
                             const nlohmann::json& override_object,
                             const std::string& level = "project") {
    return Rest(
        "PATCH", "/api/v1/internal/config/override/" + level,
        nlohmann::json({{"config_override_string", override_object.dump()}})
            .dump(),
        AdminHeaders(project.id, project.super_secret_admin_key));
  }

  grpc::Status ListUsersAsServer(const std::string& project_id,
                                 const std::string& key) {
    grpc::ClientContext call;
    TestApp::AsServer(call, project_id, key);
    identity::v1::ListUsersResponse response;
    return users().ListUsers(&call, identity::v1::ListUsersRequest(),
                             &response);
  }

  // The permissions granted directly to `user_id` in an internal team.
  std::vector<std::string> TeamGrants(const std::string& team_id,
                                      const std::string& user_id) {
    std::vector<std::string> out;
    EXPECT_TRUE(context()
                    .database
                    .Run([&](storage::Repositories& repos) -> absl::Status {
                      auto grants = repos.permissions().ListTeamGrants(
                          "internal", team_id, user_id);
                      if (!grants.ok()) return grants.status();
                      for (const auto& grant : *grants) {
                        out.push_back(grant.permission_id);
                      }
                      return absl::OkStatus();
                    })
                    .ok());
    return out;
  }

  std::optional<storage::TeamMemberRecord> Membership(
      const std::string& team_id, const std::string& user_id) {
    std::optional<storage::TeamMemberRecord> out;
    EXPECT_TRUE(context()
                    .database
                    .Run([&](storage::Repositories& repos) {
                      auto member =
                          repos.teams().GetMember("internal", team_id, user_id);
                      if (member.ok()) out = *member;
                      return absl::OkStatus();
                    })
                    .ok());
    return out;
  }
};

bool IsUuid(const std::string& id) {
  if (id.size() != 36) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (id[i] == '-')) return false;
    if (!dash && !std::isxdigit(static_cast<unsigned char>(id[i])))
      return false;
  }
  return true;
}

TEST_F(ProjectServiceTest, SignedInInternalUserOwnsNewProjectThroughNewTeam) {
  const identity::v1::SignInResponse admin = SetupAdmin();
  grpc::ClientContext call;
  AsUser(call, "internal", admin.access_token());
  identity::v1::CreateProjectRequest request;
  request.set_display_name("Acme");
  request.set_description("Rockets");
  Project project;
  grpc::Status status = projects().CreateProject(&call, request, &project);
  ASSERT_TRUE(status.ok()) << ErrorOf(status).reason;
  EXPECT_TRUE(IsUuid(project.id())) << project.id();
  EXPECT_EQ(project.display_name(), "Acme");
  EXPECT_EQ(project.description(), "Rockets");
  EXPECT_EQ(project.created_at_millis(), absl::ToUnixMillis(kStart));
  EXPECT_EQ(project.config().password_min_length(), 8);
  ASSERT_TRUE(project.has_owner_team_id());
  EXPECT_TRUE(Membership(project.owner_team_id(), admin.user_id()).has_value());
  // The owner created the team: it holds the creator's defaults, as in Stack.
  EXPECT_EQ(TeamGrants(project.owner_team_id(), admin.user_id()),
            std::vector<std::string>{"team_admin"});

  // The owner lists it and administers it with their access token.
  grpc::ClientContext list_call;
  AsUser(list_call, "internal", admin.access_token());
  identity::v1::ListProjectsResponse listed;
  ASSERT_TRUE(projects()
                  .ListProjects(&list_call, identity::v1::ListProjectsRequest(),
                                &listed)
                  .ok());
  // The internal project too: setup made the admin one of its owners.
  std::set<std::string> ids;
  for (const Project& item : listed.items()) ids.insert(item.id());
  EXPECT_EQ(ids, (std::set<std::string>{"internal", project.id()}));
  grpc::ClientContext get_call;
  AsAdminByToken(get_call, project.id(), admin.access_token());
  Project fetched;
  grpc::Status get = projects().GetProject(
      &get_call, identity::v1::GetProjectRequest(), &fetched);
  ASSERT_TRUE(get.ok()) << ErrorOf(get).reason;
  EXPECT_EQ(fetched.id(), project.id());
}

TEST_F(ProjectServiceTest, RestCreateAnswers201WithTheAdminView) {
  HttpResponse response = Rest(
      "POST", "/api/v1/internal/projects",
      R"({"display_name": "Over REST", "config": {"sign_up_enabled": false}})",
      {{"x-stack-project-id", "internal"},
       {"x-stack-access-type", "client"},
       {"x-stack-access-token", AdminToken()},
       {"content-type", "application/json"}});
  ASSERT_EQ(response.status, 201) << response.body;
  nlohmann::json body = response.Json();
  EXPECT_EQ(body["display_name"], "Over REST");
  EXPECT_EQ(body["description"], nullptr);
  EXPECT_EQ(body["config"]["sign_up_enabled"], false);
  EXPECT_TRUE(body["owner_team_id"].is_string());
}

TEST_F(ProjectServiceTest, AdminKeyCreatesProjectOwnedByTheAdministrators) {
  const identity::v1::SignInResponse admin = SetupAdmin();
  grpc::ClientContext internal_call;
  TestApp::AsAdmin(internal_call);
  Project internal;
  ASSERT_TRUE(projects()
                  .GetProject(&internal_call, identity::v1::GetProjectRequest(),
                              &internal)
                  .ok());
  ASSERT_TRUE(internal.has_owner_team_id());

  grpc::ClientContext call;
  TestApp::AsAdmin(call);
  identity::v1::CreateProjectRequest request;
  request.set_display_name("Automation");
  Project project;
  ASSERT_TRUE(projects().CreateProject(&call, request, &project).ok());
  EXPECT_EQ(project.owner_team_id(), internal.owner_team_id());
  // So every administrator can manage it with their access token.
  grpc::ClientContext get_call;
  AsAdminByToken(get_call, project.id(), admin.access_token());
  Project fetched;
  EXPECT_TRUE(
      projects()
          .GetProject(&get_call, identity::v1::GetProjectRequest(), &fetched)
          .ok());
}

TEST_F(ProjectServiceTest, AdminKeyBeforeSetupCreatesProjectWithoutOwner) {
  grpc::ClientContext call;
  TestApp::AsAdmin(call);
  identity::v1::CreateProjectRequest request;
  request.set_display_name("Orphan");
  Project project;
  ASSERT_TRUE(projects().CreateProject(&call, request, &project).ok());
  EXPECT_FALSE(project.has_owner_team_id());
}

TEST_F(ProjectServiceTest, CreateAndListOnlyOnTheInternalProject) {
  const ManagedProject acme = NewProject();
  grpc::ClientContext call;
  TestApp::AsAdmin(call, acme.id, acme.super_secret_admin_key);
  identity::v1::CreateProjectRequest request;
  request.set_display_name("Nested");
  Project project;
  grpc::Status status = projects().CreateProject(&call, request, &project);
  EXPECT_EQ(ErrorOf(status).reason, "EXPECTED_INTERNAL_PROJECT");

  HttpResponse rest =
      Rest("POST", "/api/v1/internal/projects", R"({"display_name": "Nested"})",
           AdminHeaders(acme.id, acme.super_secret_admin_key));
  EXPECT_EQ(rest.status, 401) << rest.body;
  EXPECT_EQ(rest.headers["x-stack-known-error"], "EXPECTED_INTERNAL_PROJECT");
}

TEST_F(ProjectServiceTest, ClientWithoutUserCannotCreate) {
  grpc::ClientContext call;
  TestApp::AsClient(call);
  identity::v1::CreateProjectRequest request;
  request.set_display_name("Nobody's");
  Project project;
  EXPECT_EQ(ErrorOf(projects().CreateProject(&call, request, &project)).reason,
            "USER_AUTHENTICATION_REQUIRED");
}

TEST_F(ProjectServiceTest, BadInitialConfigCreatesNothing) {
  const std::string token = AdminToken();
  for (const char* config :
       {R"({"no_such_key": 1})", R"({"password_min_length": "ten"})",
        R"({"access_token_lifetime_seconds": 30})",
        R"({"enabled_oauth_providers": [{"id": "google"}]})"}) {
    HttpResponse response =
        Rest("POST", "/api/v1/internal/projects",
             absl::StrCat(R"({"display_name": "Bad", "config": )", config, "}"),
             {{"x-stack-project-id", "internal"},
              {"x-stack-access-type", "client"},
              {"x-stack-access-token", token},
              {"content-type", "application/json"}});
    EXPECT_EQ(response.status, 400) << config << response.body;
    EXPECT_EQ(response.Json()["code"], "SCHEMA_ERROR") << config;
  }
  std::vector<storage::ProjectRecord> all;
  ASSERT_TRUE(context()
                  .database
                  .Run([&](storage::Repositories& repos) {
                    auto listed = repos.projects().List();
                    if (listed.ok()) all = *listed;
                    return listed.status();
                  })
                  .ok());
  ASSERT_EQ(all.size(), 1u) << "only the internal project";
}

TEST_F(ProjectServiceTest, InitialConfigUsesDottedKeys) {
  grpc::ClientContext call;
  AsUser(call, "internal", AdminToken());
  identity::v1::CreateProjectRequest request;
  request.set_display_name("Configured");
  (*request.mutable_config()->mutable_fields())["password_min_length"]
      .set_number_value(12);
  (*request.mutable_config()
        ->mutable_fields())["rate_limits.sign_in_per_ip.limit"]
      .set_number_value(7);
  Project project;
  ASSERT_TRUE(projects().CreateProject(&call, request, &project).ok());
  EXPECT_EQ(project.config().password_min_length(), 12);
  EXPECT_EQ(project.config().rate_limits().sign_in_per_ip().limit(), 7);
  EXPECT_EQ(project.config().rate_limits().sign_in_per_ip().window_seconds(),
            900);
}

TEST_F(ProjectServiceTest, CurrentProjectIsTheClientViewWithEnabledProviders) {
  const ManagedProject acme = NewProject("Acme");
  for (const auto& [id, enabled] :
       {std::pair<std::string, bool>{"github", true}, {"google", false}}) {
    grpc::ClientContext call;
    TestApp::AsAdmin(call, acme.id, acme.super_secret_admin_key);
    identity::v1::UpsertOAuthProviderRequest request;
    request.set_provider_id(id);
    request.set_type(id);
    request.set_client_id("client-" + id);
    request.set_enabled(enabled);
    identity::v1::OAuthProvider provider;
    ASSERT_TRUE(projects().UpsertOAuthProvider(&call, request, &provider).ok());
  }
  HttpResponse response = Rest(
      "GET", "/api/v1/projects/current", "",
      {{"x-stack-project-id", acme.id}, {"x-stack-access-type", "client"}});
  ASSERT_EQ(response.status, 200) << response.body;
  nlohmann::json body = response.Json();
  EXPECT_EQ(body["id"], acme.id);
  EXPECT_EQ(body["display_name"], "Acme");
  std::set<std::string> keys;
  for (const auto& [key, value] : body["config"].items()) keys.insert(key);
  EXPECT_EQ(keys,
            (std::set<std::string>{
                "sign_up_enabled", "credential_enabled", "magic_link_enabled",
                "passkey_enabled", "client_team_creation_enabled",
                "client_user_deletion_enabled", "allow_localhost",
                "allow_user_api_keys", "allow_team_api_keys",
                "enabled_oauth_providers", "domains"}));
  EXPECT_EQ(body["config"]["enabled_oauth_providers"],
            nlohmann::json::parse(R"([{"id": "github"}])"));
  EXPECT_EQ(body["config"]["sign_up_enabled"], true);
  EXPECT_EQ(body["config"]["allow_localhost"], true);
}

TEST_F(ProjectServiceTest, RestPatchFollowsBodyKeysAndNullClears) {
  const ManagedProject acme = NewProject("Acme");
  const HttpHeaders admin = AdminHeaders(acme.id, acme.super_secret_admin_key);
  HttpResponse set = Rest("PATCH", "/api/v1/internal/projects/current",
                          R"({"description": "Rockets"})", admin);
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(set.Json()["description"], "Rockets");
  EXPECT_EQ(set.Json()["display_name"], "Acme");
  HttpResponse cleared =
      Rest("PATCH", "/api/v1/internal/projects/current",
           R"({"display_name": "Acme Corp", "description": null,
               "config": {"magic_link_enabled": true}})",
           admin);
  ASSERT_EQ(cleared.status, 200) << cleared.body;
  EXPECT_EQ(cleared.Json()["display_name"], "Acme Corp");
  EXPECT_EQ(cleared.Json()["description"], nullptr);
  EXPECT_EQ(cleared.Json()["config"]["magic_link_enabled"], true);
  HttpResponse empty_name = Rest("PATCH", "/api/v1/internal/projects/current",
                                 R"({"display_name": ""})", admin);
  EXPECT_EQ(empty_name.Json()["code"], "SCHEMA_ERROR");
}

TEST_F(ProjectServiceTest, GrpcUpdateWithEmptyMaskChangesOnlyWhatIsSet) {
  const ManagedProject acme = NewProject("Acme");
  {
    grpc::ClientContext call;
    TestApp::AsAdmin(call, acme.id, acme.super_secret_admin_key);
    identity::v1::UpdateProjectRequest request;
    request.set_description("Rockets");
    Project project;
    ASSERT_TRUE(projects().UpdateProject(&call, request, &project).ok());
  }
  grpc::ClientContext call;
  TestApp::AsAdmin(call, acme.id, acme.super_secret_admin_key);
  identity::v1::UpdateProjectRequest request;
  request.set_display_name("Renamed");
  Project project;
  ASSERT_TRUE(projects().UpdateProject(&call, request, &project).ok());
  EXPECT_EQ(project.display_name(), "Renamed");
  EXPECT_EQ(project.description(), "Rockets");
}

TEST_F(ProjectServiceTest, ConfigOverridesMergeAndNullRestoresTheDefault) {
  const ManagedProject acme = NewProject();
  HttpResponse first = PatchOverride(
      acme,
      {{"password_min_length", 10}, {"rate_limits.sign_in_per_ip.limit", 50}});
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.Json()["password_min_length"], 10);
  HttpResponse second = PatchOverride(acme, {{"sign_up_enabled", false}});
  ASSERT_EQ(second.status, 200) << second.body;
  ProjectConfig config = GetConfig(acme);
  EXPECT_EQ(config.password_min_length(), 10) << "merged, not replaced";
  EXPECT_EQ(config.rate_limits().sign_in_per_ip().limit(), 50);
  EXPECT_FALSE(config.sign_up_enabled());
  HttpResponse third = PatchOverride(acme, {{"password_min_length", nullptr}});
  ASSERT_EQ(third.status, 200) << third.body;
  EXPECT_EQ(GetConfig(acme).password_min_length(), 8);

  HttpResponse read = Rest("GET", "/api/v1/internal/config", "",
                           AdminHeaders(acme.id, acme.super_secret_admin_key));
  ASSERT_EQ(read.status, 200);
  EXPECT_EQ(read.Json()["sign_up_enabled"], false);
}

TEST_F(ProjectServiceTest, InvalidOverrideIsSchemaErrorAndChangesNothing) {
  const ManagedProject acme = NewProject();
  ASSERT_EQ(PatchOverride(acme, {{"password_min_length", 9}}).status, 200);
  const std::string before = GetConfig(acme).SerializeAsString();
  const char* const bad_patches[] = {
      R"({"password_min_length": 11, "no_such_key": 1})",
      R"({"password_min_length": 11, "access_token_lifetime_seconds": 30})",
      R"({"domains": [{"domain": "not a url"}]})",
      R"({"argon2.iterations": "two"})",
      R"({"enabled_oauth_providers": []})",
  };
  for (const char* text : bad_patches) {
    const nlohmann::json patch = nlohmann::json::parse(text);
    HttpResponse response = PatchOverride(acme, patch);
    EXPECT_EQ(response.status, 400) << patch.dump() << response.body;
    EXPECT_EQ(response.Json()["code"], "SCHEMA_ERROR") << patch.dump();
    EXPECT_EQ(GetConfig(acme).SerializeAsString(), before) << patch.dump();
  }
  HttpResponse branch =
      PatchOverride(acme, {{"sign_up_enabled", false}}, "branch");
  EXPECT_EQ(branch.Json()["code"], "SCHEMA_ERROR");
  HttpResponse not_json =
      Rest("PATCH", "/api/v1/internal/config/override/project",
           R"({"config_override_string": "{not json"})",
           AdminHeaders(acme.id, acme.super_secret_admin_key));
  EXPECT_EQ(not_json.Json()["code"], "SCHEMA_ERROR");
  EXPECT_EQ(GetConfig(acme).SerializeAsString(), before);
}

TEST_F(ProjectServiceTest, ConfigChangesApplyToTheNextRequest) {
  const ManagedProject acme = NewProject();
  grpc::ClientContext first;
  first.AddMetadata("x-stack-project-id", acme.id);
  first.AddMetadata("x-stack-access-type", "client");
  identity::v1::ClientProject current;
  ASSERT_TRUE(projects()
                  .GetCurrentProject(&first,
                                     identity::v1::GetCurrentProjectRequest(),
                                     &current)
                  .ok());
  ASSERT_EQ(
      PatchOverride(acme, {{"require_publishable_client_key", true}}).status,
      200);
  grpc::ClientContext second;
  second.AddMetadata("x-stack-project-id", acme.id);
  second.AddMetadata("x-stack-access-type", "client");
  EXPECT_EQ(
      ErrorOf(projects().GetCurrentProject(
                  &second, identity::v1::GetCurrentProjectRequest(), &current))
          .reason,
      "PUBLISHABLE_CLIENT_KEY_REQUIRED_FOR_PROJECT");
}

TEST_F(ProjectServiceTest, DeleteProjectTakesItsKeysAndOwnerTeam) {
  const ManagedProject acme = NewProject();
  {
    grpc::ClientContext call;
    TestApp::AsAdmin(call);
    identity::v1::SuccessResponse response;
    EXPECT_EQ(
        ErrorOf(projects().DeleteProject(
                    &call, identity::v1::DeleteProjectRequest(), &response))
            .reason,
        "CANNOT_DELETE_INTERNAL_PROJECT");
  }
  HttpResponse deleted =
      Rest("DELETE", "/api/v1/internal/projects/current", "",
           AdminHeaders(acme.id, acme.super_secret_admin_key));
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(deleted.Json(), nlohmann::json::parse(R"({"success": true})"));
  EXPECT_EQ(ErrorOf(ListUsersAsServer(acme.id, acme.secret_server_key)).reason,
            "CURRENT_PROJECT_NOT_FOUND");
  absl::Status team = context().database.Run([&](storage::Repositories& repos) {
    return repos.teams().Get("internal", acme.owner_team_id).status();
  });
  EXPECT_EQ(team.code(), absl::StatusCode::kNotFound);
}

TEST_F(ProjectServiceTest, ApiKeysAreShownOnceThenOnlyTheirLastFour) {
  const ManagedProject acme = NewProject();
  const HttpHeaders admin = AdminHeaders(acme.id, acme.super_secret_admin_key);
  clock_.Advance(absl::Seconds(1));
  HttpResponse created = Rest(
      "POST", "/api/v1/internal/api-keys",
      nlohmann::json(
          {{"description", "ci"},
           {"expires_at_millis", absl::ToUnixMillis(kStart + absl::Hours(1))},
           {"has_publishable_client_key", false},
           {"has_secret_server_key", true},
           {"has_super_secret_admin_key", false}})
          .dump(),
      admin);
  ASSERT_EQ(created.status, 200) << created.body;  // Stack answers 200 here.
  nlohmann::json set = created.Json();
  const std::string key = set["secret_server_key"];
  EXPECT_TRUE(absl::StartsWith(key, "ssk_"));
  EXPECT_EQ(key.size(), 4u + 45u);
  EXPECT_FALSE(set.contains("publishable_client_key"));
  EXPECT_FALSE(set.contains("super_secret_admin_key"));
  EXPECT_EQ(set["description"], "ci");
  const std::string id = set["id"];

  HttpResponse listed = Rest("GET", "/api/v1/internal/api-keys", "", admin);
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(listed.body.find(key), std::string::npos) << "never shown again";
  EXPECT_EQ(listed.Json()["is_paginated"], false);
  ASSERT_EQ(listed.Json()["items"].size(), 2u);
  nlohmann::json newest = listed.Json()["items"][0];
  EXPECT_EQ(newest["id"], id) << "newest first";
  EXPECT_EQ(newest["secret_server_key"]["last_four"],
            key.substr(key.size() - 4));
  EXPECT_FALSE(newest.contains("manually_revoked_at_millis"));

  // The key works, then stops at once when revoked.
  EXPECT_TRUE(ListUsersAsServer(acme.id, key).ok());
  clock_.Advance(absl::Seconds(5));
  HttpResponse revoked =
      Rest("PATCH", "/api/v1/internal/api-keys/" + id,
           R"({"revoked": true, "description": "leaked"})", admin);
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  const int64_t revoked_at = revoked.Json()["manually_revoked_at_millis"];
  EXPECT_EQ(revoked_at, absl::ToUnixMillis(kStart + absl::Seconds(6)));
  EXPECT_EQ(revoked.Json()["description"], "leaked");
  EXPECT_EQ(ErrorOf(ListUsersAsServer(acme.id, key)).reason,
            "INVALID_SECRET_SERVER_KEY");
  // Final: a second revoke keeps the first time; un-revoking is refused.
  clock_.Advance(absl::Seconds(5));
  HttpResponse again = Rest("PATCH", "/api/v1/internal/api-keys/" + id,
                            R"({"revoked": true})", admin);
  EXPECT_EQ(again.Json()["manually_revoked_at_millis"], revoked_at);
  HttpResponse undo = Rest("PATCH", "/api/v1/internal/api-keys/" + id,
                           R"({"revoked": false})", admin);
  EXPECT_EQ(undo.Json()["code"], "SCHEMA_ERROR");
  EXPECT_EQ(ErrorOf(ListUsersAsServer(acme.id, key)).reason,
            "INVALID_SECRET_SERVER_KEY");
}

TEST_F(ProjectServiceTest, ExpiredKeyStopsWorkingOnTheNextRequest) {
  const ManagedProject acme = NewProject();
  grpc::ClientContext call;
  TestApp::AsAdmin(call, acme.id, acme.super_secret_admin_key);
  identity::v1::CreateApiKeySetRequest request;
  request.set_description("short-lived");
  request.set_expires_at_millis(
      absl::ToUnixMillis(clock_.Now() + absl::Minutes(1)));
  request.set_has_secret_server_key(true);
  identity::v1::CreatedApiKeySet keys;
  ASSERT_TRUE(projects().CreateApiKeySet(&call, request, &keys).ok());
  EXPECT_TRUE(ListUsersAsServer(acme.id, keys.secret_server_key()).ok());
  clock_.Advance(absl::Minutes(1));
  EXPECT_EQ(
      ErrorOf(ListUsersAsServer(acme.id, keys.secret_server_key())).reason,
      "INVALID_SECRET_SERVER_KEY");
}

TEST_F(ProjectServiceTest, KeySetRequestsAreChecked) {
  const ManagedProject acme = NewProject();
  const HttpHeaders admin = AdminHeaders(acme.id, acme.super_secret_admin_key);
  HttpResponse past =
      Rest("POST", "/api/v1/internal/api-keys",
           nlohmann::json({{"description", "old"},
                           {"expires_at_millis", absl::ToUnixMillis(kStart)},
                           {"has_secret_server_key", true}})
               .dump(),
           admin);
  EXPECT_EQ(past.Json()["code"], "SCHEMA_ERROR") << past.body;
  HttpResponse none = Rest(
      "POST", "/api/v1/internal/api-keys",
      nlohmann::json(
          {{"description", "empty"},
           {"expires_at_millis", absl::ToUnixMillis(kStart + absl::Hours(1))}})
          .dump(),
      admin);
  EXPECT_EQ(none.Json()["code"], "SCHEMA_ERROR") << none.body;
  HttpResponse missing = Rest(
      "GET", "/api/v1/internal/api-keys/00000000-0000-4000-8000-000000000000",
      "", admin);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.Json()["code"], "API_KEY_NOT_FOUND");

  // Another project's key set is not found either.
  const ManagedProject other = NewProject("Other");
  HttpResponse theirs =
      Rest("GET", "/api/v1/internal/api-keys", "",
           AdminHeaders(other.id, other.super_secret_admin_key));
  const std::string their_id = theirs.Json()["items"][0]["id"];
  HttpResponse crossed =
      Rest("GET", "/api/v1/internal/api-keys/" + their_id, "", admin);
  EXPECT_EQ(crossed.Json()["code"], "API_KEY_NOT_FOUND");
  HttpResponse revoke_crossed =
      Rest("PATCH", "/api/v1/internal/api-keys/" + their_id,
           R"({"revoked": true})", admin);
  EXPECT_EQ(revoke_crossed.Json()["code"], "API_KEY_NOT_FOUND");
  EXPECT_TRUE(ListUsersAsServer(other.id, other.secret_server_key).ok());
}

TEST_F(ProjectServiceTest, OAuthClientSecretsAreSealedAndNeverReturned) {
  const ManagedProject acme = NewProject();
  const HttpHeaders admin = AdminHeaders(acme.id, acme.super_secret_admin_key);
  HttpResponse created = Rest(
      "PUT", "/api/v1/internal/oauth-providers/corp-sso",
      R"({"type": "oidc", "client_id": "latchkey", "client_secret": "s3cret!",
               "issuer_url": "https://sso.example.com", "scopes": ["openid", "email"],
               "enabled": true})",
      admin);
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(created.body.find("s3cret!"), std::string::npos);
  EXPECT_EQ(created.Json()["has_client_secret"], true);
  EXPECT_EQ(created.Json()["issuer_url"], "https://sso.example.com");

  // Replacing without a secret keeps the stored one.
  HttpResponse replaced =
      Rest("PUT", "/api/v1/internal/oauth-providers/corp-sso",
           R"({"type": "oidc", "client_id": "latchkey-2",
               "issuer_url": "https://sso.example.com", "enabled": false})",
           admin);
  ASSERT_EQ(replaced.status, 200) << replaced.body;
  EXPECT_EQ(replaced.Json()["has_client_secret"], true);
  EXPECT_EQ(replaced.Json()["client_id"], "latchkey-2");

  storage::OAuthProviderRecord stored;
  ASSERT_TRUE(context()
                  .database
                  .Run([&](storage::Repositories& repos) {
                    auto provider =
                        repos.oauth_providers().Get(acme.id, "corp-sso");
                    if (provider.ok()) stored = *provider;
                    return provider.status();
                  })
                  .ok());
  ASSERT_TRUE(stored.client_secret_encrypted.has_value());
  EXPECT_EQ(stored.client_secret_encrypted->find("s3cret!"), std::string::npos);
  absl::StatusOr<crypto::SecretBox> box =
      service::core::OAuthClientSecretBox(TestApp::kServerSecret, std::nullopt);
  ASSERT_TRUE(box.ok());
  auto opened = service::core::OpenOAuthClientSecret(
      *box, acme.id, "corp-sso", *stored.client_secret_encrypted);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->plaintext, "s3cret!");
  // Bound to its row: it does not open as another provider's secret.
  EXPECT_FALSE(service::core::OpenOAuthClientSecret(
                   *box, acme.id, "github", *stored.client_secret_encrypted)
                   .ok());

  HttpResponse listed =
      Rest("GET", "/api/v1/internal/oauth-providers", "", admin);
  ASSERT_EQ(listed.Json()["items"].size(), 1u);
  EXPECT_EQ(listed.body.find("s3cret!"), std::string::npos);

  HttpResponse deleted =
      Rest("DELETE", "/api/v1/internal/oauth-providers/corp-sso", "", admin);
  EXPECT_EQ(deleted.status, 200) << deleted.body;
  HttpResponse again =
      Rest("DELETE", "/api/v1/internal/oauth-providers/corp-sso", "", admin);
  EXPECT_EQ(again.Json()["code"], "OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED");
}

TEST_F(ProjectServiceTest, OAuthProviderSettingsAreValidated) {
  const ManagedProject acme = NewProject();
  const HttpHeaders admin = AdminHeaders(acme.id, acme.super_secret_admin_key);
  const std::pair<std::string, std::string> bad[] = {
      {"corp", R"({"type": "saml", "client_id": "x"})"},
      {"corp", R"({"type": "oidc", "client_id": "x"})"},
      {"corp",
       R"({"type": "oidc", "client_id": "x", "issuer_url": "http://sso.example.com"})"},
      {"corp", R"({"type": "github", "client_id": ""})"},
      {"corp", R"({"type": "github", "client_id": "x", "client_secret": ""})"},
      {"corp",
       R"({"type": "github", "client_id": "x", "scopes": ["read user"]})"},
      {"Corp", R"({"type": "github", "client_id": "x"})"},
  };
  for (const auto& [id, body] : bad) {
    HttpResponse response =
        Rest("PUT", "/api/v1/internal/oauth-providers/" + id, body, admin);
    EXPECT_EQ(response.Json()["code"], "SCHEMA_ERROR") << body << response.body;
  }
  HttpResponse local = Rest(
      "PUT", "/api/v1/internal/oauth-providers/dev",
      R"({"type": "oidc", "client_id": "x", "issuer_url": "http://127.0.0.1:9000/realm"})",
      admin);
  EXPECT_EQ(local.status, 200) << local.body;
}

}  // namespace
}  // namespace latchkey::testing
