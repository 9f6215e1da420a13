// UserService over gRPC and REST against a whole latchkeyd: create, get,
// update (update_mask semantics, restriction, selected team, TOTP), delete
// (sessions end at once), list (cursor pagination, filters), import.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crypto/password_hasher.h"
#include "gtest/gtest.h"
#include "service/core/start_session.h"
#include "service/core/totp_secrets.h"
#include "service/errors/api_error.h"
#include "tests/integration/admin_fixture.h"

namespace latchkey::testing {
namespace {

using identity::v1::User;

// Python's crypt module (libxcrypt), cost 04 to keep the test fast.
constexpr char kBcryptOfCorrectHorse[] =
    "$2b$04$qZiodmJyMOYxJxdHjO7bg.J4a.hUzhSXqV/7k8VIA4OgG7N6mq3rS";
constexpr char kBcryptOfHunter2[] =
    "$2b$04$1nEoRw9Qklsl24qhzw7OuuvDpQ0YsbvpXpvbDu6Z2eI3FffvpQQsC";

class UserServiceTest : public AdminApiTest {
 protected:
  void SetUp() override {
    AdminApiTest::SetUp();
    if (IsSkipped()) return;
    acme_ = NewProject("Acme");
  }

  HttpHeaders Server() const {
    return ServerHeaders(acme_.id, acme_.secret_server_key);
  }

  void AsServer(grpc::ClientContext& call) const {
    TestApp::AsServer(call, acme_.id, acme_.secret_server_key);
  }

  // POST /users; fails the test unless it answers 201.
  nlohmann::json CreateUser(const nlohmann::json& body) {
    HttpResponse response =
        Rest("POST", "/api/v1/users", body.dump(), Server());
    EXPECT_EQ(response.status, 201) << response.body;
    return response.Json();
  }

  HttpResponse Patch(const std::string& user_id, const std::string& body) {
    return Rest("PATCH", "/api/v1/users/" + user_id, body, Server());
  }

  // A session for `user_id`, as a sign-in would start it.
  service::core::SignedIn SessionFor(const std::string& user_id) {
    auto project = context().projects.Get(acme_.id);
    EXPECT_TRUE(project.ok());
    service::core::SignedIn signed_in;
    EXPECT_TRUE(context()
                    .database
                    .RunInTransaction(
                        [&](storage::Repositories& repos) -> absl::Status {
                          auto view = repos.users().Get(acme_.id, user_id);
                          if (!view.ok()) return view.status();
                          auto started = service::core::StartSession(
                              context().sessions, context().token_issuer, repos,
                              **project, *view);
                          if (!started.ok()) return started.status();
                          signed_in = *std::move(started);
                          return absl::OkStatus();
                        })
                    .ok());
    return signed_in;
  }

  identity::v1::ListUsersResponse List(identity::v1::ListUsersRequest request) {
    grpc::ClientContext call;
    AsServer(call);
    identity::v1::ListUsersResponse response;
    grpc::Status status = users().ListUsers(&call, request, &response);
    EXPECT_TRUE(status.ok())
        << ErrorOf(status).reason << " " << status.error_message();
    return response;
  }

  std::optional<storage::PasswordCredentialRecord> StoredPassword(
      const std::string& user_id) {
    std::optional<storage::PasswordCredentialRecord> out;
    EXPECT_TRUE(context()
                    .database
                    .Run([&](storage::Repositories& repos) {
                      auto password =
                          repos.credentials().GetPassword(acme_.id, user_id);
                      if (password.ok()) out = *password;
                      return absl::OkStatus();
                    })
                    .ok());
    return out;
  }

  std::string CreateTeam(const std::string& name) {
    storage::TeamRecord team;
    team.id = absl::StrCat("00000000-0000-4000-8000-", 100000000000 + teams_++);
    team.project_id = acme_.id;
    team.display_name = name;
    team.created_at = clock_.Now();
    EXPECT_TRUE(context()
                    .database
                    .Run([&](storage::Repositories& repos) {
                      return repos.teams().Create(team);
                    })
                    .ok());
    return team.id;
  }

  void Join(const std::string& team_id, const std::string& user_id) {
    EXPECT_TRUE(context()
                    .database
                    .Run([&](storage::Repositories& repos) {
                      return repos.teams().AddMember(
                          {acme_.id, team_id, user_id, std::nullopt,
                           std::nullopt, clock_.Now()});
                    })
                    .ok());
  }

