#ifndef SERVICE_CORE_INTERNAL_PROJECT_FIXTURE_H_
#define SERVICE_CORE_INTERNAL_PROJECT_FIXTURE_H_

// A test fixture for core's project-level use cases: a scratch SQLite
// database on a fake clock, with the internal project in it. Tests extend
// SetUp (calling this one first) to build the component under test.

#include <memory>
#include <utility>

#include "common/clock.h"
#include "gtest/gtest.h"
#include "service/core/bootstrap.h"
#include "storage/database.h"
#include "storage/testing/opened_scratch.h"

namespace latchkey::service::core {

class InternalProjectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = storage::testing::OpenScratch(
        storage::testing::TestBackend::kSqlite, &clock_);
    ASSERT_TRUE(opened.ok()) << opened.status();
    scratch_ = std::move(opened->scratch);
    db_ = std::move(opened->database);
    ASSERT_TRUE(EnsureInternalProject(*db_, {}, clock_).ok());
  }

  common::FakeClock clock_;
  std::unique_ptr<storage::testing::ScratchDatabase> scratch_;
  std::unique_ptr<storage::Database> db_;
};

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_INTERNAL_PROJECT_FIXTURE_H_
