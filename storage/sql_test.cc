#include "storage/sql.h"

#include "gtest/gtest.h"

namespace latchkey::storage {
namespace {

TEST(RewritePlaceholdersTest, NumbersBecomeSqliteNumbers) {
  EXPECT_EQ(
      RewritePlaceholdersForSqlite("SELECT a FROM t WHERE b = $1 AND c = $12"),
      "SELECT a FROM t WHERE b = ?1 AND c = ?12");
}

TEST(RewritePlaceholdersTest, QuotedTextIsLeftAlone) {
  EXPECT_EQ(RewritePlaceholdersForSqlite("SELECT '$1', \"$2\" WHERE x = $3"),
            "SELECT '$1', \"$2\" WHERE x = ?3");
  EXPECT_EQ(RewritePlaceholdersForSqlite("SELECT 'it''s $1' || $2"),
            "SELECT 'it''s $1' || ?2");
}

TEST(RewritePlaceholdersTest, DollarWithoutDigitIsLeftAlone) {
  EXPECT_EQ(RewritePlaceholdersForSqlite("SELECT $x, $"), "SELECT $x, $");
}

TEST(EscapeLikePatternTest, WildcardsAreEscaped) {
  EXPECT_EQ(EscapeLikePattern("50%_a\\b"), "50\\%\\_a\\\\b");
  EXPECT_EQ(EscapeLikePattern("plain"), "plain");
}

TEST(SqlParamTest, KindsFollowTheArgumentType) {
  EXPECT_EQ(SqlParam("text").kind(), SqlParam::Kind::kText);
  EXPECT_EQ(SqlParam(std::string("s")).kind(), SqlParam::Kind::kText);
  EXPECT_EQ(SqlParam(true).kind(), SqlParam::Kind::kBool);
  EXPECT_EQ(SqlParam(int64_t{7}).int_value(), 7);
  EXPECT_EQ(SqlParam(std::nullopt).kind(), SqlParam::Kind::kNull);
  EXPECT_EQ(SqlParam(std::optional<std::string>()).kind(),
            SqlParam::Kind::kNull);
  EXPECT_EQ(SqlParam(std::optional<std::string>("x")).kind(),
            SqlParam::Kind::kText);
  EXPECT_EQ(SqlParam::Bytes("b").kind(), SqlParam::Kind::kBytes);
  EXPECT_EQ(SqlParam(absl::FromUnixMicros(42)).int_value(), 42);
}

TEST(SqlRowTest, TypedGettersParseBothDialects) {
  SqlRow row({std::string("12"), std::nullopt, std::string("t"),
              std::string("0"), std::string("\\x6869")},
             /*hex_bytes=*/true);
  EXPECT_EQ(row.Int(0), 12);
  EXPECT_TRUE(row.IsNull(1));
  EXPECT_EQ(row.OptionalInt(1), std::nullopt);
  EXPECT_EQ(row.Text(1), "");
  EXPECT_TRUE(row.Bool(2));
  EXPECT_FALSE(row.Bool(3));
  EXPECT_EQ(row.Bytes(4), "hi");
  EXPECT_EQ(row.Time(0), absl::FromUnixMicros(12));
}

TEST(SqlRowTest, SqliteBytesAreRaw) {
  SqlRow row({std::string("\\x6869")}, /*hex_bytes=*/false);
  EXPECT_EQ(row.Bytes(0), "\\x6869");
}

}  // namespace
}  // namespace latchkey::storage