  ManagedProject acme_;
  int teams_ = 0;
};

TEST_F(UserServiceTest, CreateAnswers201WithNormalisedEmailAndServerView) {
  nlohmann::json user = CreateUser({{"primary_email", "  Grace@Example.COM "},
                                    {"password", "correct horse"},
                                    {"display_name", "Grace"},
                                    {"server_metadata", {{"plan", "pro"}}}});
  EXPECT_EQ(user["primary_email"], "grace@example.com");
  EXPECT_EQ(user["primary_email_verified"], false);
  // Stack's default: the address does not sign in unless asked.
  EXPECT_EQ(user["primary_email_auth_enabled"], false);
  EXPECT_EQ(user["has_password"], true);
  EXPECT_EQ(user["auth_with_email"], true);
  EXPECT_EQ(user["display_name"], "Grace");
  EXPECT_EQ(user["server_metadata"], nlohmann::json({{"plan", "pro"}}));
  EXPECT_EQ(user["signed_up_at_millis"], absl::ToUnixMillis(kStart));
  EXPECT_EQ(user["is_anonymous"], false);
  EXPECT_EQ(user["is_restricted"], false);
  const std::optional<storage::PasswordCredentialRecord> stored =
      StoredPassword(user["id"]);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->algorithm, "argon2id");
  EXPECT_TRUE(absl::StartsWith(stored->password_hash,
                               "$argon2id$v=19$m=19456,t=2,p=1$"));
}

// auth_with_email says whether the user has an email-based way in (a
// password or email codes), as Stack computes it: not whether the current
// address is used for sign-in.
TEST_F(UserServiceTest, AuthWithEmailFollowsTheEmailBasedMethods) {
  nlohmann::json codes_only = CreateUser({{"primary_email", "otp@example.com"},
                                          {"primary_email_auth_enabled", false},
                                          {"otp_auth_enabled", true}});
  EXPECT_EQ(codes_only["auth_with_email"], true) << codes_only.dump();
  nlohmann::json none = CreateUser({{"primary_email", "none@example.com"}});
  EXPECT_EQ(none["auth_with_email"], false) << none.dump();
}

// An administrator may turn an anonymous user into a regular one (Stack
// allows is_anonymous: false on PATCH), never the other way.
TEST_F(UserServiceTest, AnonymousUserBecomesRegularButNotBack) {
  const std::string guest = CreateUser({{"is_anonymous", true}})["id"];
  HttpResponse made = Rest("PATCH", "/api/v1/users/" + guest,
                           R"({"is_anonymous": false})", Server());
  ASSERT_EQ(made.status, 200) << made.body;
  EXPECT_EQ(made.Json()["is_anonymous"], false);
  EXPECT_EQ(made.Json()["id"], guest);
  HttpResponse back = Rest("PATCH", "/api/v1/users/" + guest,
                           R"({"is_anonymous": true})", Server());
  EXPECT_EQ(back.Json()["code"], "SCHEMA_ERROR") << back.body;
  EXPECT_EQ(Rest("GET", "/api/v1/users/" + guest, "", Server())
                .Json()["is_anonymous"],
            false);
}

TEST_F(UserServiceTest, BadEmailAndPasswordRulesAreExactErrors) {
  HttpResponse email =
      Rest("POST", "/api/v1/users", R"({"primary_email": "grace at example"})",
           Server());
  EXPECT_EQ(email.status, 400);
  EXPECT_EQ(email.Json()["code"], "SCHEMA_ERROR");
  EXPECT_EQ(email.Json()["details"]["message"],
            "body.primary_email must be a valid email address");

  HttpResponse short_password = Rest(
      "POST", "/api/v1/users",
      R"({"primary_email": "a@example.com", "password": "short"})", Server());
  EXPECT_EQ(short_password.Json()["code"], "PASSWORD_TOO_SHORT");
  EXPECT_EQ(short_password.Json()["details"]["min_length"], 8);
  HttpResponse long_password = Rest(
      "POST", "/api/v1/users",
      nlohmann::json({{"password", std::string(71, 'x')}}).dump(), Server());
  EXPECT_EQ(long_password.Json()["code"], "PASSWORD_TOO_LONG");
  EXPECT_EQ(long_password.Json()["details"]["maxLength"], 70);

  // The project's own policy applies.
  HttpResponse configured =
      Rest("PATCH", "/api/v1/internal/config/override/project",
           R"({"config_override_string": "{\"password_min_length\": 12}"})",
           AdminHeaders(acme_.id, acme_.super_secret_admin_key));
  ASSERT_EQ(configured.status, 200) << configured.body;
  HttpResponse eleven =
      Rest("POST", "/api/v1/users", R"({"password": "elevenchars"})", Server());
  EXPECT_EQ(eleven.Json()["details"]["min_length"], 12);

