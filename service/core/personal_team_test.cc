// Personal teams (personal_team.h) through every sign-up use case, against
// SQLite.

#include "service/core/personal_team.h"

#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "service/core/anonymous_sign_up.h"
#include "service/core/code_sign_in.h"
#include "service/core/password_sign_up.h"
#include "service/core/sign_in_fixture.h"

namespace latchkey::service::core {
namespace {

class PersonalTeamTest : public SignInFixture {
 protected:
  void SetUp() override {
    SignInFixture::SetUp();
    project_.config.set_create_team_on_sign_up(true);
    project_.config.set_magic_link_enabled(true);
    project_.config.set_anonymous_accounts_enabled(true);
  }

  // The display names of the user's teams.
  std::vector<std::string> TeamsOf(const std::string& user_id) {
    std::vector<std::string> names;
    EXPECT_TRUE(db_->Run([&](storage::Repositories& repos) -> absl::Status {
                     auto memberships = repos.teams().ListMembershipsOfUser(
                         project_.project.id, user_id);
                     if (!memberships.ok()) return memberships.status();
                     for (const auto& membership : *memberships) {
                       auto team = repos.teams().Get(project_.project.id,
                                                     membership.team_id);
                       if (!team.ok()) return team.status();
                       names.push_back(team->display_name);
                     }
                     return absl::OkStatus();
                   })
                    .ok());
    return names;
  }

  // Whether the user's selected team is one of theirs.
  bool SelectsItsTeam(const std::string& user_id) {
    const storage::UserView user = User(user_id);
    if (!user.user.selected_team_id.has_value()) return false;
    return db_
        ->Run([&](storage::Repositories& repos) {
          return repos.teams()
              .GetMember(project_.project.id, *user.user.selected_team_id,
                         user_id)
              .status();
        })
        .ok();
  }
};

TEST(PersonalTeamName, DisplayNameThenEmailThenAPlainName) {
  storage::UserView user;
  EXPECT_EQ(PersonalTeamName(user), "Personal Team");
  user.primary_email = "ann@example.com";
  EXPECT_EQ(PersonalTeamName(user), "ann@example.com's Team");
  user.user.display_name = "Ann";
  EXPECT_EQ(PersonalTeamName(user), "Ann's Team");
}

TEST_F(PersonalTeamTest, PasswordSignUpGetsOneAndSelectsIt) {
  PasswordSignUp sign_up(*services_);
  auto result =
      sign_up.Run({project_, "ann@example.com", kPassword, kAddressA});
  ASSERT_TRUE(result.ok()) << result.status();
  const std::string id = result->signed_in.user_id;
  EXPECT_EQ(TeamsOf(id), std::vector<std::string>{"ann@example.com's Team"});
  EXPECT_TRUE(SelectsItsTeam(id));
}

TEST_F(PersonalTeamTest, CodeSignUpGetsOneButASignInDoesNot) {
  CodeSignIn codes(*services_);
  auto mail = codes.SendCode(
      {project_, "bob@example.com", "http://localhost:3000/handler"});
  ASSERT_TRUE(mail.ok()) << mail.status();
  auto signed_up = codes.SignIn({project_, mail->code, std::nullopt});
  ASSERT_TRUE(signed_up.ok()) << signed_up.status();
  const std::string id = signed_up->signed_in.user_id;
  EXPECT_EQ(TeamsOf(id), std::vector<std::string>{"bob@example.com's Team"});
  EXPECT_TRUE(SelectsItsTeam(id));

  auto again = codes.SendCode(
      {project_, "bob@example.com", "http://localhost:3000/handler"});
  ASSERT_TRUE(again.ok()) << again.status();
  ASSERT_TRUE(codes.SignIn({project_, again->code, std::nullopt}).ok());
  EXPECT_EQ(TeamsOf(id).size(), 1u);
}

TEST_F(PersonalTeamTest, GuestsGetOneAndKeepItWhenTheySignUp) {
  AnonymousSignUp anonymous(*services_);
  auto guest = anonymous.Run({project_, kAddressA});
  ASSERT_TRUE(guest.ok()) << guest.status();
  EXPECT_EQ(TeamsOf(guest->user_id), std::vector<std::string>{"Personal Team"});
  EXPECT_TRUE(SelectsItsTeam(guest->user_id));

  PasswordSignUp sign_up(*services_);
  PasswordSignUp::Input input{project_, "guest@example.com", kPassword,
                              kAddressA};
  input.anonymous_user_id = guest->user_id;
  ASSERT_TRUE(sign_up.Run(input).ok());
  EXPECT_EQ(TeamsOf(guest->user_id), std::vector<std::string>{"Personal Team"});
}

TEST_F(PersonalTeamTest, NoneWhenTheProjectDoesNotAsk) {
  project_.config.set_create_team_on_sign_up(false);
  PasswordSignUp sign_up(*services_);
  auto result =
      sign_up.Run({project_, "ann@example.com", kPassword, kAddressA});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(TeamsOf(result->signed_in.user_id).empty());
  EXPECT_FALSE(User(result->signed_in.user_id).user.selected_team_id);
}

}  // namespace
}  // namespace latchkey::service::core
