// Conformance: users, their derived view, pagination, and the unique-email
// race, on every backend.
#include <algorithm>
#include <atomic>
#include <latch>
#include <set>
#include <thread>
#include <vector>

#include "common/status_macros.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/errors.h"
#include "storage/user_cursor.h"
#include "tests/storage/storage_test_base.h"

namespace latchkey::storage::testing {
namespace {

class UserRepositoryTest : public StorageTest {
 protected:
  void SetUp() override {
    StorageTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    AddProject("p");
    AddProject("q");
  }

  absl::StatusOr<UserView> Get(const std::string& project,
                               const std::string& id) {
    return Call([&](Repositories& r) { return r.users().Get(project, id); });
  }

  absl::StatusOr<UserPage> List(const UserListQuery& query) {
    return Call([&](Repositories& r) { return r.users().List("p", query); });
  }

  static std::vector<std::string> Ids(const UserPage& page) {
    std::vector<std::string> ids;
    for (const UserView& v : page.users) ids.push_back(v.user.id);
    return ids;
  }
};

TEST_P(UserRepositoryTest, CreateThenGetRoundTripsEveryField) {
  UserRecord u = MakeUser("p", Uuid(1), T(100) + absl::Microseconds(7));
  u.display_name = std::nullopt;
  u.profile_image_url = "https://img.example/a.png";
  u.client_metadata_json = R"({"theme":"dark","n":[1,2]})";
  u.client_read_only_metadata_json = "null";
  u.server_metadata_json = R"("just a string")";
  u.is_anonymous = true;
  u.restricted_by_admin = true;
  u.restricted_by_admin_reason = "spam";
  u.restricted_by_admin_private_details = "reported twice";
  u.otp_auth_enabled = true;
  u.passkey_auth_enabled = true;
  u.external_id = "auth0|123";
  u.country_code = "DE";
  u.risk_score_bot = 42;
  u.risk_score_free_trial_abuse = 7;
  u.last_active_at = T(200);
  ASSERT_TRUE(Call([&](Repositories& r) { return r.users().Create(u); }).ok());

  absl::StatusOr<UserView> got = Get("p", Uuid(1));
  ASSERT_TRUE(got.ok()) << got.status();
  const UserRecord& g = got->user;
  EXPECT_EQ(g.id, u.id);
  EXPECT_EQ(g.project_id, "p");
  EXPECT_EQ(g.display_name, std::nullopt);
  EXPECT_EQ(g.profile_image_url, u.profile_image_url);
  EXPECT_EQ(g.client_metadata_json, u.client_metadata_json);
  EXPECT_EQ(g.client_read_only_metadata_json, "null");
  EXPECT_EQ(g.server_metadata_json, u.server_metadata_json);
  EXPECT_TRUE(g.is_anonymous);
  EXPECT_TRUE(g.restricted_by_admin);
  EXPECT_EQ(g.restricted_by_admin_reason, "spam");
  EXPECT_EQ(g.restricted_by_admin_private_details, "reported twice");
  EXPECT_EQ(g.selected_team_id, std::nullopt);
  EXPECT_TRUE(g.otp_auth_enabled);
  EXPECT_TRUE(g.passkey_auth_enabled);
  EXPECT_EQ(g.external_id, "auth0|123");
  EXPECT_EQ(g.country_code, "DE");
  EXPECT_EQ(g.risk_score_bot, 42);
  EXPECT_EQ(g.risk_score_free_trial_abuse, 7);
  EXPECT_EQ(g.signed_up_at, u.signed_up_at);
  EXPECT_EQ(g.last_active_at, T(200));
  EXPECT_EQ(got->primary_email, std::nullopt);
  EXPECT_FALSE(got->has_password);
  EXPECT_FALSE(got->has_totp);
  EXPECT_FALSE(got->has_oauth_accounts);
}

TEST_P(UserRepositoryTest, UnknownUserIsNotFound) {
  EXPECT_EQ(Get("p", Uuid(9)).status().code(), absl::StatusCode::kNotFound);
}

TEST_P(UserRepositoryTest, UsersAreInvisibleFromOtherProjects) {
  AddUser("p", Uuid(1), T(1));
  EXPECT_EQ(Get("q", Uuid(1)).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.users().Delete("q", Uuid(1));
            }).code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(Get("p", Uuid(1)).ok());
}

TEST_P(UserRepositoryTest, DuplicateIdIsAlreadyExistsNamingThePrimaryKey) {
  AddUser("p", Uuid(1), T(1));
  absl::Status status = Call([&](Repositories& r) {
    return r.users().Create(MakeUser("p", Uuid(1), T(2)));
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ViolatedConstraint(status), "users_pkey");
}

TEST_P(UserRepositoryTest, ExternalIdIsUniquePerProjectAndFindable) {
  UserRecord a = MakeUser("p", Uuid(1), T(1));
  a.external_id = "ext-1";
  UserRecord b = MakeUser("p", Uuid(2), T(2));
  b.external_id = "ext-1";
  UserRecord c = MakeUser("q", Uuid(3), T(3));
  c.external_id = "ext-1";
  ASSERT_TRUE(Call([&](Repositories& r) { return r.users().Create(a); }).ok());
  absl::Status dup = Call([&](Repositories& r) { return r.users().Create(b); });
  EXPECT_EQ(dup.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ViolatedConstraint(dup), "users_external_id_unique");
  EXPECT_TRUE(Call([&](Repositories& r) { return r.users().Create(c); }).ok());
  auto found = Call([&](Repositories& r) {
    return r.users().FindByExternalId("p", "ext-1");
  });
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->user.id, Uuid(1));
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.users().FindByExternalId("p", "nope");
            })
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

