// A user's provider accounts (Stack's /oauth-providers) on a real SQLite
// database: who may act on whose links, Stack's rules for links that sign
// in, the last-sign-in-method guard, and links whose provider is gone.
#include "service/core/user_oauth_providers.h"

#include <map>

#include "service/core/sign_in_fixture.h"
#include "service/errors/error_matchers.h"

namespace latchkey::service::core {
namespace {

using identity::v1::CANNOT_GET_OWN_USER_WITHOUT_USER;
using identity::v1::CANNOT_REMOVE_LAST_SIGN_IN_METHOD;
using identity::v1::CLIENT_CANNOT_ACCESS_OTHER_USERS;
using identity::v1::OAUTH_CONNECTION_ALREADY_CONNECTED_TO_ANOTHER_USER;
using identity::v1::OAUTH_PROVIDER_ACCOUNT_ID_ALREADY_USED_FOR_SIGN_IN;
using identity::v1::OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED;
using identity::v1::SCHEMA_ERROR;
using identity::v1::USER_ALREADY_SIGNS_IN_WITH_OAUTH_PROVIDER;
using identity::v1::USER_ID_DOES_NOT_EXIST;
using identity::v1::USER_OAUTH_PROVIDER_ALREADY_EXISTS;
using identity::v1::USER_OAUTH_PROVIDER_NOT_FOUND;

constexpr char kNoSuchUser[] = "00000000-0000-4000-8000-0000000000ff";
constexpr char kNoSuchLink[] = "00000000-0000-4000-8000-0000000000fe";

class UserOAuthProvidersTest : public SignInFixture {
 protected:
  void SetUp() override {
    SignInFixture::SetUp();
    if (HasFatalFailure()) return;
    links_ = std::make_unique<UserOAuthProviders>(UserOAuthProvidersDeps{
        .database = *db_,
        .clock = clock_,
        .provider_type = [this](const ProjectSnapshot&, const std::string& id)
            -> absl::StatusOr<std::optional<std::string>> {
          auto found = types_.find(id);
          if (found == types_.end()) return std::nullopt;
          return found->second;
        }});
    // Alice can sign in with her password; Bob has nothing but links.
    alice_ = AddUser("alice@example.com", Argon2Of("a long password"));
    bob_ = AddUser("", std::nullopt);
  }

  LinkActor Server() const { return {}; }
  LinkActor ClientOf(const std::string& user_id) const {
    return {.client = true, .user_id = user_id};
  }

  absl::StatusOr<UserOAuthProvider> Link(const std::string& user_id,
                                         const std::string& provider,
                                         const std::string& account,
                                         bool sign_in, bool connected = true) {
    UserOAuthProviders::CreateInput input;
    input.user_id = user_id;
    input.provider_config_id = provider;
    input.account_id = account;
    input.allow_sign_in = sign_in;
    input.allow_connected_accounts = connected;
    return links_->Create(project_, Server(), input);
  }

  std::map<std::string, std::string> types_ = {{"github", "github"},
                                               {"idp", "oidc"}};
  std::unique_ptr<UserOAuthProviders> links_;
  std::string alice_;
  std::string bob_;
};

TEST_F(UserOAuthProvidersTest, ServerCreatesAndEveryoneReadsTheirOwn) {
  UserOAuthProviders::CreateInput input;
  input.user_id = bob_;
  input.provider_config_id = "github";
  input.account_id = "gh-1";
  input.email = "bob@users.example.com";
  input.allow_sign_in = true;
  input.allow_connected_accounts = false;
  auto created = links_->Create(project_, Server(), input);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->type, "github");
  EXPECT_EQ(created->link.user_id, bob_);
  EXPECT_EQ(created->link.provider_id, "github");
  EXPECT_EQ(created->link.provider_account_id, "gh-1");
  EXPECT_EQ(created->link.email, "bob@users.example.com");
  EXPECT_TRUE(created->link.allow_sign_in);
  EXPECT_FALSE(created->link.allow_connected_accounts);
  clock_.Advance(absl::Seconds(1));
  ASSERT_TRUE(Link(alice_, "idp", "sub-a", true).ok());

  auto own = links_->List(project_, ClientOf(bob_), std::string("me"));
  ASSERT_TRUE(own.ok()) << own.status();
  ASSERT_EQ(own->size(), 1u);
  EXPECT_EQ((*own)[0].link.id, created->link.id);
  auto by_id = links_->List(project_, ClientOf(bob_), bob_);
  ASSERT_TRUE(by_id.ok());
  EXPECT_EQ(by_id->size(), 1u);

