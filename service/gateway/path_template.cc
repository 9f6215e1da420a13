#include "service/gateway/path_template.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace latchkey::service::gateway {
namespace {

using Kind = PathTemplate::SegmentKind;

bool IsLiteralChar(char c) {
  return c != '/' && c != '{' && c != '}' && c != ':' && c != '*' && c != '=' &&
         static_cast<unsigned char>(c) > 0x20 && c != 0x7f;
}

// A recursive-descent parser: one method per grammar rule, each consuming
// from `rest_` and appending to `result_`.
class Parser {
 public:
  explicit Parser(absl::string_view text) : text_(text), rest_(text) {}

  absl::StatusOr<PathTemplate> Template() {
    if (!Consume('/')) return Error("a template starts with \"/\"");
    if (auto status = Segments(/*in_variable=*/false); !status.ok()) {
      return status;
    }
    if (Consume(':')) {
      std::string verb = Literal();
      if (verb.empty()) return Error("a verb after \":\"");
      result_.verb = std::move(verb);
    }
    if (!rest_.empty()) return Error("end of template");
    for (size_t i = 0; i + 1 < result_.segments.size(); ++i) {
      if (result_.segments[i].kind == Kind::kMulti) {
        return absl::InvalidArgumentError(absl::StrCat(
            "path template \"", text_, "\": \"**\" must be the last segment"));
      }
    }
    return std::move(result_);
  }

 private:
  absl::Status Segments(bool in_variable) {
    do {
      if (auto status = Segment(in_variable); !status.ok()) return status;
    } while (Consume('/'));
    return absl::OkStatus();
  }

  absl::Status Segment(bool in_variable) {
    if (absl::StartsWith(rest_, "**")) {
      rest_.remove_prefix(2);
      result_.segments.push_back({Kind::kMulti, ""});
      return absl::OkStatus();
    }
    if (Consume('*')) {
      result_.segments.push_back({Kind::kSingle, ""});
      return absl::OkStatus();
    }
    if (!rest_.empty() && rest_.front() == '{') {
      if (in_variable) return Error("no variable inside a variable");
      return Variable();
    }
    std::string literal = Literal();
    if (literal.empty())
      return Error("a segment (literal, \"*\", \"**\" or {variable})");
    result_.segments.push_back({Kind::kLiteral, std::move(literal)});
    return absl::OkStatus();
  }

  absl::Status Variable() {
    Consume('{');
    PathTemplate::Variable variable;
    if (auto status = FieldPath(variable.field_path); !status.ok()) {
      return status;
    }
    variable.begin = static_cast<int>(result_.segments.size());
    if (Consume('=')) {
      if (auto status = Segments(/*in_variable=*/true); !status.ok()) {
        return status;
      }
    } else {
      result_.segments.push_back({Kind::kSingle, ""});
    }
    if (!Consume('}')) return Error("\"}\" closing the variable");
    variable.end = result_.segments.back().kind == Kind::kMulti
                       ? -1
                       : static_cast<int>(result_.segments.size());
    result_.variables.push_back(std::move(variable));
    return absl::OkStatus();
  }

  absl::Status FieldPath(std::vector<std::string>& path) {
    do {
      std::string ident = Ident();
      if (ident.empty()) return Error("a field name");
      path.push_back(std::move(ident));
    } while (Consume('.'));
    return absl::OkStatus();
  }

  std::string Ident() {
    size_t n = 0;
    while (n < rest_.size() &&
           (absl::ascii_isalnum(static_cast<unsigned char>(rest_[n])) ||
            rest_[n] == '_')) {
      ++n;
    }
    if (n > 0 && absl::ascii_isdigit(static_cast<unsigned char>(rest_[0]))) {
      return "";
    }
    std::string ident(rest_.substr(0, n));
    rest_.remove_prefix(n);
    return ident;
  }

  std::string Literal() {
    size_t n = 0;
    while (n < rest_.size() && IsLiteralChar(rest_[n])) ++n;
    std::string literal(rest_.substr(0, n));
    rest_.remove_prefix(n);
    return literal;
  }

  bool Consume(char c) {
    if (rest_.empty() || rest_.front() != c) return false;
    rest_.remove_prefix(1);
    return true;
  }

  absl::Status Error(absl::string_view expected) const {
    return absl::InvalidArgumentError(
        absl::StrCat("path template \"", text_, "\": expected ", expected,
                     " at offset ", text_.size() - rest_.size()));
  }

  absl::string_view text_;
  absl::string_view rest_;
  PathTemplate result_;
};

}  // namespace

absl::StatusOr<PathTemplate> PathTemplate::Parse(absl::string_view text) {
  return Parser(text).Template();
}

std::string PathTemplate::ToString() const {
  std::vector<std::string> parts;
  size_t next_variable = 0;
  for (int i = 0; i < static_cast<int>(segments.size());) {
    if (next_variable < variables.size() &&
        variables[next_variable].begin == i) {
      const Variable& variable = variables[next_variable++];
      const int end =
          variable.end == -1 ? static_cast<int>(segments.size()) : variable.end;
      std::string name = absl::StrJoin(variable.field_path, ".");
      std::vector<std::string> inner;
      for (int j = i; j < end; ++j) {
        const Segment& s = segments[j];
        inner.push_back(s.kind == SegmentKind::kLiteral  ? s.literal
                        : s.kind == SegmentKind::kSingle ? "*"
                                                         : "**");
      }
      std::string body = absl::StrJoin(inner, "/");
      parts.push_back(body == "*" ? absl::StrCat("{", name, "}")
                                  : absl::StrCat("{", name, "=", body, "}"));
      i = end;
      continue;
    }
    const Segment& s = segments[i++];
    parts.push_back(s.kind == SegmentKind::kLiteral  ? s.literal
                    : s.kind == SegmentKind::kSingle ? "*"
                                                     : "**");
  }
  std::string path = absl::StrCat("/", absl::StrJoin(parts, "/"));
  if (!verb.empty()) absl::StrAppend(&path, ":", verb);
  return path;
}

}  // namespace latchkey::service::gateway