TEST_P(UserRepositoryTest, MalformedMetadataIsInvalidArgument) {
  UserRecord u = MakeUser("p", Uuid(1), T(1));
  u.server_metadata_json = "{not json";
  EXPECT_EQ(Call([&](Repositories& r) { return r.users().Create(u); }).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Get("p", Uuid(1)).status().code(), absl::StatusCode::kNotFound);
}

TEST_P(UserRepositoryTest, UserOfUnknownProjectIsNotFound) {
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.users().Create(MakeUser("nowhere", Uuid(1), T(1)));
            }).code(),
            absl::StatusCode::kNotFound);
}

TEST_P(UserRepositoryTest, ViewDerivesPrimaryEmailAndCredentials) {
  AddUser("p", Uuid(1), T(1));
  AddEmail("p", Uuid(1), "a@example.com");
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.credentials().SetPassword(
                    "p", {Uuid(1), "$argon2id$...", "argon2id", T(2)});
              }).ok());
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.credentials().SetTotpSecret("p", {Uuid(1), "k", T(2)});
              }).ok());
  auto view = Get("p", Uuid(1));
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->primary_email, "a@example.com");
  EXPECT_FALSE(view->primary_email_verified);
  EXPECT_TRUE(view->primary_email_auth_enabled);
  EXPECT_TRUE(view->has_password);
  EXPECT_TRUE(view->has_totp);
  EXPECT_FALSE(view->has_oauth_accounts);
  OAuthAccountRecord account;
  account.id = "o1";
  account.project_id = "p";
  account.user_id = Uuid(1);
  account.provider_id = "github";
  account.provider_account_id = "12345";
  account.created_at = T(3);
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.oauth_accounts().Create(account);
              }).ok());
  view = Get("p", Uuid(1));
  ASSERT_TRUE(view.ok());
  EXPECT_TRUE(view->has_oauth_accounts);
}

TEST_P(UserRepositoryTest, FindByAuthEmailOnlyMatchesSignInChannels) {
  AddUser("p", Uuid(1), T(1));
  AddUser("p", Uuid(2), T(2));
  AddEmail("p", Uuid(1), "auth@example.com", /*used_for_auth=*/true);
  AddEmail("p", Uuid(2), "contact@example.com", /*used_for_auth=*/false);
  auto found = Call([&](Repositories& r) {
    return r.users().FindByAuthEmail("p", "auth@example.com");
  });
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->user.id, Uuid(1));
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.users().FindByAuthEmail("p", "contact@example.com");
            })
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.users().FindByAuthEmail("q", "auth@example.com");
            })
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

TEST_P(UserRepositoryTest, UpdateOverwritesAndTouchStampsActivity) {
  UserRecord u = AddUser("p", Uuid(1), T(1));
  TeamRecord team = AddTeam("p", "team-1");
  u.display_name = "Renamed";
  u.selected_team_id = team.id;
  u.restricted_by_admin = true;
  ASSERT_TRUE(Call([&](Repositories& r) { return r.users().Update(u); }).ok());
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.users().TouchLastActive("p", Uuid(1), T(50));
              }).ok());
  auto got = Get("p", Uuid(1));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->user.display_name, "Renamed");
  EXPECT_EQ(got->user.selected_team_id, "team-1");
  EXPECT_TRUE(got->user.restricted_by_admin);
  EXPECT_EQ(got->user.last_active_at, T(50));

  UserRecord ghost = MakeUser("p", Uuid(9), T(1));
  EXPECT_EQ(
      Call([&](Repositories& r) { return r.users().Update(ghost); }).code(),
      absl::StatusCode::kNotFound);
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.users().TouchLastActive("p", Uuid(9), T(1));
            }).code(),
            absl::StatusCode::kNotFound);
}