  // A server without user_id sees the whole project, oldest first.
  auto all = links_->List(project_, Server(), std::nullopt);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].link.user_id, bob_);
  EXPECT_EQ((*all)[1].type, "oidc");

  auto got = links_->Get(project_, ClientOf(bob_), "me", created->link.id);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->link.provider_account_id, "gh-1");
  EXPECT_EQ(got->type, "github");
}

TEST_F(UserOAuthProvidersTest, ClientsActOnlyOnTheirOwnUser) {
  auto bobs = Link(bob_, "github", "gh-1", true);
  ASSERT_TRUE(bobs.ok());
  const std::string& id = bobs->link.id;
  EXPECT_THAT(links_->List(project_, ClientOf(alice_), bob_),
              HasErrorCode(CLIENT_CANNOT_ACCESS_OTHER_USERS));
  EXPECT_THAT(links_->List(project_, ClientOf(alice_), std::nullopt),
              HasErrorCode(CLIENT_CANNOT_ACCESS_OTHER_USERS));
  EXPECT_THAT(links_->List(project_, ClientOf(""), std::nullopt),
              HasErrorCode(CANNOT_GET_OWN_USER_WITHOUT_USER));
  EXPECT_THAT(links_->List(project_, ClientOf(""), std::string("me")),
              HasErrorCode(CANNOT_GET_OWN_USER_WITHOUT_USER));
  EXPECT_THAT(links_->List(project_, Server(), std::string("me")),
              HasErrorCode(CANNOT_GET_OWN_USER_WITHOUT_USER));
  EXPECT_THAT(links_->Get(project_, ClientOf(alice_), bob_, id),
              HasErrorCode(CLIENT_CANNOT_ACCESS_OTHER_USERS));
  EXPECT_THAT(links_->Update(project_, ClientOf(alice_), bob_, id,
                             {.allow_connected_accounts = false}),
              HasErrorCode(CLIENT_CANNOT_ACCESS_OTHER_USERS));
  EXPECT_THAT(links_->Delete(project_, ClientOf(alice_), bob_, id),
              HasErrorCode(CLIENT_CANNOT_ACCESS_OTHER_USERS));
  // Naming her own user does not reach Bob's link either.
  EXPECT_THAT(links_->Get(project_, ClientOf(alice_), "me", id),
              HasErrorCode(USER_OAUTH_PROVIDER_NOT_FOUND));
  EXPECT_THAT(links_->Update(project_, ClientOf(alice_), alice_, id,
                             {.allow_connected_accounts = false}),
              HasErrorCode(USER_OAUTH_PROVIDER_NOT_FOUND));
  EXPECT_THAT(links_->Delete(project_, ClientOf(alice_), "me", id),
              HasErrorCode(USER_OAUTH_PROVIDER_NOT_FOUND));
  // A server may act on anyone; the link is still there.
  EXPECT_TRUE(links_->Get(project_, Server(), bob_, id).ok());
}

TEST_F(UserOAuthProvidersTest, MissingUsersLinksAndMalformedInput) {
  EXPECT_THAT(links_->List(project_, Server(), std::string(kNoSuchUser)),
              HasErrorCode(USER_ID_DOES_NOT_EXIST));
  EXPECT_THAT(Link(kNoSuchUser, "github", "gh-1", true),
              HasErrorCode(USER_ID_DOES_NOT_EXIST));
  EXPECT_THAT(links_->Get(project_, Server(), kNoSuchUser, kNoSuchLink),
              HasErrorCode(USER_ID_DOES_NOT_EXIST));
  EXPECT_THAT(links_->Get(project_, Server(), bob_, kNoSuchLink),
              HasErrorCode(USER_OAUTH_PROVIDER_NOT_FOUND));
  EXPECT_THAT(links_->Update(project_, Server(), bob_, kNoSuchLink,
                             {.allow_sign_in = true}),
              HasErrorCode(USER_OAUTH_PROVIDER_NOT_FOUND));
  EXPECT_THAT(links_->Delete(project_, Server(), bob_, kNoSuchLink),
              HasErrorCode(USER_OAUTH_PROVIDER_NOT_FOUND));
  EXPECT_THAT(links_->Get(project_, Server(), bob_, "not-a-uuid"),
              HasErrorCode(SCHEMA_ERROR));
  EXPECT_THAT(links_->Delete(project_, Server(), bob_, "not-a-uuid"),
              HasErrorCode(SCHEMA_ERROR));

  EXPECT_THAT(Link(bob_, "nowhere", "x", true),
              HasErrorCode(OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED));
  EXPECT_THAT(Link(bob_, "github", "", true), HasErrorCode(SCHEMA_ERROR));
  UserOAuthProviders::CreateInput input;
  input.user_id = bob_;
  input.provider_config_id = "github";
  input.account_id = "gh-1";
  input.allow_sign_in = true;
  EXPECT_THAT(links_->Create(project_, Server(), input),
              HasErrorCode(SCHEMA_ERROR));  // allow_connected_accounts unset
  input.allow_connected_accounts = true;
  input.email = "not an email";
  EXPECT_THAT(links_->Create(project_, Server(), input),
              HasErrorCode(SCHEMA_ERROR));
  input.allow_sign_in.reset();
  input.email.reset();
  EXPECT_THAT(links_->Create(project_, Server(), input),
              HasErrorCode(SCHEMA_ERROR));

  auto link = Link(bob_, "github", "gh-1", true);
  ASSERT_TRUE(link.ok());
  EXPECT_THAT(links_->Update(project_, Server(), bob_, link->link.id,
                             {.account_id = ""}),
              HasErrorCode(SCHEMA_ERROR));
  EXPECT_THAT(links_->Update(project_, Server(), bob_, link->link.id,
                             {.email = "nope"}),
              HasErrorCode(SCHEMA_ERROR));
}

