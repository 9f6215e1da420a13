#include "storage/postgres/migrations.h"

#include "gtest/gtest.h"
#include "storage/migrator.h"

namespace latchkey::storage::postgres {
namespace {

TEST(PostgresMigrationsTest, NumberedFromOneWithoutGaps) {
  EXPECT_TRUE(ValidateMigrations(PostgresMigrations()).ok());
}

TEST(PostgresMigrationsTest, MigrationsAreBoundValueFree) {
  // Scripts run through the simple query protocol, which binds nothing.
  for (const Migration& m : PostgresMigrations()) {
    EXPECT_EQ(m.script.find('$'), std::string_view::npos) << m.version;
  }
}

}  // namespace
}  // namespace latchkey::storage::postgres
