// Conformance: refresh sessions (lookup by token hash, rotation, revocation)
// and one-time verification codes.
#include <latch>
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

SessionRecord MakeSession(const std::string& id, const std::string& user,
                          const std::string& hash, absl::Time created) {
  SessionRecord s;
  s.id = id;
  s.project_id = "p";
  s.user_id = user;
  s.refresh_token_hash = hash;
  s.rotation_family_id = id;
  s.created_at = created;
  s.expires_at = created + absl::Hours(24);
  return s;
}

class SessionRepositoryTest : public StorageTest {
 protected:
  void SetUp() override {
    StorageTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    AddProject("p");
    AddUser("p", Uuid(1), T(1));
    AddUser("p", Uuid(2), T(2));
  }

  // The session alone, as the refresh path's lookup by hash reads it.
  absl::StatusOr<SessionRecord> FindSession(const std::string& hash) {
    auto found = Call([&](Repositories& r) {
      return r.sessions().FindByTokenHashWithUser(hash);
    });
    if (!found.ok()) return found.status();
    return std::move(found->session);
  }

  absl::Status Create(const SessionRecord& s) {
    return Call([&](Repositories& r) { return r.sessions().Create(s); });
  }

  std::vector<std::string> ActiveIds(const std::string& user, absl::Time now) {
    auto list = Call([&](Repositories& r) {
      return r.sessions().ListActiveForUser("p", user, now);
    });
    EXPECT_TRUE(list.ok()) << list.status();
    std::vector<std::string> ids;
    if (list.ok()) {
      for (const SessionRecord& s : *list) ids.push_back(s.id);
    }
    return ids;
  }
};

TEST_P(SessionRepositoryTest, CreateThenFindByTokenHashRoundTrips) {
  SessionRecord s = MakeSession("s1", Uuid(1), "hash-1", T(10));
  s.is_impersonation = true;
  s.last_used_at = T(11);
  ASSERT_TRUE(Create(s).ok());
  auto found = FindSession("hash-1");
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->id, "s1");
  EXPECT_EQ(found->project_id, "p");
  EXPECT_EQ(found->user_id, Uuid(1));
  EXPECT_TRUE(found->is_impersonation);
  EXPECT_EQ(found->rotation_family_id, "s1");
  EXPECT_EQ(found->rotation_counter, 0);
  EXPECT_EQ(found->created_at, T(10));
  EXPECT_EQ(found->last_used_at, T(11));
  EXPECT_EQ(found->expires_at, T(10) + absl::Hours(24));
  EXPECT_EQ(found->rotated_at, std::nullopt);
  auto by_id =
      Call([&](Repositories& r) { return r.sessions().Get("p", "s1"); });
  ASSERT_TRUE(by_id.ok());
  EXPECT_EQ(by_id->refresh_token_hash, "hash-1");
}

TEST_P(SessionRepositoryTest, FindByTokenHashWithUserReadsTheSessionsUser) {
  AddEmail("p", Uuid(2), "two@example.com");
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.credentials().SetPassword(
                    "p", {Uuid(2), "$argon2id$...", "argon2id", T(3)});
              }).ok());
  SessionRecord s = MakeSession("s2", Uuid(2), "hash-2", T(10));
  s.last_used_at = T(11);
  ASSERT_TRUE(Create(s).ok());
  ASSERT_TRUE(Create(MakeSession("s1", Uuid(1), "hash-1", T(10))).ok());
  auto found = Call([&](Repositories& r) {
    return r.sessions().FindByTokenHashWithUser("hash-2");
  });
  ASSERT_TRUE(found.ok()) << found.status();
  // The session, column for column as Get reads it...
  auto alone =
      Call([&](Repositories& r) { return r.sessions().Get("p", "s2"); });
  ASSERT_TRUE(alone.ok());
  EXPECT_EQ(found->session.id, "s2");
  EXPECT_EQ(found->session.user_id, Uuid(2));
  EXPECT_EQ(found->session.refresh_token_hash, alone->refresh_token_hash);
  EXPECT_EQ(found->session.rotation_family_id, alone->rotation_family_id);
  EXPECT_EQ(found->session.created_at, alone->created_at);
  EXPECT_EQ(found->session.last_used_at, T(11));
  EXPECT_EQ(found->session.expires_at, alone->expires_at);
  EXPECT_EQ(found->session.rotated_at, std::nullopt);
  // ...and its user as the users repository reads it.
  auto user =
      Call([&](Repositories& r) { return r.users().Get("p", Uuid(2)); });
  ASSERT_TRUE(user.ok());
  EXPECT_EQ(found->user.user.id, Uuid(2));
  EXPECT_EQ(found->user.user.project_id, "p");
  EXPECT_EQ(found->user.user.signed_up_at, user->user.signed_up_at);
  EXPECT_EQ(found->user.user.client_metadata_json,
            user->user.client_metadata_json);
  EXPECT_EQ(found->user.primary_email, "two@example.com");
  EXPECT_TRUE(found->user.primary_email_auth_enabled);
  EXPECT_TRUE(found->user.has_password);
  EXPECT_FALSE(found->user.has_totp);

  EXPECT_EQ(Call([&](Repositories& r) {
              return r.sessions().FindByTokenHashWithUser("nope");
            })
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  // Deleting the user takes its sessions along: nothing is found then.
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.users().Delete("p", Uuid(2));
              }).ok());
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.sessions().FindByTokenHashWithUser("hash-2");
            })
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