  HttpResponse both =
      Rest("POST", "/api/v1/users",
           nlohmann::json({{"password", "correct horse battery"},
                           {"password_hash", kBcryptOfCorrectHorse}})
               .dump(),
           Server());
  EXPECT_EQ(both.Json()["code"], "SCHEMA_ERROR");
  HttpResponse unsupported =
      Rest("POST", "/api/v1/users",
           R"({"password_hash": "$pbkdf2-sha256$29000$abc$def"})", Server());
  EXPECT_EQ(unsupported.Json()["code"], "SCHEMA_ERROR");
}

TEST_F(UserServiceTest, DuplicateSignInEmailIsUserEmailAlreadyExists) {
  CreateUser({{"primary_email", "grace@example.com"},
              {"primary_email_auth_enabled", true}});
  HttpResponse again = Rest(
      "POST", "/api/v1/users",
      R"({"primary_email": "GRACE@example.com", "primary_email_auth_enabled": true})",
      Server());
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(again.headers["x-stack-known-error"], "USER_EMAIL_ALREADY_EXISTS");
  EXPECT_EQ(again.Json()["details"],
            nlohmann::json({{"email", "grace@example.com"},
                            {"would_work_if_email_was_verified", false}}));
  // An address that does not sign in may be shared.
  nlohmann::json contact = CreateUser({{"primary_email", "grace@example.com"},
                                       {"primary_email_auth_enabled", false}});
  EXPECT_EQ(contact["primary_email_auth_enabled"], false);
  // Another project is another namespace.
  const ManagedProject other = NewProject("Other");
  HttpResponse elsewhere =
      Rest("POST", "/api/v1/users", R"({"primary_email": "grace@example.com"})",
           ServerHeaders(other.id, other.secret_server_key));
  EXPECT_EQ(elsewhere.status, 201) << elsewhere.body;
}

TEST_F(UserServiceTest, ImportedBcryptHashIsKeptAndFlaggedForRehash) {
  nlohmann::json user = CreateUser({{"primary_email", "legacy@example.com"},
                                    {"password_hash", kBcryptOfCorrectHorse}});
  EXPECT_EQ(user["has_password"], true);
  const std::optional<storage::PasswordCredentialRecord> stored =
      StoredPassword(user["id"]);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->algorithm, "bcrypt");
  EXPECT_EQ(stored->password_hash, kBcryptOfCorrectHorse);
  auto hasher = crypto::PasswordHasher::Create({1024, 1, 1});
  ASSERT_TRUE(hasher.ok());
  auto check =
      (*hasher)->Verify("correct horse battery staple", stored->password_hash);
  ASSERT_TRUE(check.ok()) << check.status();
  EXPECT_TRUE(check->matches);
  EXPECT_TRUE(check->needs_rehash);
}

TEST_F(UserServiceTest, GetUnknownAndMe) {
  HttpResponse missing =
      Rest("GET", "/api/v1/users/00000000-0000-4000-8000-000000000000", "",
           Server());
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.Json()["code"], "USER_NOT_FOUND");
  HttpResponse me = Rest("GET", "/api/v1/users/me", "", Server());
  // /users/me is AuthService.GetCurrentUser; UserService's own `me` is
  // reachable over gRPC.
  EXPECT_EQ(me.Json()["code"], "CANNOT_GET_OWN_USER_WITHOUT_USER");
  {
    grpc::ClientContext call;
    AsServer(call);
    identity::v1::GetUserRequest request;
    request.set_user_id("me");
    User user;
    EXPECT_EQ(ErrorOf(users().GetUser(&call, request, &user)).reason,
              "CANNOT_GET_OWN_USER_WITHOUT_USER");
  }
  nlohmann::json created = CreateUser({{"display_name", "Me Myself"}});
  const service::core::SignedIn session = SessionFor(created["id"]);
  grpc::ClientContext call;
  AsServer(call);
  call.AddMetadata("x-stack-access-token", session.access_token);
  identity::v1::GetUserRequest request;
  request.set_user_id("me");
  User user;
  ASSERT_TRUE(users().GetUser(&call, request, &user).ok());
  EXPECT_EQ(user.id(), created["id"]);
}

