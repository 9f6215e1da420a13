// Conformance: projects and config overrides, API key sets, OAuth
// providers, the audit log and rate-limit counters.
#include <atomic>
#include <latch>
#include <set>
#include <thread>
#include <vector>

#include "common/status_macros.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/errors.h"
#include "tests/storage/storage_test_base.h"

namespace latchkey::storage::testing {
namespace {

using ::testing::ElementsAre;

class ProjectRepositoryTest : public StorageTest {};

std::vector<std::string> ProjectIds(const std::vector<ProjectRecord>& list) {
  std::vector<std::string> ids;
  for (const ProjectRecord& p : list) ids.push_back(p.id);
  return ids;
}

TEST_P(ProjectRepositoryTest, ProjectsRoundTripUpdateAndOwnership) {
  AddProject("internal");
  AddProject("p");
  AddUser("internal", Uuid(1), T(1));
  AddTeam("internal", "owners");
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.teams().AddMember({"internal", "owners", Uuid(1),
                                            std::nullopt, std::nullopt, T(2)});
              }).ok());
  ProjectRecord p{"p", "Renamed", "desc", T(0), "owners"};
  ASSERT_TRUE(
      Call([&](Repositories& r) { return r.projects().Update(p); }).ok());
  auto got = Call([&](Repositories& r) { return r.projects().Get("p"); });
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->display_name, "Renamed");
  EXPECT_EQ(got->description, "desc");
  EXPECT_EQ(got->owner_team_id, "owners");
  EXPECT_EQ(got->created_at, T(0));
  EXPECT_THAT(ProjectIds(*Call([&](Repositories& r) {
                return r.projects().ListOwnedByUser(Uuid(1));
              })),
              ElementsAre("p"));
  EXPECT_THAT(
      ProjectIds(*Call([&](Repositories& r) { return r.projects().List(); })),
      ElementsAre("internal", "p"));
  EXPECT_EQ(Call([&](Repositories& r) { return r.projects().Get("nope"); })
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  absl::Status dup = Call([&](Repositories& r) {
    return r.projects().Create(
        {"p", "again", std::nullopt, T(1), std::nullopt});
  });
  EXPECT_EQ(dup.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ViolatedConstraint(dup), "projects_pkey");
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.projects().Update(
                  {"nope", "x", std::nullopt, T(1), std::nullopt});
            }).code(),
            absl::StatusCode::kNotFound);
  // Deleting the owner team leaves the project without an owner.
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.teams().Delete("internal", "owners");
              }).ok());
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.projects().Get("p");
            })->owner_team_id,
            std::nullopt);
}

TEST_P(ProjectRepositoryTest, ConfigOverridesAreKeptAsData) {
  AddProject("p");
  const std::string first = R"({"password_min_length":10})";
  const std::string second = R"({"rate_limits.sign_in_per_ip.limit":50})";
  ASSERT_TRUE(
      Call([&](Repositories& r) {
        return r.projects().SetConfigOverride({"p", "project", first, T(1)});
      }).ok());
  ASSERT_TRUE(
      Call([&](Repositories& r) {
        return r.projects().SetConfigOverride({"p", "project", second, T(2)});
      }).ok());
  ASSERT_TRUE(
      Call([&](Repositories& r) {
        return r.projects().SetConfigOverride({"p", "branch", "{}", T(3)});
      }).ok());
  auto overrides = Call(
      [&](Repositories& r) { return r.projects().ListConfigOverrides("p"); });
  ASSERT_TRUE(overrides.ok());
  ASSERT_EQ(overrides->size(), 2u);
  EXPECT_EQ((*overrides)[1].level, "project");
  EXPECT_EQ((*overrides)[1].override_json, second);
  EXPECT_EQ((*overrides)[1].updated_at, T(2));
  for (const char* bad : {"[1]", "not json", "3"}) {
    EXPECT_EQ(
        Call([&](Repositories& r) {
          return r.projects().SetConfigOverride({"p", "project", bad, T(4)});
        }).code(),
        absl::StatusCode::kInvalidArgument)
        << bad;
  }
  EXPECT_EQ(
      Call([&](Repositories& r) {
        return r.projects().SetConfigOverride({"nope", "project", "{}", T(4)});
      }).code(),
      absl::StatusCode::kNotFound);
}

