// Refresh-token rotation under concurrency, over the real service on both
// backends: every browser tab refreshing one token at the same moment must
// end up with the same next token, and reuse detection must still fire
// after the grace window. PostgreSQL runs when LATCHKEY_TEST_POSTGRES_URL is
// set (./tools/dev test starts one); LATCHKEY_TEST_SKIP_POSTGRES=1 skips it
// deliberately.
#include <latch>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "storage/testing/test_database.h"
#include "tests/integration/token_fixture.h"

namespace latchkey::testing {
namespace {

using identity::v1::OAuthTokenResponse;
using storage::testing::TestBackend;

class RefreshRotationTest : public TokenTest,
                            public ::testing::WithParamInterface<TestBackend> {
 protected:
  RefreshRotationTest() { backend_ = GetParam(); }

  void SetUp() override {
    if (GetParam() == TestBackend::kPostgres &&
        storage::testing::SkipPostgresTests()) {
      GTEST_SKIP() << "LATCHKEY_TEST_SKIP_POSTGRES=1";
    }
    // Enough workers that the refreshes really meet in the database.
    Restart([](service::ServerConfig& config) { config.worker_threads = 32; });
  }
};

TEST_P(RefreshRotationTest, ConcurrentRefreshesOfOneTokenConvergeOnOneToken) {
  identity::v1::SignInResponse signed_up = SignUpAnonymously();
  ASSERT_FALSE(signed_up.refresh_token().empty());
  SetConfigOverride(
      R"({"refresh_token_rotation": true, "refresh_token_reuse_grace_seconds": 10})");

  constexpr int kTabs = 200;
  std::latch start(kTabs);
  std::vector<grpc::Status> statuses(kTabs);
  std::vector<OAuthTokenResponse> answers(kTabs);
  std::vector<std::thread> tabs;
  for (int t = 0; t < kTabs; ++t) {
    tabs.emplace_back([&, t] {
      start.arrive_and_wait();
      statuses[t] = OAuthRefresh(signed_up.refresh_token(), &answers[t]);
    });
  }
  for (std::thread& tab : tabs) tab.join();

  std::set<std::string> next_tokens;
  std::set<std::string> sessions;
  int without_token = 0;
  for (int t = 0; t < kTabs; ++t) {
    ASSERT_TRUE(statuses[t].ok())
        << "tab " << t << ": " << statuses[t].error_message();
    if (!answers[t].has_refresh_token()) {
      ++without_token;
      continue;
    }
    next_tokens.insert(answers[t].refresh_token());
    sessions.insert(
        UnverifiedClaims(answers[t].access_token())["refresh_token_id"]
            .get<std::string>());
  }
  EXPECT_EQ(without_token, 0) << "tabs answered without a next token";
  ASSERT_EQ(next_tokens.size(), 1u) << "tabs got different next tokens";
  EXPECT_EQ(sessions.size(), 1u);
  const std::string next = *next_tokens.begin();
  EXPECT_NE(next, signed_up.refresh_token());
  EXPECT_EQ(next.size(), 45u);

  // The shared token is the live one: it refreshes (and rotates) in turn.
  clock_.Advance(absl::Seconds(1));
  OAuthTokenResponse after;
  grpc::Status status = OAuthRefresh(next, &after);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_TRUE(after.has_refresh_token());
  EXPECT_NE(after.refresh_token(), next);

  // Past the grace window the first token is a replay: the family ends.
  clock_.Advance(absl::Seconds(10));
  OAuthTokenResponse refused;
  EXPECT_EQ(ErrorOf(OAuthRefresh(signed_up.refresh_token(), &refused)).reason,
            "REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED");
  EXPECT_EQ(ErrorOf(OAuthRefresh(after.refresh_token(), &refused)).reason,
            "REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED")
      << "the replay must revoke the whole family";
}

INSTANTIATE_TEST_SUITE_P(Backends, RefreshRotationTest,
                         ::testing::Values(TestBackend::kSqlite,
                                           TestBackend::kPostgres),
                         [](const ::testing::TestParamInfo<TestBackend>& info) {
                           return std::string(
                               storage::testing::TestBackendName(info.param));
                         });

}  // namespace
}  // namespace latchkey::testing