TEST_P(SessionRepositoryTest, UnknownTokenAndSessionAreNotFound) {
  EXPECT_EQ(FindSession("nope").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Call([&](Repositories& r) { return r.sessions().Get("p", "x"); })
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.sessions().Touch("p", "x", T(1));
            }).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.sessions().Delete("p", "x");
            }).code(),
            absl::StatusCode::kNotFound);
}

TEST_P(SessionRepositoryTest, SessionForUnknownUserIsNotFound) {
  EXPECT_EQ(Create(MakeSession("s1", Uuid(9), "h", T(1))).code(),
            absl::StatusCode::kNotFound);
}

TEST_P(SessionRepositoryTest, TokenHashIsUnique) {
  ASSERT_TRUE(Create(MakeSession("s1", Uuid(1), "same", T(1))).ok());
  absl::Status dup = Create(MakeSession("s2", Uuid(2), "same", T(2)));
  EXPECT_EQ(dup.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ViolatedConstraint(dup), "sessions_token_hash_unique");
}

TEST_P(SessionRepositoryTest, ListActiveSkipsExpiredAndRotatedNewestFirst) {
  ASSERT_TRUE(Create(MakeSession("old", Uuid(1), "h1", T(1))).ok());
  ASSERT_TRUE(Create(MakeSession("new", Uuid(1), "h2", T(5))).ok());
  SessionRecord forever = MakeSession("forever", Uuid(1), "h3", T(3));
  forever.expires_at = std::nullopt;
  ASSERT_TRUE(Create(forever).ok());
  ASSERT_TRUE(Create(MakeSession("other", Uuid(2), "h4", T(1))).ok());
  EXPECT_THAT(ActiveIds(Uuid(1), T(10)), ElementsAre("new", "forever", "old"));
  // A day later "old" has expired.
  EXPECT_THAT(ActiveIds(Uuid(1), T(2) + absl::Hours(24)),
              ElementsAre("new", "forever"));
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.sessions().Touch("p", "new", T(20));
              }).ok());
  auto touched =
      Call([&](Repositories& r) { return r.sessions().Get("p", "new"); });
  EXPECT_EQ(touched->last_used_at, T(20));
}