TEST_P(ProjectRepositoryTest, DeletingAProjectDeletesEverythingInIt) {
  AddProject("p");
  AddProject("q");
  AddUser("p", Uuid(1), T(1));
  AddUser("q", Uuid(2), T(1));
  AddTeam("p", "t");
  AddEmail("p", Uuid(1), "a@example.com");
  ASSERT_TRUE(
      Call([&](Repositories& r) { return r.projects().Delete("p"); }).ok());
  EXPECT_EQ(
      Call([&](Repositories& r) { return r.projects().Delete("p"); }).code(),
      absl::StatusCode::kNotFound);
  EXPECT_EQ(Call([&](Repositories& r) { return r.users().Get("p", Uuid(1)); })
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Call([&](Repositories& r) { return r.teams().Get("p", "t"); })
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(
      Call([&](Repositories& r) { return r.users().Get("q", Uuid(2)); }).ok());
}

ApiKeySetRecord KeySet(const std::string& id, const std::string& prefix) {
  ApiKeySetRecord k;
  k.id = id;
  k.project_id = "p";
  k.description = "keys " + id;
  k.created_at = T(1);
  k.expires_at = T(1000);
  k.publishable_client_key = StoredApiKey{prefix + "-pck-hash", "abcd"};
  k.super_secret_admin_key = StoredApiKey{prefix + "-sak-hash", "wxyz"};
  return k;
}

TEST_P(ProjectRepositoryTest, ApiKeySetsAreFoundByHashAndRevokedOnce) {
  AddProject("p");
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.api_keys().Create(KeySet("k1", "one"));
              }).ok());
  auto found = Call([&](Repositories& r) {
    return r.api_keys().FindByKeyHash(ApiKeyKind::kPublishableClient,
                                      "one-pck-hash");
  });
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->id, "k1");
  EXPECT_EQ(found->publishable_client_key->last_four, "abcd");
  EXPECT_EQ(found->secret_server_key, std::nullopt);
  EXPECT_EQ(found->super_secret_admin_key->hash, "one-sak-hash");
  EXPECT_EQ(found->expires_at, T(1000));
  // A hash only matches its own kind.
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.api_keys().FindByKeyHash(ApiKeyKind::kSecretServer,
                                                "one-pck-hash");
            })
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(Call([&](Repositories& r) {
                return r.api_keys().FindByKeyHash(ApiKeyKind::kSuperSecretAdmin,
                                                  "one-sak-hash");
              }).ok());
  absl::Status dup = Call([&](Repositories& r) {
    ApiKeySetRecord again = KeySet("k2", "one");
    // Only the publishable key collides, so the constraint is unambiguous.
    again.super_secret_admin_key = StoredApiKey{"two-sak-hash", "qqqq"};
    return r.api_keys().Create(again);
  });
  EXPECT_EQ(dup.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ViolatedConstraint(dup), "api_key_sets_publishable_unique");

  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.api_keys().UpdateDescription("p", "k1", "renamed");
              }).ok());
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.api_keys().Revoke("p", "k1", T(5));
              }).ok());
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.api_keys().Revoke("p", "k1", T(9));
              }).ok());
  auto got = Call([&](Repositories& r) { return r.api_keys().Get("p", "k1"); });
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->description, "renamed");
  EXPECT_EQ(got->revoked_at, T(5)) << "the first revocation time is kept";
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.api_keys().Create(KeySet("k3", "three"));
              }).ok());
  auto list = Call([&](Repositories& r) { return r.api_keys().List("p"); });
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 2u);
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.api_keys().Revoke("p", "zz", T(5));
            }).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.api_keys().UpdateDescription("p", "zz", "x");
            }).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Call([&](Repositories& r) { return r.api_keys().Get("q", "k1"); })
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

