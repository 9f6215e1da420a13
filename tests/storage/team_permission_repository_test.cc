// Conformance: teams, memberships, invitations, permission definitions and
// grants (the cascades of deletes are in cascade_test.cc).
#include "common/status_macros.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/errors.h"
#include "tests/storage/team_storage_test.h"

namespace latchkey::storage::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

class TeamPermissionTest : public TeamStorageTest {};

TEST_P(TeamPermissionTest, TeamsRoundTripUpdateAndList) {
  TeamRecord t = AddTeam("p", "t1");
  t.display_name = "Renamed";
  t.profile_image_url = "https://img.example/t.png";
  t.server_metadata_json = R"({"plan":"pro"})";
  ASSERT_TRUE(Call([&](Repositories& r) { return r.teams().Update(t); }).ok());
  auto got = Call([&](Repositories& r) { return r.teams().Get("p", "t1"); });
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->display_name, "Renamed");
  EXPECT_EQ(got->profile_image_url, "https://img.example/t.png");
  EXPECT_EQ(got->server_metadata_json, R"({"plan":"pro"})");
  EXPECT_EQ(got->client_metadata_json, "null");  // never set
  EXPECT_EQ(got->created_at, T(2));
  AddTeam("p", "t2");
  AddTeam("q", "t3");
  auto list = Call([&](Repositories& r) { return r.teams().List("p"); });
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, "t1");
  EXPECT_EQ(Call([&](Repositories& r) { return r.teams().Get("q", "t1"); })
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  TeamRecord bad = t;
  bad.client_metadata_json = "{";
  EXPECT_EQ(Call([&](Repositories& r) { return r.teams().Update(bad); }).code(),
            absl::StatusCode::kInvalidArgument);
  TeamRecord dup = t;
  absl::Status status =
      Call([&](Repositories& r) { return r.teams().Create(dup); });
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ViolatedConstraint(status), "teams_pkey");
  TeamRecord ghost = t;
  ghost.id = "ghost";
  EXPECT_EQ(
      Call([&](Repositories& r) { return r.teams().Update(ghost); }).code(),
      absl::StatusCode::kNotFound);
}

TEST_P(TeamPermissionTest, MembershipsAndProfiles) {
  AddTeam("p", "t1");
  AddTeam("p", "t2");
  ASSERT_TRUE(AddMember("t1", Uuid(1)).ok());
  ASSERT_TRUE(AddMember("t2", Uuid(1)).ok());
  ASSERT_TRUE(AddMember("t1", Uuid(2)).ok());
  absl::Status dup = AddMember("t1", Uuid(1));
  EXPECT_EQ(dup.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ViolatedConstraint(dup), "team_members_pkey");
  EXPECT_EQ(AddMember("t1", Uuid(3)).code(), absl::StatusCode::kNotFound)
      << "a user of another project";
  EXPECT_EQ(AddMember("nope", Uuid(1)).code(), absl::StatusCode::kNotFound);

  auto members =
      Call([&](Repositories& r) { return r.teams().ListMembers("p", "t1"); });
  ASSERT_TRUE(members.ok());
  EXPECT_EQ(members->size(), 2u);
  auto teams = Call(
      [&](Repositories& r) { return r.teams().ListForUser("p", Uuid(1)); });
  ASSERT_TRUE(teams.ok());
  ASSERT_EQ(teams->size(), 2u);
  auto memberships = Call([&](Repositories& r) {
    return r.teams().ListMembershipsOfUser("p", Uuid(1));
  });
  EXPECT_EQ(memberships->size(), 2u);

  TeamMemberRecord profile{"p",         "t1",          Uuid(1),
                           "Ada at t1", "https://i/a", T(5)};
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.teams().UpdateMemberProfile(profile);
              }).ok());
  auto got = Call(
      [&](Repositories& r) { return r.teams().GetMember("p", "t1", Uuid(1)); });
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->display_name, "Ada at t1");
  EXPECT_EQ(got->profile_image_url, "https://i/a");
  profile.user_id = Uuid(9);
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.teams().UpdateMemberProfile(profile);
            }).code(),
            absl::StatusCode::kNotFound);
}

