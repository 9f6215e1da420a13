#include "storage/sqlite/migrations.h"

#include "gtest/gtest.h"

namespace latchkey::storage::sqlite {
namespace {

TEST(SqliteMigrationsTest, NumberedFromOneWithoutGaps) {
  EXPECT_TRUE(ValidateMigrations(SqliteMigrations()).ok());
}

TEST(SqliteMigrationsTest, ColumnListsMapToPostgresConstraintNames) {
  EXPECT_EQ(SqliteConstraintName("users.id"), "users_pkey");
  EXPECT_EQ(
      SqliteConstraintName("contact_channels.project_id, "
                           "contact_channels.type, contact_channels.value"),
      "contact_channels_auth_unique");
  EXPECT_EQ(SqliteConstraintName("unknown.column"), "unknown.column");
}

}  // namespace
}  // namespace latchkey::storage::sqlite
