#include "service/runtime/request_id.h"

#include <set>
#include <string>

#include "gtest/gtest.h"

namespace latchkey::service {
namespace {

TEST(NewRequestId, ThirtyTwoLowerCaseHexDigitsAndNoRepeats) {
  std::set<std::string> seen;
  int digit_counts[16] = {};
  for (int i = 0; i < 2000; ++i) {
    const std::string id = NewRequestId();
    ASSERT_EQ(id.size(), 32u) << id;
    for (char c : id) {
      ASSERT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << id;
      ++digit_counts[c <= '9' ? c - '0' : c - 'a' + 10];
    }
    EXPECT_TRUE(seen.insert(id).second) << id;
  }
  // Every hex digit turns up (64,000 digits: about 4,000 each), so no
  // nibble of the random bits is dropped or stuck.
  for (int count : digit_counts) EXPECT_GT(count, 3000);
}

}  // namespace
}  // namespace latchkey::service