TEST_P(TeamPermissionTest, RemovingAMemberClearsGrantsAndSelectedTeam) {
  AddTeam("p", "t1");
  ASSERT_TRUE(AddMember("t1", Uuid(1)).ok());
  ASSERT_TRUE(Define(PermissionScope::kTeam, "read").ok());
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.permissions().GrantTeamPermission(
                    {"p", "t1", Uuid(1), "read", T(7)});
              }).ok());
  ASSERT_TRUE(Call([&](Repositories& r) -> absl::Status {
                LATCHKEY_ASSIGN_OR_RETURN(UserView v,
                                          r.users().Get("p", Uuid(1)));
                v.user.selected_team_id = "t1";
                return r.users().Update(v.user);
              }).ok());
  ASSERT_TRUE(db().RunInTransaction([&](Repositories& r) {
                    return r.teams().RemoveMember("p", "t1", Uuid(1));
                  })
                  .ok());
  EXPECT_THAT(TeamGrantIds(std::nullopt, std::nullopt), IsEmpty());
  auto user =
      Call([&](Repositories& r) { return r.users().Get("p", Uuid(1)); });
  EXPECT_EQ(user->user.selected_team_id, std::nullopt);
  EXPECT_EQ(db().RunInTransaction([&](Repositories& r) {
                  return r.teams().RemoveMember("p", "t1", Uuid(1));
                })
                .code(),
            absl::StatusCode::kNotFound);
}

TEST_P(TeamPermissionTest, DefinitionsWithContainmentRenameAndDelete) {
  ASSERT_TRUE(Define(PermissionScope::kTeam, "$read_members").ok());
  ASSERT_TRUE(Define(PermissionScope::kTeam, "$invite_members").ok());
  ASSERT_TRUE(Define(PermissionScope::kTeam, "team_member",
                     {"$read_members", "$invite_members"})
                  .ok());
  ASSERT_TRUE(
      Define(PermissionScope::kTeam, "team_admin", {"team_member"}).ok());
  absl::Status dup = Define(PermissionScope::kTeam, "team_admin");
  EXPECT_EQ(dup.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ViolatedConstraint(dup), "permission_definitions_pkey");
  EXPECT_EQ(Define(PermissionScope::kTeam, "broken", {"undefined"}).code(),
            absl::StatusCode::kNotFound);
  // The failed definition left nothing behind.
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.permissions().GetDefinition("p", PermissionScope::kTeam,
                                                   "broken");
            })
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  // Scopes are separate namespaces.
  ASSERT_TRUE(Define(PermissionScope::kProject, "team_admin").ok());

  auto member = Call([&](Repositories& r) {
    return r.permissions().GetDefinition("p", PermissionScope::kTeam,
                                         "team_member");
  });
  ASSERT_TRUE(member.ok());
  EXPECT_EQ(member->description, "about team_member");
  EXPECT_THAT(member->contained_permission_ids,
              ElementsAre("$invite_members", "$read_members"));

  // Rename team_member -> member: the edge from team_admin follows.
  PermissionDefinitionRecord renamed = *member;
  renamed.permission_id = "member";
  renamed.description = std::nullopt;
  renamed.contained_permission_ids = {"$read_members"};
  ASSERT_TRUE(db().RunInTransaction([&](Repositories& r) {
                    return r.permissions().UpdateDefinition("team_member",
                                                            renamed);
                  })
                  .ok());
  auto edges = Call([&](Repositories& r) {
    return r.permissions().ListEdges("p", PermissionScope::kTeam);
  });
  ASSERT_TRUE(edges.ok());
  std::vector<std::string> flat;
  for (const auto& e : *edges) flat.push_back(e.parent_id + ">" + e.child_id);
  EXPECT_THAT(flat, ElementsAre("member>$read_members", "team_admin>member"));

  auto defs = Call([&](Repositories& r) {
    return r.permissions().ListDefinitions("p", PermissionScope::kTeam);
  });
  ASSERT_TRUE(defs.ok());
  ASSERT_EQ(defs->size(), 4u);
  EXPECT_EQ((*defs)[2].permission_id, "member");
  EXPECT_EQ((*defs)[2].description, std::nullopt);
  EXPECT_THAT((*defs)[3].contained_permission_ids, ElementsAre("member"));

  // Deleting a contained permission removes the edges pointing at it.
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.permissions().DeleteDefinition(
                    "p", PermissionScope::kTeam, "member");
              }).ok());
  auto admin = Call([&](Repositories& r) {
    return r.permissions().GetDefinition("p", PermissionScope::kTeam,
                                         "team_admin");
  });
  EXPECT_THAT(admin->contained_permission_ids, IsEmpty());
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.permissions().DeleteDefinition(
                  "p", PermissionScope::kTeam, "member");
            }).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(db().RunInTransaction([&](Repositories& r) {
                  return r.permissions().UpdateDefinition("nope", renamed);
                })
                .code(),
            absl::StatusCode::kNotFound);
}