TEST_F(UserServiceTest, RestPatchFollowsBodyKeysAndNullClears) {
  nlohmann::json user = CreateUser({{"display_name", "Grace"},
                                    {"profile_image_url", "https://x/y.png"},
                                    {"client_metadata", {{"theme", "dark"}}}});
  const std::string id = user["id"];
  HttpResponse patched = Patch(id, R"({"display_name": null})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(patched.Json()["display_name"], nullptr);
  EXPECT_EQ(patched.Json()["profile_image_url"], "https://x/y.png");
  EXPECT_EQ(patched.Json()["client_metadata"],
            nlohmann::json({{"theme", "dark"}}));
  HttpResponse metadata =
      Patch(id, R"({"client_metadata": {"theme": "light"}})");
  EXPECT_EQ(metadata.Json()["client_metadata"],
            nlohmann::json({{"theme", "light"}}));
  EXPECT_EQ(metadata.Json()["profile_image_url"], "https://x/y.png");
}

TEST_F(UserServiceTest, GrpcUpdateUsesTheMaskOrWhatIsSet) {
  nlohmann::json created = CreateUser(
      {{"display_name", "Grace"}, {"profile_image_url", "https://x/y.png"}});
  const std::string id = created["id"];
  {
    grpc::ClientContext call;
    AsServer(call);
    identity::v1::UpdateUserRequest request;
    request.set_user_id(id);
    request.set_country_code("DE");
    User user;
    ASSERT_TRUE(users().UpdateUser(&call, request, &user).ok());
    EXPECT_EQ(user.country_code(), "DE");
    EXPECT_EQ(user.display_name(), "Grace") << "unset fields stay";
    EXPECT_EQ(user.profile_image_url(), "https://x/y.png");
  }
  {
    grpc::ClientContext call;
    AsServer(call);
    identity::v1::UpdateUserRequest request;
    request.set_user_id(id);
    request.mutable_update_mask()->add_paths("display_name");
    User user;
    ASSERT_TRUE(users().UpdateUser(&call, request, &user).ok());
    EXPECT_FALSE(user.has_display_name())
        << "named in the mask, unset: cleared";
    EXPECT_EQ(user.country_code(), "DE");
  }
  grpc::ClientContext call;
  AsServer(call);
  identity::v1::UpdateUserRequest request;
  request.set_user_id(id);
  request.mutable_update_mask()->add_paths("no_such_field");
  User user;
  EXPECT_EQ(ErrorOf(users().UpdateUser(&call, request, &user)).reason,
            "SCHEMA_ERROR");
}

TEST_F(UserServiceTest, RestrictAndUnrestrictByAdministrator) {
  const std::string id = CreateUser({{"display_name", "Mallory"}})["id"];
  HttpResponse restricted = Patch(id, R"({"restricted_by_admin": true,
                    "restricted_by_admin_reason": "Chargebacks",
                    "restricted_by_admin_private_details": "ticket 4711"})");
  ASSERT_EQ(restricted.status, 200) << restricted.body;
  nlohmann::json user = restricted.Json();
  EXPECT_EQ(user["is_restricted"], true);
  EXPECT_EQ(user["restricted_reason"],
            nlohmann::json({{"type", "restricted_by_administrator"}}));
  EXPECT_EQ(user["restricted_by_admin_reason"], "Chargebacks");
  EXPECT_EQ(user["restricted_by_admin_private_details"], "ticket 4711");

  HttpResponse lifted = Patch(id, R"({"restricted_by_admin": false})");
  ASSERT_EQ(lifted.status, 200) << lifted.body;
  EXPECT_EQ(lifted.Json()["is_restricted"], false);
  EXPECT_EQ(lifted.Json()["restricted_reason"], nullptr);
  EXPECT_EQ(lifted.Json()["restricted_by_admin_reason"], nullptr);
  EXPECT_EQ(lifted.Json()["restricted_by_admin_private_details"], nullptr);

  HttpResponse reason_only =
      Patch(id, R"({"restricted_by_admin_reason": "Why not"})");
  EXPECT_EQ(reason_only.Json()["code"], "SCHEMA_ERROR");
}

TEST_F(UserServiceTest, SelectedTeamMustBeOneOfTheUsersTeams) {
  const std::string id = CreateUser({{"display_name", "Grace"}})["id"];
  const std::string unknown = "00000000-0000-4000-8000-999999999999";
  HttpResponse missing =
      Patch(id, nlohmann::json({{"selected_team_id", unknown}}).dump());
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.Json()["code"], "TEAM_NOT_FOUND");
  EXPECT_EQ(missing.Json()["details"]["team_id"], unknown);
  const std::string team = CreateTeam("Navy");
  HttpResponse not_member =
      Patch(id, nlohmann::json({{"selected_team_id", team}}).dump());
  EXPECT_EQ(not_member.Json()["code"], "TEAM_MEMBERSHIP_NOT_FOUND");
  EXPECT_EQ(not_member.Json()["details"],
            nlohmann::json({{"team_id", team}, {"user_id", id}}));
  Join(team, id);
  HttpResponse selected =
      Patch(id, nlohmann::json({{"selected_team_id", team}}).dump());
  ASSERT_EQ(selected.status, 200) << selected.body;
  EXPECT_EQ(selected.Json()["selected_team_id"], team);
  EXPECT_EQ(selected.Json()["selected_team"]["display_name"], "Navy");
  HttpResponse cleared = Patch(id, R"({"selected_team_id": null})");
  EXPECT_EQ(cleared.Json()["selected_team_id"], nullptr);
}

