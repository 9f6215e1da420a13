#include "service/core/refresh_successors.h"

#include "crypto/random.h"
#include "gtest/gtest.h"

namespace latchkey::service::core {
namespace {

constexpr char kSecret[] = "23-wuNpik0gIW4mruTz25rbIvhuuvZFrLOLtL7J4tyo";
constexpr char kOtherSecret[] = "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0";
constexpr char kToken[] = "0123456789abcdefghjkmnpqrstvwxyz0123456789abc";

TEST(RefreshSuccessorsTest, SuccessorIsDeterministicAndLooksLikeAToken) {
  auto successors = RefreshTokenSuccessors::Create(kSecret);
  ASSERT_TRUE(successors.ok()) << successors.status();
  auto first = successors->Successor(kToken);
  auto again = successors->Successor(kToken);
  ASSERT_TRUE(first.ok() && again.ok());
  EXPECT_EQ(*first, *again);
  EXPECT_NE(*first, kToken);
  ASSERT_EQ(first->size(), crypto::kRandomTokenLength);
  for (char c : *first) {
    EXPECT_NE(std::string_view("0123456789abcdefghjkmnpqrstvwxyz").find(c),
              std::string_view::npos)
        << c;
  }
}

TEST(RefreshSuccessorsTest, SuccessorDependsOnTheTokenAndTheSecret) {
  auto successors = RefreshTokenSuccessors::Create(kSecret);
  auto other = RefreshTokenSuccessors::Create(kOtherSecret);
  ASSERT_TRUE(successors.ok() && other.ok());
  std::string token(kToken);
  std::string changed = token;
  changed.back() = 'd';
  EXPECT_NE(*successors->Successor(token), *successors->Successor(changed));
  EXPECT_NE(*successors->Successor(token), *other->Successor(token));
  // The successor's successor is yet another token.
  EXPECT_NE(*successors->Successor(*successors->Successor(token)),
            *successors->Successor(token));
}

TEST(RefreshSuccessorsTest, CandidatesCoverThePreviousSecret) {
  auto before = RefreshTokenSuccessors::Create(kOtherSecret);
  auto after = RefreshTokenSuccessors::Create(kSecret, kOtherSecret);
  ASSERT_TRUE(before.ok() && after.ok());
  auto candidates = after->Candidates(kToken);
  ASSERT_TRUE(candidates.ok());
  ASSERT_EQ(candidates->size(), 2u);
  EXPECT_EQ((*candidates)[0], *after->Successor(kToken));
  EXPECT_EQ((*candidates)[1], *before->Successor(kToken));
  auto alone = before->Candidates(kToken);
  ASSERT_TRUE(alone.ok());
  EXPECT_EQ(alone->size(), 1u);
}

}  // namespace
}  // namespace latchkey::service::core