TEST_P(TeamPermissionTest, TeamGrantsNeedMembershipAndATeamDefinition) {
  AddTeam("p", "t1");
  ASSERT_TRUE(AddMember("t1", Uuid(1)).ok());
  ASSERT_TRUE(Define(PermissionScope::kTeam, "read").ok());
  ASSERT_TRUE(Define(PermissionScope::kProject, "billing").ok());
  auto grant = [&](const std::string& user, const std::string& perm) {
    return Call([&](Repositories& r) {
      return r.permissions().GrantTeamPermission({"p", "t1", user, perm, T(7)});
    });
  };
  EXPECT_EQ(*grant(Uuid(1), "read"), true);
  EXPECT_EQ(*grant(Uuid(1), "read"), false) << "granting again is a no-op";
  EXPECT_EQ(grant(Uuid(2), "read").status().code(), absl::StatusCode::kNotFound)
      << "not a member";
  EXPECT_EQ(grant(Uuid(1), "billing").status().code(),
            absl::StatusCode::kNotFound)
      << "a project-scope permission";
  EXPECT_THAT(TeamGrantIds("t1", std::nullopt), ElementsAre("t1/000001/read"));
  EXPECT_THAT(TeamGrantIds(std::nullopt, Uuid(2)), IsEmpty());
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.permissions().RevokeTeamPermission("p", "t1", Uuid(1),
                                                            "read");
              }).ok());
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.permissions().RevokeTeamPermission("p", "t1", Uuid(1),
                                                          "read");
            }).code(),
            absl::StatusCode::kNotFound);
}

TEST_P(TeamPermissionTest, ProjectGrants) {
  ASSERT_TRUE(Define(PermissionScope::kProject, "billing").ok());
  ASSERT_TRUE(Define(PermissionScope::kTeam, "read").ok());
  auto grant = [&](const std::string& user, const std::string& perm) {
    return Call([&](Repositories& r) {
      return r.permissions().GrantProjectPermission({"p", user, perm, T(8)});
    });
  };
  EXPECT_EQ(*grant(Uuid(1), "billing"), true);
  EXPECT_EQ(*grant(Uuid(1), "billing"), false);
  EXPECT_EQ(grant(Uuid(3), "billing").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(grant(Uuid(1), "read").status().code(),
            absl::StatusCode::kNotFound);
  auto list = Call([&](Repositories& r) {
    return r.permissions().ListProjectGrants("p", std::nullopt);
  });
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].user_id, Uuid(1));
  EXPECT_EQ((*list)[0].created_at, T(8));
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.permissions().ListProjectGrants("p", Uuid(2));
            })->size(),
            0u);
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.permissions().RevokeProjectPermission("p", Uuid(1),
                                                               "billing");
              }).ok());
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.permissions().RevokeProjectPermission("p", Uuid(1),
                                                             "billing");
            }).code(),
            absl::StatusCode::kNotFound);
}

TEST_P(TeamPermissionTest, InvitationsPendingAcceptedAndRevoked) {
  AddTeam("p", "t1");
  TeamInvitationRecord i;
  i.id = "i1";
  i.project_id = "p";
  i.team_id = "t1";
  i.recipient_email = "new@example.com";
  i.code_hash = "inv-hash";
  i.invited_by_user_id = Uuid(1);
  i.created_at = T(10);
  i.expires_at = T(10) + absl::Hours(1);
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.team_invitations().Create(i);
              }).ok());
  TeamInvitationRecord other = i;
  other.id = "i2";
  other.code_hash = "inv-hash-2";
  other.invited_by_user_id = std::nullopt;
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.team_invitations().Create(other);
              }).ok());
  TeamInvitationRecord wrong_team = i;
  wrong_team.id = "i3";
  wrong_team.team_id = "nope";
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.team_invitations().Create(wrong_team);
            }).code(),
            absl::StatusCode::kNotFound);

  auto found = Call([&](Repositories& r) {
    return r.team_invitations().FindByCodeHash("p", "inv-hash");
  });
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->recipient_email, "new@example.com");
  EXPECT_EQ(found->invited_by_user_id, Uuid(1));
  auto pending = [&](absl::Time now) {
    return Call([&](Repositories& r) {
      return r.team_invitations().ListPending("p", "t1", now);
    });
  };
  EXPECT_EQ(pending(T(11))->size(), 2u);
  EXPECT_EQ(pending(T(10) + absl::Hours(2))->size(), 0u) << "expired";
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.team_invitations().MarkAccepted("p", "i1", T(12));
              }).ok());
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.team_invitations().MarkAccepted("p", "i1", T(13));
            }).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.team_invitations().MarkAccepted("p", "zz", T(13));
            }).code(),
            absl::StatusCode::kNotFound);
  ASSERT_EQ(pending(T(11))->size(), 1u);
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.team_invitations().Delete("p", "other-team", "i2");
            }).code(),
            absl::StatusCode::kNotFound);
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.team_invitations().Delete("p", "t1", "i2");
              }).ok());
  EXPECT_EQ(pending(T(11))->size(), 0u);
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.team_invitations().FindByCodeHash("p", "inv-hash-2");
            })
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

INSTANTIATE_STORAGE_SUITE(TeamPermissionTest);

}  // namespace
}  // namespace latchkey::storage::testing
