// Conformance: what deleting a user or a team takes with it (ON DELETE
// CASCADE and SET NULL), on every backend.
#include "common/status_macros.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/errors.h"
#include "tests/storage/team_storage_test.h"

namespace latchkey::storage::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

class CascadeTest : public TeamStorageTest {};

TEST_P(CascadeTest, DeletingAUserCascadesToEverythingTheyOwn) {
  AddTeam("p", "t1");
  AddEmail("p", Uuid(1), "gone@example.com");
  ASSERT_TRUE(AddMember("t1", Uuid(1)).ok());
  ASSERT_TRUE(AddMember("t1", Uuid(2)).ok());
  ASSERT_TRUE(Define(PermissionScope::kTeam, "read").ok());
  ASSERT_TRUE(Define(PermissionScope::kProject, "billing").ok());
  ASSERT_TRUE(Call([&](Repositories& r) -> absl::Status {
                LATCHKEY_RETURN_IF_ERROR(
                    r.permissions()
                        .GrantTeamPermission({"p", "t1", Uuid(1), "read", T(7)})
                        .status());
                LATCHKEY_RETURN_IF_ERROR(
                    r.permissions()
                        .GrantTeamPermission({"p", "t1", Uuid(2), "read", T(7)})
                        .status());
                LATCHKEY_RETURN_IF_ERROR(
                    r.permissions()
                        .GrantProjectPermission({"p", Uuid(1), "billing", T(7)})
                        .status());
                LATCHKEY_RETURN_IF_ERROR(r.credentials().SetPassword(
                    "p", {Uuid(1), "h", "argon2id", T(7)}));
                LATCHKEY_RETURN_IF_ERROR(
                    r.credentials().SetTotpSecret("p", {Uuid(1), "s", T(7)}));
                SessionRecord s;
                s.id = "s1";
                s.project_id = "p";
                s.user_id = Uuid(1);
                s.refresh_token_hash = "rt";
                s.rotation_family_id = "s1";
                s.created_at = T(7);
                LATCHKEY_RETURN_IF_ERROR(r.sessions().Create(s));
                OAuthAccountRecord o;
                o.id = "o1";
                o.project_id = "p";
                o.user_id = Uuid(1);
                o.provider_id = "google";
                o.provider_account_id = "g1";
                o.created_at = T(7);
                LATCHKEY_RETURN_IF_ERROR(r.oauth_accounts().Create(o));
                PasskeyRecord k;
                k.id = "k1";
                k.project_id = "p";
                k.user_id = Uuid(1);
                k.credential_id = "c1";
                k.public_key = "pk";
                k.created_at = T(7);
                LATCHKEY_RETURN_IF_ERROR(r.passkeys().Create(k));
                VerificationCodeRecord v;
                v.id = "v1";
                v.project_id = "p";
                v.purpose = "password_reset";
                v.code_hash = "vh";
                v.user_id = Uuid(1);
                v.created_at = T(7);
                v.expires_at = T(9);
                return r.verification_codes().Create(v);
              }).ok());

  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.users().Delete("p", Uuid(1));
              }).ok());

  auto code = [](const auto& result) { return result.status().code(); };
  const auto kNotFound = absl::StatusCode::kNotFound;
  EXPECT_EQ(
      code(Call([&](Repositories& r) { return r.sessions().Get("p", "s1"); })),
      kNotFound);
  EXPECT_EQ(code(Call([&](Repositories& r) {
              return r.credentials().GetPassword("p", Uuid(1));
            })),
            kNotFound);
  EXPECT_EQ(code(Call([&](Repositories& r) {
              return r.credentials().GetTotpSecret("p", Uuid(1));
            })),
            kNotFound);
  EXPECT_EQ(code(Call([&](Repositories& r) {
              return r.contact_channels().FindAuthChannel("p", "email",
                                                          "gone@example.com");
            })),
            kNotFound);
  EXPECT_EQ(code(Call([&](Repositories& r) {
              return r.oauth_accounts().FindByProviderAccount("p", "google",
                                                              "g1");
            })),
            kNotFound);
  EXPECT_EQ(code(Call([&](Repositories& r) {
              return r.passkeys().FindByCredentialId("p", "c1");
            })),
            kNotFound);
  EXPECT_EQ(code(Call([&](Repositories& r) {
              return r.verification_codes().FindByHash("p", "password_reset",
                                                       "vh");
            })),
            kNotFound);
  EXPECT_EQ(code(Call([&](Repositories& r) {
              return r.teams().GetMember("p", "t1", Uuid(1));
            })),
            kNotFound);
  EXPECT_THAT(TeamGrantIds(std::nullopt, std::nullopt),
              ElementsAre("t1/000002/read"))
      << "only the other member's grant remains";
  EXPECT_THAT(*Call([&](Repositories& r) {
    return r.permissions().ListProjectGrants("p", std::nullopt);
  }),
              IsEmpty());
  // The email is free again for a new sign-up.
  AddUser("p", Uuid(4), T(4));
  AddEmail("p", Uuid(4), "gone@example.com");
}

TEST_P(CascadeTest, DeletingATeamCascadesToMembershipsGrantsInvites) {
  AddTeam("p", "t1");
  AddTeam("p", "t2");
  ASSERT_TRUE(AddMember("t1", Uuid(1)).ok());
  ASSERT_TRUE(AddMember("t2", Uuid(1)).ok());
  ASSERT_TRUE(Define(PermissionScope::kTeam, "read").ok());
  ASSERT_TRUE(Call([&](Repositories& r) -> absl::Status {
                LATCHKEY_RETURN_IF_ERROR(
                    r.permissions()
                        .GrantTeamPermission({"p", "t1", Uuid(1), "read", T(7)})
                        .status());
                LATCHKEY_RETURN_IF_ERROR(
                    r.permissions()
                        .GrantTeamPermission({"p", "t2", Uuid(1), "read", T(7)})
                        .status());
                LATCHKEY_ASSIGN_OR_RETURN(UserView v,
                                          r.users().Get("p", Uuid(1)));
                v.user.selected_team_id = "t1";
                LATCHKEY_RETURN_IF_ERROR(r.users().Update(v.user));
                TeamInvitationRecord i;
                i.id = "i1";
                i.project_id = "p";
                i.team_id = "t1";
                i.recipient_email = "x@example.com";
                i.code_hash = "ih";
                i.created_at = T(7);
                i.expires_at = T(99);
                return r.team_invitations().Create(i);
              }).ok());
  ASSERT_TRUE(
      Call([&](Repositories& r) { return r.teams().Delete("p", "t1"); }).ok());
  EXPECT_EQ(
      Call([&](Repositories& r) { return r.teams().Delete("p", "t1"); }).code(),
      absl::StatusCode::kNotFound);
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.teams().GetMember("p", "t1", Uuid(1));
            })
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  EXPECT_THAT(TeamGrantIds(std::nullopt, std::nullopt),
              ElementsAre("t2/000001/read"));
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.team_invitations().FindByCodeHash("p", "ih");
            })
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  auto user =
      Call([&](Repositories& r) { return r.users().Get("p", Uuid(1)); });
  ASSERT_TRUE(user.ok()) << "the user survives their team";
  EXPECT_EQ(user->user.selected_team_id, std::nullopt);
}

INSTANTIATE_STORAGE_SUITE(CascadeTest);

}  // namespace
}  // namespace latchkey::storage::testing
