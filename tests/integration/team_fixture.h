#ifndef TESTS_INTEGRATION_TEAM_FIXTURE_H_
#define TESTS_INTEGRATION_TEAM_FIXTURE_H_

#include <memory>
#include <string>
#include <vector>

#include "identity/v1/team_permission.grpc.pb.h"
#include "tests/integration/token_fixture.h"

namespace latchkey::testing {

// TokenTest (a whole latchkeyd on a fake clock, with storage shortcuts)
// plus a TeamPermissionService stub and the calls the team tests repeat.
// Not thread-safe.
class TeamTest : public TokenTest {
 protected:
  void SetUp() override;
  // Restarts the app (TokenTest::Restart) and renews the stub.
  void RestartWith(std::function<void(service::ServerConfig&)> configure);

  identity::v1::TeamPermissionService::Stub& teams() { return *teams_; }

  // A user of the internal project, written through storage.
  std::string NewUser(const std::string& name, const std::string& email = "");
  // An access token of `user_id` (a fresh session through CreateSession).
  std::string TokenOf(const std::string& user_id);

  // The user's selected team, read from storage.
  std::optional<std::string> SelectedTeamOf(const std::string& user_id);

  // Call contexts: server key; admin key; client acting as `token`'s user.
  static void Server(grpc::ClientContext& context);
  static void Admin(grpc::ClientContext& context);
  static void Client(grpc::ClientContext& context, const std::string& token);

  // CreateTeam as the server, with `creator` (may be empty: no creator);
  // fails the test on error and returns the team id.
  std::string NewTeam(const std::string& name, const std::string& creator);
  // AddTeamMember as the server; fails the test on error.
  void AddMember(const std::string& team_id, const std::string& user_id);
  // Defines a permission as admin (team scope unless `project_scope`).
  grpc::Status Define(const std::string& id,
                      const std::vector<std::string>& contained,
                      bool project_scope = false);
  grpc::Status Grant(const std::string& team_id, const std::string& user_id,
                     const std::string& permission_id);
  grpc::Status Revoke(const std::string& team_id, const std::string& user_id,
                      const std::string& permission_id);
  // ListTeamPermissions as the server, as "id" strings in order.
  std::vector<std::string> Permissions(const std::string& team_id,
                                       const std::string& user_id,
                                       bool recursive);
  // CheckPermission as the server (team_id empty: project scope).
  identity::v1::CheckPermissionResponse Check(const std::string& user_id,
                                              const std::string& team_id,
                                              const std::string& permission_id);

 private:
  std::unique_ptr<identity::v1::TeamPermissionService::Stub> teams_;
};

}  // namespace latchkey::testing

#endif  // TESTS_INTEGRATION_TEAM_FIXTURE_H_