TEST_F(UserOAuthProvidersTest, StacksRulesForLinksThatSignIn) {
  ASSERT_TRUE(Link(bob_, "github", "gh-1", true).ok());
  // One account per provider signs in for a user.
  auto second = Link(bob_, "github", "gh-2", true);
  EXPECT_THAT(second, HasErrorCode(USER_ALREADY_SIGNS_IN_WITH_OAUTH_PROVIDER));
  EXPECT_EQ(ReadApiError(second.status())->details.at("provider_config_id"),
            "github");
  // Another account without sign-in is fine, and another provider too.
  auto connected_only = Link(bob_, "github", "gh-2", false);
  ASSERT_TRUE(connected_only.ok()) << connected_only.status();
  ASSERT_TRUE(Link(bob_, "idp", "gh-1", true).ok());
  // The same account twice for the same user.
  EXPECT_THAT(Link(bob_, "github", "gh-1", false),
              HasErrorCode(USER_OAUTH_PROVIDER_ALREADY_EXISTS));
  // Someone else's sign-in account.
  EXPECT_THAT(Link(alice_, "github", "gh-1", true),
              HasErrorCode(OAUTH_PROVIDER_ACCOUNT_ID_ALREADY_USED_FOR_SIGN_IN));
  // Someone else's account, either side without sign-in: one user per
  // provider account here.
  EXPECT_THAT(Link(alice_, "github", "gh-1", false),
              HasErrorCode(OAUTH_CONNECTION_ALREADY_CONNECTED_TO_ANOTHER_USER));
  EXPECT_THAT(Link(alice_, "github", "gh-2", true),
              HasErrorCode(OAUTH_CONNECTION_ALREADY_CONNECTED_TO_ANOTHER_USER));

  // Turning sign-in on for the second GitHub account breaks the first rule.
  EXPECT_THAT(links_->Update(project_, ClientOf(bob_), "me",
                             connected_only->link.id, {.allow_sign_in = true}),
              HasErrorCode(USER_ALREADY_SIGNS_IN_WITH_OAUTH_PROVIDER));
  // Moving a link onto an account Alice signs in with: the third rule for
  // Bob's link that signs in, one user per account for the other.
  ASSERT_TRUE(Link(alice_, "github", "gh-alice", true).ok());
  auto listed = links_->List(project_, Server(), bob_);
  ASSERT_TRUE(listed.ok());
  std::string first_id;
  for (const UserOAuthProvider& link : *listed) {
    if (link.link.provider_id == "github" &&
        link.link.provider_account_id == "gh-1") {
      first_id = link.link.id;
    }
  }
  ASSERT_FALSE(first_id.empty());
  EXPECT_THAT(links_->Update(project_, Server(), bob_, first_id,
                             {.account_id = "gh-alice"}),
              HasErrorCode(OAUTH_PROVIDER_ACCOUNT_ID_ALREADY_USED_FOR_SIGN_IN));
  EXPECT_THAT(links_->Update(project_, Server(), bob_, connected_only->link.id,
                             {.account_id = "gh-alice"}),
              HasErrorCode(OAUTH_CONNECTION_ALREADY_CONNECTED_TO_ANOTHER_USER));
  // Nothing changed.
  auto after = links_->Get(project_, Server(), bob_, first_id);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->link.provider_account_id, "gh-1");
}