TEST_P(SessionRepositoryTest, RotationReplacesTheTokenOnce) {
  ASSERT_TRUE(Create(MakeSession("s1", Uuid(1), "h1", T(1))).ok());
  SessionRecord next = MakeSession("s2", Uuid(1), "h2", T(2));
  next.rotation_family_id = "s1";
  next.rotation_counter = 1;
  ASSERT_TRUE(db().RunInTransaction([&](Repositories& r) {
                    return r.sessions().Rotate("p", "s1", next, T(2));
                  })
                  .ok());
  auto old = FindSession("h1");
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->rotated_at, T(2));
  EXPECT_THAT(ActiveIds(Uuid(1), T(3)), ElementsAre("s2"));

  // Rotating the same token again loses: ABORTED, nothing written.
  SessionRecord again = MakeSession("s3", Uuid(1), "h3", T(3));
  again.rotation_family_id = "s1";
  again.rotation_counter = 1;
  absl::Status status = db().RunInTransaction([&](Repositories& r) {
    return r.sessions().Rotate("p", "s1", again, T(3));
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted);
  EXPECT_FALSE(IsRetryableConflict(status));
  EXPECT_EQ(Call([&](Repositories& r) { return r.sessions().Get("p", "s3"); })
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(db().RunInTransaction([&](Repositories& r) {
                  return r.sessions().Rotate("p", "missing", again, T(3));
                })
                .code(),
            absl::StatusCode::kNotFound);
}

TEST_P(SessionRepositoryTest, ConcurrentRotationsOfOneTokenHaveOneWinner) {
  ASSERT_TRUE(Create(MakeSession("s0", Uuid(1), "h0", T(1))).ok());
  constexpr int kThreads = 6;
  std::latch start(kThreads);
  std::vector<absl::Status> results(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      SessionRecord next = MakeSession("n" + std::to_string(t), Uuid(1),
                                       "hn" + std::to_string(t), T(2));
      next.rotation_family_id = "s0";
      next.rotation_counter = 1;
      start.arrive_and_wait();
      results[t] = db().RunInTransaction([&](Repositories& r) {
        return r.sessions().Rotate("p", "s0", next, T(2));
      });
    });
  }
  for (auto& t : threads) t.join();
  int winners = 0;
  for (const absl::Status& s : results) {
    if (s.ok()) {
      ++winners;
    } else {
      // The loser either saw the stamp (ABORTED) or hit the family counter
      // uniqueness first (ALREADY_EXISTS); both leave nothing behind.
      EXPECT_THAT(s.code(), ::testing::AnyOf(absl::StatusCode::kAborted,
                                             absl::StatusCode::kAlreadyExists))
          << s;
    }
  }
  EXPECT_EQ(winners, 1);
  EXPECT_EQ(ActiveIds(Uuid(1), T(3)).size(), 1u);
}

TEST_P(SessionRepositoryTest, RevocationOneByOneByFamilyAndForAUser) {
  ASSERT_TRUE(Create(MakeSession("a", Uuid(1), "ha", T(1))).ok());
  SessionRecord b = MakeSession("b", Uuid(1), "hb", T(2));
  b.rotation_family_id = "a";
  b.rotation_counter = 1;
  ASSERT_TRUE(Create(b).ok());
  ASSERT_TRUE(Create(MakeSession("c", Uuid(1), "hc", T(3))).ok());
  ASSERT_TRUE(Create(MakeSession("d", Uuid(1), "hd", T(4))).ok());
  ASSERT_TRUE(Create(MakeSession("e", Uuid(2), "he", T(5))).ok());

  EXPECT_EQ(*Call([&](Repositories& r) {
    return r.sessions().DeleteFamily("p", "a");
  }),
            2);
  EXPECT_THAT(ActiveIds(Uuid(1), T(9)), ElementsAre("d", "c"));
  EXPECT_EQ(*Call([&](Repositories& r) {
    return r.sessions().DeleteAllForUser("p", Uuid(1), "d");
  }),
            1);
  EXPECT_THAT(ActiveIds(Uuid(1), T(9)), ElementsAre("d"));
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.sessions().Delete("p", "d");
              }).ok());
  EXPECT_THAT(ActiveIds(Uuid(1), T(9)), ::testing::IsEmpty());
  EXPECT_EQ(*Call([&](Repositories& r) {
    return r.sessions().DeleteAllForUser("p", Uuid(2));
  }),
            1);
}