TEST_P(UserRepositoryTest, CountSeparatesAnonymousUsers) {
  AddUser("p", Uuid(1), T(1));
  UserRecord anon = MakeUser("p", Uuid(2), T(2));
  anon.is_anonymous = true;
  ASSERT_TRUE(
      Call([&](Repositories& r) { return r.users().Create(anon); }).ok());
  EXPECT_EQ(*Call([&](Repositories& r) { return r.users().Count("p", false); }),
            1);
  EXPECT_EQ(*Call([&](Repositories& r) { return r.users().Count("p", true); }),
            2);
  EXPECT_EQ(*Call([&](Repositories& r) { return r.users().Count("q", true); }),
            0);
}

TEST_P(UserRepositoryTest, ListFiltersAnonymousRestrictedUnverifiedAndTeams) {
  AddUser("p", Uuid(1), T(1));
  UserRecord anon = MakeUser("p", Uuid(2), T(2));
  anon.is_anonymous = true;
  UserRecord banned = MakeUser("p", Uuid(3), T(3));
  banned.restricted_by_admin = true;
  ASSERT_TRUE(Call([&](Repositories& r) {
                LATCHKEY_RETURN_IF_ERROR(r.users().Create(anon));
                return r.users().Create(banned);
              }).ok());
  AddEmail("p", Uuid(1), "one@example.com");
  AddTeam("p", "t");
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.teams().AddMember(
                    {"p", "t", Uuid(3), std::nullopt, std::nullopt, T(4)});
              }).ok());

  UserListQuery q;
  EXPECT_THAT(Ids(*List(q)), ::testing::ElementsAre(Uuid(1), Uuid(3)));
  q.include_anonymous = true;
  EXPECT_THAT(Ids(*List(q)), ::testing::ElementsAre(Uuid(1), Uuid(2), Uuid(3)));
  q.include_restricted_by_admin = false;
  EXPECT_THAT(Ids(*List(q)), ::testing::ElementsAre(Uuid(1), Uuid(2)));
  UserListQuery verified;
  verified.require_verified_primary_email = true;
  EXPECT_THAT(Ids(*List(verified)), ::testing::IsEmpty());
  UserListQuery team;
  team.team_id = "t";
  EXPECT_THAT(Ids(*List(team)), ::testing::ElementsAre(Uuid(3)));
}

TEST_P(UserRepositoryTest, SearchIsCaseInsensitiveAndLiteral) {
  UserRecord a = MakeUser("p", Uuid(1), T(1));
  a.display_name = "Ada Lovelace";
  UserRecord b = MakeUser("p", Uuid(2), T(2));
  b.display_name = "100% Grace";
  UserRecord c = MakeUser("p", Uuid(3), T(3));
  c.display_name = "Linus";
  ASSERT_TRUE(Call([&](Repositories& r) {
                LATCHKEY_RETURN_IF_ERROR(r.users().Create(a));
                LATCHKEY_RETURN_IF_ERROR(r.users().Create(b));
                return r.users().Create(c);
              }).ok());
  AddEmail("p", Uuid(3), "torvalds@kernel.example");
  UserListQuery q;
  q.search = "LOVE";
  EXPECT_THAT(Ids(*List(q)), ::testing::ElementsAre(Uuid(1)));
  q.search = "0%";  // % is a literal, not a wildcard.
  EXPECT_THAT(Ids(*List(q)), ::testing::ElementsAre(Uuid(2)));
  q.search = "KERNEL";
  EXPECT_THAT(Ids(*List(q)), ::testing::ElementsAre(Uuid(3)));
  q.search = "_";
  EXPECT_THAT(Ids(*List(q)), ::testing::IsEmpty());
}

TEST_P(UserRepositoryTest, DescendingOrderAndBadQueriesAreRejected) {
  for (int i = 1; i <= 5; ++i) AddUser("p", Uuid(i), T(i));
  UserListQuery q;
  q.descending = true;
  q.limit = 2;
  auto first = List(q);
  ASSERT_TRUE(first.ok());
  EXPECT_THAT(Ids(*first), ::testing::ElementsAre(Uuid(5), Uuid(4)));
  ASSERT_TRUE(first->next_cursor.has_value());
  q.cursor = first->next_cursor;
  EXPECT_THAT(Ids(*List(q)), ::testing::ElementsAre(Uuid(3), Uuid(2)));

  UserListQuery other_direction;
  other_direction.cursor = first->next_cursor;
  EXPECT_EQ(List(other_direction).status().code(),
            absl::StatusCode::kInvalidArgument);
  UserListQuery garbage;
  garbage.cursor = "%%%";
  EXPECT_EQ(List(garbage).status().code(), absl::StatusCode::kInvalidArgument);
  for (int limit : {0, -1, 1001}) {
    UserListQuery bad;
    bad.limit = limit;
    EXPECT_EQ(List(bad).status().code(), absl::StatusCode::kInvalidArgument)
        << limit;
  }
  UserListQuery all;
  all.limit = 5;
  auto whole = List(all);
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(whole->users.size(), 5u);
  EXPECT_EQ(whole->next_cursor, std::nullopt);
}

