#include "storage/sql.h"

#include <cctype>

#include "absl/strings/numbers.h"

namespace latchkey::storage {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// PostgreSQL's text form of bytea is "\x" followed by hex digits.
std::string DecodeHexBytea(const std::string& text) {
  if (text.size() < 2 || text[0] != '\\' || text[1] != 'x') return text;
  std::string out;
  out.reserve((text.size() - 2) / 2);
  for (size_t i = 2; i + 1 < text.size(); i += 2) {
    const int hi = HexValue(text[i]);
    const int lo = HexValue(text[i + 1]);
    if (hi < 0 || lo < 0) return text;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

}  // namespace

const std::string& SqlRow::Text(size_t i) const {
  static const std::string* const kEmpty = new std::string();
  const auto& cell = cells_.at(i);
  return cell.has_value() ? *cell : *kEmpty;
}

int64_t SqlRow::Int(size_t i) const {
  int64_t v = 0;
  const auto& cell = cells_.at(i);
  if (cell.has_value() && !absl::SimpleAtoi(*cell, &v)) v = 0;
  return v;
}

std::optional<int64_t> SqlRow::OptionalInt(size_t i) const {
  if (IsNull(i)) return std::nullopt;
  return Int(i);
}

bool SqlRow::Bool(size_t i) const {
  const auto& cell = cells_.at(i);
  if (!cell.has_value() || cell->empty()) return false;
  const char c = (*cell)[0];
  return c == 't' || c == 'T' || (c >= '1' && c <= '9');
}

std::optional<absl::Time> SqlRow::OptionalTime(size_t i) const {
  if (IsNull(i)) return std::nullopt;
  return Time(i);
}

std::string SqlRow::Bytes(size_t i) const {
  const std::string& text = Text(i);
  return hex_bytes_ ? DecodeHexBytea(text) : text;
}

std::optional<std::string> SqlRow::OptionalBytes(size_t i) const {
  if (IsNull(i)) return std::nullopt;
  return Bytes(i);
}

std::string RewritePlaceholdersForSqlite(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  char quote = 0;  // The quote character we are inside, if any.
  for (size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (quote != 0) {
      if (c == quote) quote = 0;  // A doubled quote re-enters at once.
      out.push_back(c);
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      out.push_back(c);
      continue;
    }
    if (c == '$' && i + 1 < sql.size() &&
        std::isdigit(static_cast<unsigned char>(sql[i + 1]))) {
      out.push_back('?');
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string EscapeLikePattern(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

}  // namespace latchkey::storage