TEST_F(UserServiceTest, ChangingThePrimaryEmail) {
  CreateUser({{"primary_email", "taken@example.com"},
              {"primary_email_auth_enabled", true}});
  const std::string id =
      CreateUser({{"primary_email", "grace@example.com"},
                  {"primary_email_verified", true},
                  {"primary_email_auth_enabled", true}})["id"];
  HttpResponse taken = Patch(
      id,
      R"({"primary_email": "Taken@example.com", "primary_email_auth_enabled": true})");
  EXPECT_EQ(taken.status, 409) << taken.body;
  EXPECT_EQ(taken.Json()["code"], "USER_EMAIL_ALREADY_EXISTS");
  HttpResponse moved = Patch(id, R"({"primary_email": "hopper@example.com"})");
  ASSERT_EQ(moved.status, 200) << moved.body;
  EXPECT_EQ(moved.Json()["primary_email"], "hopper@example.com");
  EXPECT_EQ(moved.Json()["primary_email_verified"], false)
      << "a new address is not verified";
  EXPECT_EQ(moved.Json()["primary_email_auth_enabled"], false)
      << "a new address signs in only when asked";
  HttpResponse verified = Patch(id, R"({"primary_email_verified": true})");
  EXPECT_EQ(verified.Json()["primary_email_verified"], true);
  // The old address was kept as a secondary channel; naming it again
  // promotes it as it was (verified, signing in).
  HttpResponse back = Patch(id, R"({"primary_email": "grace@example.com"})");
  ASSERT_EQ(back.status, 200) << back.body;
  EXPECT_EQ(back.Json()["primary_email_verified"], true);
  EXPECT_EQ(back.Json()["primary_email_auth_enabled"], true);
  HttpResponse removed = Patch(id, R"({"primary_email": null})");
  ASSERT_EQ(removed.status, 200) << removed.body;
  EXPECT_EQ(removed.Json()["primary_email"], nullptr);
  // Demoted, not deleted: both addresses are still the user's channels.
  HttpResponse channels =
      Rest("GET", "/api/v1/contact-channels?user_id=" + id, "", Server());
  ASSERT_EQ(channels.status, 200) << channels.body;
  const nlohmann::json listed = channels.Json();
  ASSERT_EQ(listed["items"].size(), 2u) << channels.body;
  for (const auto& channel : listed["items"]) {
    EXPECT_EQ(channel["is_primary"], false) << channel.dump();
  }
}

TEST_F(UserServiceTest, PasswordAndTotpCanBeSetAndRemoved) {
  const std::string id = CreateUser({{"display_name", "Grace"}})["id"];
  HttpResponse set = Patch(id, R"({"password": "correct horse"})");
  EXPECT_EQ(set.Json()["has_password"], true);
  HttpResponse removed = Patch(id, R"({"password": null})");
  EXPECT_EQ(removed.Json()["has_password"], false);
  EXPECT_FALSE(StoredPassword(id).has_value());

  // 20 bytes, base64.
  HttpResponse totp =
      Patch(id, R"({"totp_secret_base64": "MTIzNDU2Nzg5MDEyMzQ1Njc4OTA="})");
  ASSERT_EQ(totp.status, 200) << totp.body;
  EXPECT_EQ(totp.Json()["requires_totp_mfa"], true);
  storage::TotpSecretRecord stored;
  ASSERT_TRUE(context()
                  .database
                  .Run([&](storage::Repositories& repos) {
                    auto secret =
                        repos.credentials().GetTotpSecret(acme_.id, id);
                    if (secret.ok()) stored = *secret;
                    return secret.status();
                  })
                  .ok());
  auto box = service::core::TotpSecretBox(TestApp::kServerSecret, std::nullopt);
  ASSERT_TRUE(box.ok());
  auto opened = service::core::OpenTotpSecret(*box, acme_.id, id,
                                              stored.encrypted_secret);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->plaintext, "12345678901234567890");
  EXPECT_EQ(
      Patch(id, R"({"totp_secret_base64": "not base64!"})").Json()["code"],
      "SCHEMA_ERROR");
  EXPECT_EQ(
      Patch(id, R"({"totp_secret_base64": null})").Json()["requires_totp_mfa"],
      false);
}

