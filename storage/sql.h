#ifndef STORAGE_SQL_H_
#define STORAGE_SQL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "common/string_views.h"

// The narrow seam between the shared repository code and the two backends:
// SQL text with bound parameters in, rows of text cells out. Repositories
// write SQL once with PostgreSQL-style placeholders ($1, $2, ...); the SQLite
// backend rewrites them to its own numbered form (?1, ?2, ...), so no value
// is ever spliced into SQL text.
namespace latchkey::storage {

enum class Dialect { kSqlite, kPostgres };

// One bound parameter. Times are stored as int64 microseconds since the Unix
// epoch in both dialects (portable, exact, and orderable for cursors).
// Copyable value type; not thread-safe to mutate, safe to share read-only.
class SqlParam {
 public:
  enum class Kind { kNull, kInt, kBool, kText, kBytes };

  SqlParam(std::nullopt_t) {}  // NOLINT: implicit so call sites stay short.
  SqlParam(int64_t v) : kind_(Kind::kInt), int_(v) {}        // NOLINT
  SqlParam(int v) : kind_(Kind::kInt), int_(v) {}            // NOLINT
  SqlParam(bool v) : kind_(Kind::kBool), int_(v ? 1 : 0) {}  // NOLINT
  // const char* gets its own overload: otherwise it would convert to bool.
  SqlParam(const char* v) : kind_(Kind::kText), text_(v) {}         // NOLINT
  SqlParam(std::string_view v) : kind_(Kind::kText), text_(v) {}    // NOLINT
  SqlParam(const std::string& v) : kind_(Kind::kText), text_(v) {}  // NOLINT
  SqlParam(absl::Time t)                                            // NOLINT
      : kind_(Kind::kInt), int_(absl::ToUnixMicros(t)) {}
  template <typename T>
  SqlParam(const std::optional<T>& v)  // NOLINT
      : SqlParam(v.has_value() ? SqlParam(*v) : SqlParam(std::nullopt)) {}

  // Raw bytes (BLOB / BYTEA), as opposed to text.
  static SqlParam Bytes(std::string_view v) {
    SqlParam p(v);
    p.kind_ = Kind::kBytes;
    return p;
  }
  static SqlParam OptionalBytes(const std::optional<std::string>& v) {
    return v.has_value() ? Bytes(*v) : SqlParam(std::nullopt);
  }

  Kind kind() const { return kind_; }
  int64_t int_value() const { return int_; }
  const std::string& text() const { return text_; }

 private:
  Kind kind_ = Kind::kNull;
  int64_t int_ = 0;
  std::string text_;
};

using SqlParams = std::vector<SqlParam>;

// One result row. Every cell is text (or NULL) as the backend printed it;
// the typed getters parse it. Bytes arrive hex-encoded from PostgreSQL
// ("\x..."), which Bytes() undoes. Not thread-safe; a plain value.
class SqlRow {
 public:
  SqlRow(std::vector<std::optional<std::string>> cells, bool hex_bytes)
      : cells_(std::move(cells)), hex_bytes_(hex_bytes) {}

  size_t size() const { return cells_.size(); }
  bool IsNull(size_t i) const { return !cells_.at(i).has_value(); }
  // The text of cell i; "" when NULL.
  const std::string& Text(size_t i) const;
  std::optional<std::string> OptionalText(size_t i) const {
    return cells_.at(i);
  }
  // Integer cells; 0 when NULL or unparsable (columns are schema-typed).
  int64_t Int(size_t i) const;
  std::optional<int64_t> OptionalInt(size_t i) const;
  // Accepts both SQLite's 0/1 and PostgreSQL's t/f.
  bool Bool(size_t i) const;
  absl::Time Time(size_t i) const { return absl::FromUnixMicros(Int(i)); }
  std::optional<absl::Time> OptionalTime(size_t i) const;
  std::string Bytes(size_t i) const;
  std::optional<std::string> OptionalBytes(size_t i) const;

 private:
  std::vector<std::optional<std::string>> cells_;
  bool hex_bytes_;
};

// The rows a statement produced and how many rows it changed.
struct SqlResult {
  std::vector<SqlRow> rows;
  int64_t affected_rows = 0;
};

// Executes parameterized SQL on one connection. Implementations are bound
// to one connection that one thread uses at a time: not thread-safe.
class SqlExecutor {
 public:
  virtual ~SqlExecutor() = default;

  virtual Dialect dialect() const = 0;

  // Runs one statement with `params` bound to $1..$N. Returns the rows
  // (for SELECT or RETURNING) and the affected-row count, or a mapped
  // error: ALREADY_EXISTS (unique violation, constraint named),
  // NOT_FOUND (foreign key to a missing row), INVALID_ARGUMENT (check or
  // not-null violation), ABORTED (lock conflict or serialization failure;
  // retryable), UNAVAILABLE (database unreachable), DEADLINE_EXCEEDED
  // (statement timeout), INTERNAL (anything else, e.g. bad SQL).
  virtual absl::StatusOr<SqlResult> Execute(
      std::string_view sql, absl::Span<const SqlParam> params) = 0;

  absl::StatusOr<SqlResult> Execute(std::string_view sql,
                                    std::initializer_list<SqlParam> params) {
    return Execute(sql, absl::MakeConstSpan(params.begin(), params.size()));
  }
};

// Rewrites PostgreSQL placeholders ($1) to SQLite's numbered ones (?1),
// leaving quoted literals and identifiers alone.
std::string RewritePlaceholdersForSqlite(std::string_view sql);

// Escapes LIKE wildcards so user text matches literally with ESCAPE '\'.
std::string EscapeLikePattern(std::string_view text);

}  // namespace latchkey::storage

#endif  // STORAGE_SQL_H_