TEST_P(ProjectRepositoryTest, OAuthProviderUpsertKeepsTheSecretWhenUnset) {
  AddProject("p");
  OAuthProviderRecord p;
  p.project_id = "p";
  p.provider_id = "google";
  p.type = "google";
  p.client_id = "cid";
  p.client_secret_encrypted = std::string("\x01\x00sealed", 8);
  p.scopes = {"openid", "email"};
  p.created_at = T(1);
  p.updated_at = T(1);
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.oauth_providers().Upsert(p);
              }).ok());
  OAuthProviderRecord update = p;
  update.client_id = "cid2";
  update.client_secret_encrypted = std::nullopt;
  update.enabled = false;
  update.issuer_url = "https://accounts.example";
  update.scopes = {};
  update.created_at = T(2);
  update.updated_at = T(2);
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.oauth_providers().Upsert(update);
              }).ok());
  auto got = Call(
      [&](Repositories& r) { return r.oauth_providers().Get("p", "google"); });
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->client_id, "cid2");
  EXPECT_EQ(got->client_secret_encrypted, p.client_secret_encrypted);
  EXPECT_FALSE(got->enabled);
  EXPECT_EQ(got->issuer_url, "https://accounts.example");
  EXPECT_TRUE(got->scopes.empty());
  EXPECT_EQ(got->created_at, T(1));
  EXPECT_EQ(got->updated_at, T(2));
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.oauth_providers().List("p");
            })->size(),
            1u);
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.oauth_providers().Delete("p", "google");
              }).ok());
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.oauth_providers().Delete("p", "google");
            }).code(),
            absl::StatusCode::kNotFound);
  OAuthProviderRecord orphan = p;
  orphan.project_id = "nope";
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.oauth_providers().Upsert(orphan);
            }).code(),
            absl::StatusCode::kNotFound);
}

TEST_P(ProjectRepositoryTest, OAuthProviderSwitchesDefaultOnAndPersist) {
  AddProject("p");
  OAuthProviderRecord p;
  p.project_id = "p";
  p.provider_id = "github";
  p.type = "github";
  p.client_id = "cid";
  p.created_at = T(1);
  p.updated_at = T(1);
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.oauth_providers().Upsert(p);
              }).ok());
  auto got = Call(
      [&](Repositories& r) { return r.oauth_providers().Get("p", "github"); });
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->allow_sign_in);
  EXPECT_TRUE(got->allow_connected_accounts);
  p.allow_sign_in = false;
  p.allow_connected_accounts = false;
  p.updated_at = T(2);
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.oauth_providers().Upsert(p);
              }).ok());
  got = Call(
      [&](Repositories& r) { return r.oauth_providers().Get("p", "github"); });
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->allow_sign_in);
  EXPECT_FALSE(got->allow_connected_accounts);
  p.allow_connected_accounts = true;
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.oauth_providers().Upsert(p);
              }).ok());
  got = Call(
      [&](Repositories& r) { return r.oauth_providers().Get("p", "github"); });
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->allow_sign_in);
  EXPECT_TRUE(got->allow_connected_accounts);
}

TEST_P(ProjectRepositoryTest, OAuthProviderTypeSettingsAndSharedRoundTrip) {
  AddProject("p");
  OAuthProviderRecord p;
  p.project_id = "p";
  p.provider_id = "microsoft";
  p.type = "microsoft";
  p.client_id = "cid";
  p.created_at = T(1);
  p.updated_at = T(1);
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.oauth_providers().Upsert(p);
              }).ok());
  auto got = Call([&](Repositories& r) {
    return r.oauth_providers().Get("p", "microsoft");
  });
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->microsoft_tenant_id, std::nullopt);
  EXPECT_EQ(got->facebook_config_id, std::nullopt);
  EXPECT_FALSE(got->is_shared);
  p.microsoft_tenant_id = "organizations";
  p.facebook_config_id = "1234567890";
  p.is_shared = true;
  p.updated_at = T(2);
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.oauth_providers().Upsert(p);
              }).ok());
  got = Call([&](Repositories& r) {
    return r.oauth_providers().Get("p", "microsoft");
  });
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->microsoft_tenant_id, "organizations");
  EXPECT_EQ(got->facebook_config_id, "1234567890");
  EXPECT_TRUE(got->is_shared);
  auto listed =
      Call([&](Repositories& r) { return r.oauth_providers().List("p"); });
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].microsoft_tenant_id, "organizations");
  EXPECT_TRUE((*listed)[0].is_shared);
  // Unsetting is stored as unset, not kept.
  p.microsoft_tenant_id.reset();
  p.facebook_config_id.reset();
  p.is_shared = false;
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.oauth_providers().Upsert(p);
              }).ok());
  got = Call([&](Repositories& r) {
    return r.oauth_providers().Get("p", "microsoft");
  });
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->microsoft_tenant_id, std::nullopt);
  EXPECT_EQ(got->facebook_config_id, std::nullopt);
  EXPECT_FALSE(got->is_shared);
}