TEST_F(UserServiceTest, DeletingAUserEndsEverySessionAtOnce) {
  const std::string id = CreateUser({{"display_name", "Grace"}})["id"];
  const service::core::SignedIn first = SessionFor(id);
  const service::core::SignedIn second = SessionFor(id);
  auto project = context().projects.Get(acme_.id);
  ASSERT_TRUE(project.ok());
  ASSERT_TRUE(
      context()
          .sessions.Refresh(acme_.id, first.refresh_token, (*project)->config)
          .ok());
  HttpResponse deleted = Rest("DELETE", "/api/v1/users/" + id, "", Server());
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(deleted.Json(), nlohmann::json({{"success", true}}));
  for (const service::core::SignedIn* session : {&first, &second}) {
    auto refreshed = context().sessions.Refresh(
        acme_.id, session->refresh_token, (*project)->config);
    ASSERT_FALSE(refreshed.ok());
    EXPECT_EQ(service::ReadApiError(refreshed.status())->code,
              identity::v1::REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED);
  }
  EXPECT_EQ(Rest("GET", "/api/v1/users/" + id, "", Server()).Json()["code"],
            "USER_NOT_FOUND");
  EXPECT_EQ(Rest("DELETE", "/api/v1/users/" + id, "", Server()).Json()["code"],
            "USER_NOT_FOUND");
}

TEST_F(UserServiceTest, PagesStayExactWhileUsersAreAdded) {
  std::vector<std::string> originals;
  for (int i = 0; i < 7; ++i) {
    clock_.Advance(absl::Seconds(1));
    originals.push_back(
        CreateUser({{"display_name", absl::StrCat("u", i)}})["id"]);
  }
  for (const bool desc : {false, true}) {
    std::vector<std::string> seen;
    identity::v1::ListUsersRequest request;
    request.set_limit(3);
    request.set_desc(desc);
    int pages = 0;
    while (true) {
      identity::v1::ListUsersResponse page = List(request);
      ++pages;
      EXPECT_TRUE(page.is_paginated());
      for (const User& user : page.items()) seen.push_back(user.id());
      // Between pages: a brand-new user (signs up after everyone) and an
      // imported one that signed up before everyone.
      clock_.Advance(absl::Seconds(1));
      CreateUser({{"display_name", "newcomer"}});
      HttpResponse imported = Rest(
          "POST", "/api/v1/users/import",
          nlohmann::json({{"users",
                           {{{"display_name", "old-timer"},
                             {"signed_up_at_millis",
                              absl::ToUnixMillis(kStart - absl::Hours(1))}}}}})
              .dump(),
          Server());
      EXPECT_EQ(imported.Json()["created_count"], 1) << imported.body;
      if (!page.pagination().has_next_cursor()) break;
      request.set_cursor(page.pagination().next_cursor());
      ASSERT_LT(pages, 50);
    }
    // Every original exactly once, in order, whatever was added meanwhile.
    std::vector<std::string> originals_seen;
    std::set<std::string> unique(seen.begin(), seen.end());
    EXPECT_EQ(unique.size(), seen.size()) << "no user twice";
    for (const std::string& id : seen) {
      if (std::find(originals.begin(), originals.end(), id) !=
          originals.end()) {
        originals_seen.push_back(id);
      }
    }
    std::vector<std::string> expected = originals;
    if (desc) std::reverse(expected.begin(), expected.end());
    EXPECT_EQ(originals_seen, expected) << (desc ? "desc" : "asc");
  }
}