TEST_P(UserRepositoryTest, PaginationOverTenThousandUsersIsExactUnderInserts) {
  constexpr int kUsers = 10'000;
  // Ten users share each timestamp, so the id tie-break is exercised.
  std::vector<std::string> expected;
  ASSERT_TRUE(db().RunInTransaction([&](Repositories& r) {
                    for (int i = 0; i < kUsers; ++i) {
                      LATCHKEY_RETURN_IF_ERROR(r.users().Create(
                          MakeUser("p", Uuid(i), T(1000 + i / 10))));
                    }
                    return absl::OkStatus();
                  })
                  .ok());
  for (int i = 0; i < kUsers; ++i) expected.push_back(Uuid(i));
  std::sort(expected.begin(), expected.end(),
            [](const std::string& a, const std::string& b) {
              // Same order as the database: timestamp, then id. Uuid(i) sorts
              // like i, and the timestamp is monotonic in i, so plain id order
              // is right.
              return a < b;
            });

  // A writer keeps inserting users before, among and after the existing
  // ones while the reader pages through.
  std::atomic<bool> done{false};
  std::atomic<int> inserted{0};
  std::thread writer([&] {
    for (int n = 0; !done.load(); ++n) {
      const int64_t offset = (n % 3 == 0) ? 0 : (n % 3 == 1) ? 1500 : 99'999;
      absl::Status status = db().Run([&](Repositories& r) {
        return r.users().Create(
            MakeUser("p", Uuid(1'000'000 + n), T(offset + n % 7)));
      });
      if (status.ok()) inserted.fetch_add(1);
    }
  });

  std::vector<std::string> seen;
  UserListQuery q;
  q.limit = 137;
  int pages = 0;
  while (true) {
    auto page = List(q);
    ASSERT_TRUE(page.ok()) << page.status();
    ++pages;
    for (const UserView& v : page->users) seen.push_back(v.user.id);
    if (!page->next_cursor.has_value()) break;
    q.cursor = page->next_cursor;
  }
  done = true;
  writer.join();
  EXPECT_GT(inserted.load(), 0);

  // Every original user exactly once, in order; concurrent inserts may
  // appear only after the cursor had passed their position.
  std::vector<std::string> originals;
  for (const std::string& id : seen) {
    if (id < Uuid(1'000'000)) originals.push_back(id);
  }
  EXPECT_EQ(originals, expected);
  std::set<std::string> unique(seen.begin(), seen.end());
  EXPECT_EQ(unique.size(), seen.size()) << "a user was returned twice";
  EXPECT_GE(pages, kUsers / 137);
}

TEST_P(UserRepositoryTest, EightConcurrentSignUpsWithOneEmailYieldOneUser) {
  constexpr int kThreads = 8;
  std::latch start(kThreads);
  std::vector<absl::Status> results(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      results[t] = db().RunInTransaction([&](Repositories& r) {
        LATCHKEY_RETURN_IF_ERROR(
            r.users().Create(MakeUser("p", Uuid(100 + t), T(t))));
        ContactChannelRecord email;
        email.id = Uuid(200 + t);
        email.project_id = "p";
        email.user_id = Uuid(100 + t);
        email.value = "same@example.com";
        email.is_primary = true;
        email.used_for_auth = true;
        email.created_at = T(t);
        LATCHKEY_RETURN_IF_ERROR(r.contact_channels().Create(email));
        return r.credentials().SetPassword(
            "p", {Uuid(100 + t), "hash", "argon2id", T(t)});
      });
    });
  }
  for (auto& t : threads) t.join();
  int winners = 0;
  std::string winner;
  for (int t = 0; t < kThreads; ++t) {
    if (results[t].ok()) {
      ++winners;
      winner = Uuid(100 + t);
      continue;
    }
    EXPECT_EQ(results[t].code(), absl::StatusCode::kAlreadyExists)
        << results[t];
    EXPECT_EQ(ViolatedConstraint(results[t]), "contact_channels_auth_unique");
    // Nothing half-written: the loser's user row was rolled back too.
    EXPECT_EQ(Get("p", Uuid(100 + t)).status().code(),
              absl::StatusCode::kNotFound);
  }
  EXPECT_EQ(winners, 1);
  EXPECT_EQ(*Call([&](Repositories& r) { return r.users().Count("p", true); }),
            1);
  auto found = Call([&](Repositories& r) {
    return r.users().FindByAuthEmail("p", "same@example.com");
  });
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->user.id, winner);
  EXPECT_TRUE(found->has_password);
}

INSTANTIATE_STORAGE_SUITE(UserRepositoryTest);

}  // namespace
}  // namespace latchkey::storage::testing