TEST_F(UserOAuthProvidersTest, UpdatesChangeTheSwitchesAndServerFields) {
  auto link = Link(bob_, "github", "gh-1", true, /*connected=*/false);
  ASSERT_TRUE(link.ok());
  const std::string id = link->link.id;
  auto on = links_->Update(project_, ClientOf(bob_), "me", id,
                           {.allow_connected_accounts = true});
  ASSERT_TRUE(on.ok()) << on.status();
  EXPECT_TRUE(on->link.allow_connected_accounts);
  EXPECT_TRUE(on->link.allow_sign_in);
  EXPECT_EQ(on->type, "github");

  auto moved =
      links_->Update(project_, Server(), bob_, id,
                     {.email = "new@users.example.com", .account_id = "gh-9"});
  ASSERT_TRUE(moved.ok()) << moved.status();
  auto got = links_->Get(project_, Server(), bob_, id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->link.email, "new@users.example.com");
  EXPECT_EQ(got->link.provider_account_id, "gh-9");
  EXPECT_TRUE(got->link.allow_connected_accounts);
  EXPECT_EQ(got->link.created_at, link->link.created_at);
}

TEST_F(UserOAuthProvidersTest, TheLastWayToSignInStays) {
  auto only = Link(bob_, "github", "gh-1", true);
  ASSERT_TRUE(only.ok());
  const std::string id = only->link.id;
  EXPECT_THAT(links_->Delete(project_, ClientOf(bob_), "me", id),
              HasErrorCode(CANNOT_REMOVE_LAST_SIGN_IN_METHOD));
  EXPECT_THAT(
      links_->Update(project_, Server(), bob_, id, {.allow_sign_in = false}),
      HasErrorCode(CANNOT_REMOVE_LAST_SIGN_IN_METHOD));
  // A link without sign-in is no way in: it goes, the last one stays.
  auto connected_only = Link(bob_, "github", "gh-2", false);
  ASSERT_TRUE(connected_only.ok());
  EXPECT_THAT(links_->Delete(project_, ClientOf(bob_), "me", id),
              HasErrorCode(CANNOT_REMOVE_LAST_SIGN_IN_METHOD));
  EXPECT_TRUE(
      links_->Delete(project_, ClientOf(bob_), "me", connected_only->link.id)
          .ok());
  // With another link that signs in, either may go.
  auto other = Link(bob_, "idp", "sub-1", true);
  ASSERT_TRUE(other.ok());
  auto off = links_->Update(project_, ClientOf(bob_), "me", id,
                            {.allow_sign_in = false});
  ASSERT_TRUE(off.ok()) << off.status();
  EXPECT_FALSE(off->link.allow_sign_in);
  EXPECT_TRUE(links_->Delete(project_, ClientOf(bob_), "me", id).ok());
  EXPECT_THAT(links_->Get(project_, Server(), bob_, id),
              HasErrorCode(USER_OAUTH_PROVIDER_NOT_FOUND));
  EXPECT_THAT(links_->Delete(project_, ClientOf(bob_), "me", other->link.id),
              HasErrorCode(CANNOT_REMOVE_LAST_SIGN_IN_METHOD));

  // Alice signs in with her password and email, so her only link may go.
  auto alices = Link(alice_, "github", "gh-a", true);
  ASSERT_TRUE(alices.ok());
  EXPECT_TRUE(
      links_->Delete(project_, ClientOf(alice_), "me", alices->link.id).ok());
}

TEST_F(UserOAuthProvidersTest, LinksOfProvidersThatAreGone) {
  types_["custom"] = "oidc";
  auto custom = Link(bob_, "custom", "c-1", true);
  ASSERT_TRUE(custom.ok());
  auto github = Link(bob_, "github", "gh-1", true);
  ASSERT_TRUE(github.ok());
  types_.erase("custom");
  types_.erase("github");
  // A removed provider whose id is a type keeps showing with that type; a
  // custom id cannot be shown, so it is left out and cannot be read.
  auto list = links_->List(project_, Server(), bob_);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].link.id, github->link.id);
  EXPECT_EQ((*list)[0].type, "github");
  EXPECT_THAT(links_->Get(project_, Server(), bob_, custom->link.id),
              HasErrorCode(USER_OAUTH_PROVIDER_NOT_FOUND));
  EXPECT_THAT(links_->Update(project_, Server(), bob_, custom->link.id,
                             {.allow_connected_accounts = false}),
              HasErrorCode(USER_OAUTH_PROVIDER_NOT_FOUND));
  // And no new link to it.
  EXPECT_THAT(Link(alice_, "github", "gh-2", true),
              HasErrorCode(OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED));
}

}  // namespace
}  // namespace latchkey::service::core