TEST_F(UserServiceTest, ListFiltersAndItsRestShape) {
  const std::string grace =
      CreateUser({{"primary_email", "grace@navy.mil"},
                  {"display_name", "Grace Hopper"}})["id"];
  const std::string ada = CreateUser(
      {{"primary_email", "ada@example.com"}, {"display_name", "Ada"}})["id"];
  const std::string anonymous = CreateUser({{"is_anonymous", true}})["id"];
  const std::string mallory = CreateUser({{"display_name", "Mallory"}})["id"];
  ASSERT_EQ(Patch(mallory, R"({"restricted_by_admin": true})").status, 200);
  const std::string team = CreateTeam("Navy");
  Join(team, grace);

  auto ids = [&](const std::string& query) {
    HttpResponse response = Rest("GET", "/api/v1/users" + query, "", Server());
    EXPECT_EQ(response.status, 200) << query << response.body;
    const nlohmann::json body = response.Json();
    std::set<std::string> out;
    for (const auto& user : body["items"]) out.insert(user["id"]);
    return out;
  };
  EXPECT_EQ(ids(""), (std::set<std::string>{grace, ada, mallory}));
  EXPECT_EQ(ids("?include_anonymous=true"),
            (std::set<std::string>{grace, ada, anonymous, mallory}));
  EXPECT_EQ(ids("?include_restricted=false"),
            (std::set<std::string>{grace, ada}));
  EXPECT_EQ(ids("?query=NAVY"), (std::set<std::string>{grace}));
  EXPECT_EQ(ids("?query=hopper"), (std::set<std::string>{grace}));
  EXPECT_EQ(ids("?team_id=" + team), (std::set<std::string>{grace}));

  HttpResponse page =
      Rest("GET", "/api/v1/users?limit=2&order_by=signed_up_at", "", Server());
  nlohmann::json body = page.Json();
  EXPECT_EQ(body["is_paginated"], true);
  EXPECT_EQ(body["items"].size(), 2u);
  EXPECT_TRUE(body["pagination"]["next_cursor"].is_string());
  HttpResponse last =
      Rest("GET",
           "/api/v1/users?limit=2&cursor=" +
               body["pagination"]["next_cursor"].get<std::string>(),
           "", Server());
  EXPECT_EQ(last.Json()["pagination"],
            nlohmann::json({{"next_cursor", nullptr}}));

  // Above the page size is clamped, as Stack does.
  EXPECT_EQ(Rest("GET", "/api/v1/users?limit=201", "", Server()).status, 200);
  for (const char* bad : {"?limit=0", "?order_by=display_name",
                          "?cursor=garbage", "?include_anonymous=maybe"}) {
    HttpResponse response =
        Rest("GET", std::string("/api/v1/users") + bad, "", Server());
    EXPECT_EQ(response.Json()["code"], "SCHEMA_ERROR") << bad << response.body;
  }
  // A cursor made for one order is refused in the other.
  HttpResponse crossed =
      Rest("GET",
           "/api/v1/users?desc=true&cursor=" +
               body["pagination"]["next_cursor"].get<std::string>(),
           "", Server());
  EXPECT_EQ(crossed.Json()["code"], "SCHEMA_ERROR");
}