TEST_P(SessionRepositoryTest, DeleteExpiredRemovesOnlyExpired) {
  ASSERT_TRUE(Create(MakeSession("a", Uuid(1), "ha", T(1))).ok());
  SessionRecord forever = MakeSession("b", Uuid(1), "hb", T(1));
  forever.expires_at = std::nullopt;
  ASSERT_TRUE(Create(forever).ok());
  ASSERT_TRUE(Create(MakeSession("c", Uuid(1), "hc", T(100'000))).ok());
  EXPECT_EQ(*Call([&](Repositories& r) {
    return r.sessions().DeleteExpired(T(1) + absl::Hours(25));
  }),
            1);
  EXPECT_THAT(ActiveIds(Uuid(1), T(100'000)), ElementsAre("c", "b"));
}

// ---- Verification codes ----------------------------------------------------

VerificationCodeRecord MakeCode(const std::string& id,
                                const std::string& hash) {
  VerificationCodeRecord c;
  c.id = id;
  c.project_id = "p";
  c.purpose = "email_verification";
  c.code_hash = hash;
  c.user_id = Uuid(1);
  c.email = "a@example.com";
  c.data_json = R"({"callback":"https://app.example/verify"})";
  c.max_attempts = 3;
  c.created_at = T(1);
  c.expires_at = T(1) + absl::Hours(24 * 7);
  return c;
}

TEST_P(SessionRepositoryTest, VerificationCodesAreFoundByEitherHash) {
  VerificationCodeRecord c = MakeCode("v1", "code-hash");
  c.secondary_code_hash = "otp-nonce-hash";
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.verification_codes().Create(c);
              }).ok());
  for (const char* hash : {"code-hash", "otp-nonce-hash"}) {
    auto found = Call([&](Repositories& r) {
      return r.verification_codes().FindByHash("p", "email_verification", hash);
    });
    ASSERT_TRUE(found.ok()) << hash;
    EXPECT_EQ(found->id, "v1");
    EXPECT_EQ(found->user_id, Uuid(1));
    EXPECT_EQ(found->email, "a@example.com");
    EXPECT_EQ(found->data_json, c.data_json);
    EXPECT_EQ(found->max_attempts, 3);
    EXPECT_EQ(found->expires_at, c.expires_at);
    EXPECT_EQ(found->used_at, std::nullopt);
  }
  // Purpose and project are part of the key.
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.verification_codes().FindByHash("p", "password_reset",
                                                       "code-hash");
            })
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  absl::Status dup = Call([&](Repositories& r) {
    return r.verification_codes().Create(MakeCode("v2", "code-hash"));
  });
  EXPECT_EQ(dup.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ViolatedConstraint(dup), "verification_codes_hash_unique");
  VerificationCodeRecord bad = MakeCode("v3", "x");
  bad.data_json = "[";
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.verification_codes().Create(bad);
            }).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(SessionRepositoryTest, AttemptsCountAndCodesAreUsedOnce) {
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.verification_codes().Create(MakeCode("v1", "h"));
              }).ok());
  for (int expected = 1; expected <= 3; ++expected) {
    auto n = Call([&](Repositories& r) {
      return r.verification_codes().RecordFailedAttempt("p", "v1");
    });
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, expected);
  }
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.verification_codes().MarkUsed("p", "v1", T(5));
              }).ok());
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.verification_codes().MarkUsed("p", "v1", T(6));
            }).code(),
            absl::StatusCode::kFailedPrecondition);
  auto used = Call([&](Repositories& r) {
    return r.verification_codes().FindByHash("p", "email_verification", "h");
  });
  EXPECT_EQ(used->used_at, T(5));
  EXPECT_EQ(used->attempt_count, 3);
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.verification_codes().MarkUsed("p", "zz", T(6));
            }).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.verification_codes().RecordFailedAttempt("p", "zz");
            })
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

TEST_P(SessionRepositoryTest, ExpiredCodesAreSweptAndDeleteWorks) {
  ASSERT_TRUE(Call([&](Repositories& r) {
                LATCHKEY_RETURN_IF_ERROR(
                    r.verification_codes().Create(MakeCode("v1", "h1")));
                VerificationCodeRecord later = MakeCode("v2", "h2");
                later.expires_at = T(1) + absl::Hours(24 * 30);
                LATCHKEY_RETURN_IF_ERROR(r.verification_codes().Create(later));
                return r.verification_codes().Create(MakeCode("v3", "h3"));
              }).ok());
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.verification_codes().Delete("p", "v3");
              }).ok());
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.verification_codes().Delete("p", "v3");
            }).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(*Call([&](Repositories& r) {
    return r.verification_codes().DeleteExpired(T(1) + absl::Hours(24 * 8));
  }),
            1);
  EXPECT_TRUE(Call([&](Repositories& r) {
                return r.verification_codes().FindByHash(
                    "p", "email_verification", "h2");
              }).ok());
}

INSTANTIATE_STORAGE_SUITE(SessionRepositoryTest);

}  // namespace
}  // namespace latchkey::storage::testing