TEST_P(ProjectRepositoryTest, AuditLogIsNewestFirstAndOutlivesUsers) {
  AddProject("p");
  AddUser("p", Uuid(1), T(1));
  for (int i = 0; i < 5; ++i) {
    AuditEventRecord e;
    e.id = "e" + std::to_string(i);
    e.project_id = "p";
    e.occurred_at = T(10 + i);
    e.event_type = "user.signed_in";
    e.actor_user_id = Uuid(1);
    e.ip_address = "203.0.113.7";
    e.data_json = R"({"i":)" + std::to_string(i) + "}";
    ASSERT_TRUE(
        Call([&](Repositories& r) { return r.audit_log().Append(e); }).ok());
  }
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.users().Delete("p", Uuid(1));
              }).ok());
  auto recent =
      Call([&](Repositories& r) { return r.audit_log().ListRecent("p", 2); });
  ASSERT_TRUE(recent.ok());
  ASSERT_EQ(recent->size(), 2u);
  EXPECT_EQ((*recent)[0].id, "e4");
  EXPECT_EQ((*recent)[0].actor_user_id, Uuid(1));
  EXPECT_EQ((*recent)[0].data_json, R"({"i":4})");
  auto older = Call([&](Repositories& r) {
    return r.audit_log().ListRecent("p", 10, T(12));
  });
  ASSERT_TRUE(older.ok());
  ASSERT_EQ(older->size(), 2u);
  EXPECT_EQ((*older)[0].id, "e1");
  EXPECT_EQ(
      Call([&](Repositories& r) { return r.audit_log().ListRecent("p", 0); })
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);
  AuditEventRecord bad;
  bad.id = "bad";
  bad.project_id = "p";
  bad.event_type = "x";
  bad.data_json = "{";
  EXPECT_EQ(
      Call([&](Repositories& r) { return r.audit_log().Append(bad); }).code(),
      absl::StatusCode::kInvalidArgument);
}