TEST_F(UserServiceTest, ImportReportsEachRowAndIsIdempotentOnExternalId) {
  CreateUser({{"primary_email", "taken@example.com"},
              {"primary_email_auth_enabled", true}});
  const nlohmann::json rows =
      nlohmann::json::parse(absl::StrCat(R"([
    {"external_id": "auth0|1", "primary_email": "one@example.com",
     "primary_email_verified": true, "display_name": "One",
     "password_hash": ")",
                                         kBcryptOfCorrectHorse, R"(",
     "server_metadata": {"source": "auth0"}, "signed_up_at_millis": 1600000000000},
    {"external_id": "auth0|2", "primary_email": "two@example.com",
     "password_hash": ")",
                                         kBcryptOfHunter2, R"("},
    {"external_id": "auth0|3", "primary_email": "not-an-email"},
    {"external_id": "auth0|4", "password_hash": "md5:5f4dcc3b5aa765d61d8327deb882cf99"},
    {"external_id": "auth0|5", "primary_email": "TAKEN@example.com"},
    {"display_name": "No external id"}
  ])"));
  HttpResponse first = Rest("POST", "/api/v1/users/import",
                            nlohmann::json({{"users", rows}}).dump(), Server());
  ASSERT_EQ(first.status, 200) << first.body;
  nlohmann::json result = first.Json();
  EXPECT_EQ(result["created_count"], 3);
  EXPECT_EQ(result["updated_count"], 0);
  EXPECT_EQ(result["failed_count"], 3);
  const std::vector<std::string> outcomes = {"created", "created", "failed",
                                             "failed",  "failed",  "created"};
  const std::vector<std::string> codes = {
      "", "", "SCHEMA_ERROR", "SCHEMA_ERROR", "USER_EMAIL_ALREADY_EXISTS", ""};
  ASSERT_EQ(result["items"].size(), 6u);
  for (size_t i = 0; i < 6; ++i) {
    const nlohmann::json& item = result["items"][i];
    EXPECT_EQ(item["index"], i);
    EXPECT_EQ(item["outcome"], outcomes[i]) << item.dump();
    if (codes[i].empty()) {
      EXPECT_TRUE(item["user_id"].is_string()) << item.dump();
      EXPECT_EQ(item["error_code"], nullptr);
    } else {
      EXPECT_EQ(item["error_code"], codes[i]) << item.dump();
      EXPECT_TRUE(item["error_message"].is_string());
    }
  }
  const std::string one = result["items"][0]["user_id"];
  nlohmann::json imported =
      Rest("GET", "/api/v1/users/" + one, "", Server()).Json();
  EXPECT_EQ(imported["external_id"], "auth0|1");
  EXPECT_EQ(imported["primary_email_verified"], true);
  EXPECT_EQ(imported["signed_up_at_millis"], 1600000000000);
  EXPECT_EQ(imported["server_metadata"], nlohmann::json({{"source", "auth0"}}));
  // The bcrypt hash is stored as given and verifies; the first password
  // sign-in replaces it with argon2id (AuthService.PasswordSignIn).
  auto hasher = crypto::PasswordHasher::Create({1024, 1, 1});
  ASSERT_TRUE(hasher.ok());
  for (const auto& [index, password] :
       {std::pair<int, std::string>{0, "correct horse battery staple"},
        {1, "hunter2hunter2"}}) {
    const std::optional<storage::PasswordCredentialRecord> stored =
        StoredPassword(result["items"][index]["user_id"]);
    ASSERT_TRUE(stored.has_value());
    EXPECT_EQ(stored->algorithm, "bcrypt");
    auto check = (*hasher)->Verify(password, stored->password_hash);
    ASSERT_TRUE(check.ok());
    EXPECT_TRUE(check->matches) << index;
    EXPECT_TRUE(check->needs_rehash) << index;
  }

  // Again: the rows with an external id update the same users.
  const int64_t users_before = List({}).items_size();
  nlohmann::json again_rows = rows;
  again_rows[0]["display_name"] = "One, renamed";
  again_rows.erase(5);  // Without an external id a row always creates.
  HttpResponse second =
      Rest("POST", "/api/v1/users/import",
           nlohmann::json({{"users", again_rows}}).dump(), Server());
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(second.Json()["created_count"], 0);
  EXPECT_EQ(second.Json()["updated_count"], 2);
  EXPECT_EQ(second.Json()["failed_count"], 3);
  EXPECT_EQ(second.Json()["items"][0]["user_id"], one);
  EXPECT_EQ(List({}).items_size(), users_before);
  EXPECT_EQ(
      Rest("GET", "/api/v1/users/" + one, "", Server()).Json()["display_name"],
      "One, renamed");

  nlohmann::json too_many = nlohmann::json::array();
  for (int i = 0; i < 1001; ++i) too_many.push_back({{"display_name", "x"}});
  HttpResponse over =
      Rest("POST", "/api/v1/users/import",
           nlohmann::json({{"users", too_many}}).dump(), Server());
  EXPECT_EQ(over.Json()["code"], "SCHEMA_ERROR") << over.body.substr(0, 200);
}

TEST_F(UserServiceTest, ImportedBcryptUserSignsInAndIsMovedToArgon2id) {
  HttpResponse imported =
      Rest("POST", "/api/v1/users/import",
           nlohmann::json({{"users",
                            {{{"external_id", "clerk_1"},
                              {"primary_email", "legacy@example.com"},
                              {"password_hash", kBcryptOfCorrectHorse}}}}})
               .dump(),
           Server());
  ASSERT_EQ(imported.Json()["created_count"], 1) << imported.body;
  const std::string id = imported.Json()["items"][0]["user_id"];
  const HttpHeaders client = {{"x-stack-project-id", acme_.id},
                              {"x-stack-access-type", "client"},
                              {"content-type", "application/json"}};
  HttpResponse wrong = Rest(
      "POST", "/api/v1/auth/password/sign-in",
      R"({"email": "legacy@example.com", "password": "correct horse battery"})",
      client);
  EXPECT_EQ(wrong.Json()["code"], "EMAIL_PASSWORD_MISMATCH") << wrong.body;
  EXPECT_EQ(StoredPassword(id)->algorithm, "bcrypt");

  HttpResponse signed_in = Rest(
      "POST", "/api/v1/auth/password/sign-in",
      R"({"email": "Legacy@example.com", "password": "correct horse battery staple"})",
      client);
  ASSERT_EQ(signed_in.status, 200) << signed_in.body;
  EXPECT_EQ(signed_in.Json()["user_id"], id);
  // The sign-in re-hashed the password with the project's argon2id.
  const std::optional<storage::PasswordCredentialRecord> stored =
      StoredPassword(id);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->algorithm, "argon2id");
  auto project = context().projects.Get(acme_.id);
  ASSERT_TRUE(project.ok());
  auto check =
      context().passwords.Verify("correct horse battery staple",
                                 stored->password_hash, (*project)->config);
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->matches);
  EXPECT_FALSE(check->needs_rehash);
}

}  // namespace
}  // namespace latchkey::testing