TEST_P(ProjectRepositoryTest, RateLimitCounterTakesSeveralHitsAtOnce) {
  auto add = [&](int64_t hits) {
    return Call([&](Repositories& r) {
      return r.rate_limits().IncrementAndGet("p", "refresh_session:s", T(60),
                                             absl::Minutes(1), hits);
    });
  };
  EXPECT_EQ(*add(16), 16);  // A new counter starts at the block.
  EXPECT_EQ(*add(1), 17);
  EXPECT_EQ(*add(16), 33);
  EXPECT_EQ(add(0).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(add(-3).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(*add(1), 34);  // The refused ones changed nothing.
}

TEST_P(ProjectRepositoryTest, RateLimitCountersAreAtomicPerWindow) {
  constexpr int kThreads = 8;
  constexpr int kHitsEach = 25;
  std::latch start(kThreads);
  std::vector<std::vector<int64_t>> seen(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < kHitsEach; ++i) {
        auto n = Call([&](Repositories& r) {
          return r.rate_limits().IncrementAndGet("p", "sign_in_ip:1", T(60),
                                                 absl::Minutes(1));
        });
        if (n.ok()) seen[t].push_back(*n);
      }
    });
  }
  for (auto& t : threads) t.join();
  // Every hit saw a distinct count: 1..200, nothing lost or doubled.
  std::set<int64_t> all;
  size_t total = 0;
  for (const auto& v : seen) {
    all.insert(v.begin(), v.end());
    total += v.size();
  }
  EXPECT_EQ(total, size_t{kThreads * kHitsEach});
  EXPECT_EQ(all.size(), total);
  EXPECT_EQ(*all.begin(), 1);
  EXPECT_EQ(*all.rbegin(), kThreads * kHitsEach);

  // Another window, key or project starts from one.
  EXPECT_EQ(*Call([&](Repositories& r) {
    return r.rate_limits().IncrementAndGet("p", "sign_in_ip:1", T(120),
                                           absl::Minutes(1));
  }),
            1);
  EXPECT_EQ(*Call([&](Repositories& r) {
    return r.rate_limits().IncrementAndGet("other", "sign_in_ip:1", T(60),
                                           absl::Minutes(1));
  }),
            1);
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.rate_limits().IncrementAndGet("p", "k", T(0),
                                                     absl::ZeroDuration());
            })
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(*Call([&](Repositories& r) {
    return r.rate_limits().DeleteExpired(T(121));
  }),
            2);
  EXPECT_EQ(*Call([&](Repositories& r) {
    return r.rate_limits().IncrementAndGet("p", "sign_in_ip:1", T(60),
                                           absl::Minutes(1));
  }),
            1)
      << "the swept window starts over";
}

// Paced limits read a counter, decide, then count only if nobody counted
// meanwhile: of callers that read the same state, exactly one wins.
TEST_P(ProjectRepositoryTest, PacedCountersCompareAndSet) {
  auto read = [&](std::string_view key, absl::Time window) {
    return *Call([&](Repositories& r) {
      return r.rate_limits().GetPaced("p", key, window);
    });
  };
  auto bump = [&](int64_t expected, absl::Time now) {
    return Call([&](Repositories& r) {
      return r.rate_limits().IncrementIfUnchanged(
          "p", "pair", T(60), absl::Minutes(1), expected, now);
    });
  };
  RateLimitRepository::PacedState none = read("pair", T(60));
  EXPECT_EQ(none.hits, 0);
  EXPECT_FALSE(none.last_hit.has_value());

  constexpr int kThreads = 8;
  for (int64_t round = 0; round < 3; ++round) {
    std::latch start(kThreads);
    std::atomic<int> won{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        start.arrive_and_wait();
        absl::StatusOr<bool> ok =
            bump(round, T(61 + round) + absl::Microseconds(t));
        if (ok.ok() && *ok) ++won;
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(won.load(), 1) << "round " << round;
    RateLimitRepository::PacedState state = read("pair", T(60));
    EXPECT_EQ(state.hits, round + 1);
    ASSERT_TRUE(state.last_hit.has_value());
    EXPECT_GE(*state.last_hit, T(61 + round));
    EXPECT_LT(*state.last_hit, T(62 + round));
  }
  // A stale read counts nothing.
  EXPECT_FALSE(*bump(1, T(70)));
  EXPECT_EQ(read("pair", T(60)).hits, 3);
  // Plain counters read as paced ones without a time.
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.rate_limits().IncrementAndGet("p", "plain", T(60),
                                                       absl::Minutes(1));
              }).ok());
  RateLimitRepository::PacedState plain = read("plain", T(60));
  EXPECT_EQ(plain.hits, 1);
  EXPECT_FALSE(plain.last_hit.has_value());
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.rate_limits().IncrementIfUnchanged(
                  "p", "pair", T(0), absl::ZeroDuration(), 0, T(0));
            })
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  // Both kinds are swept when their window ends.
  EXPECT_EQ(*Call([&](Repositories& r) {
    return r.rate_limits().DeleteExpired(T(120));
  }),
            2);
  EXPECT_EQ(read("pair", T(60)).hits, 0);
}

INSTANTIATE_STORAGE_SUITE(ProjectRepositoryTest);

}  // namespace
}  // namespace latchkey::storage::testing
