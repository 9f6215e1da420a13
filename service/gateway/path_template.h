#ifndef SERVICE_GATEWAY_PATH_TEMPLATE_H_
#define SERVICE_GATEWAY_PATH_TEMPLATE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace latchkey::service::gateway {

// A parsed google.api.http path template, e.g.
// "/api/v1/projects/{project_id}/.well-known/jwks.json".
//
// Grammar (google/api/http.proto), one parser method per rule:
//   Template = "/" Segments [ Verb ] ;
//   Segments = Segment { "/" Segment } ;
//   Segment  = "*" | "**" | LITERAL | Variable ;
//   Variable = "{" FieldPath [ "=" Segments ] "}" ;
//   FieldPath = IDENT { "." IDENT } ;
//   Verb     = ":" LITERAL ;
// A bare "{name}" is "{name=*}". "**" may only be the last segment. LITERAL
// is any run of characters other than "/", "{", "}", ":" and "*" (so dots,
// as in ".well-known", are literal). Immutable; thread-safe.
struct PathTemplate {
  enum class SegmentKind { kLiteral, kSingle, kMulti };
  struct Segment {
    SegmentKind kind = SegmentKind::kLiteral;
    std::string literal;  // for kLiteral
  };
  // A variable covers segments [begin, end); end == -1 when it ends with
  // "**" (it then takes every remaining segment).
  struct Variable {
    std::vector<std::string> field_path;
    int begin = 0;
    int end = 0;
  };

  std::vector<Segment> segments;
  std::vector<Variable> variables;
  std::string verb;  // without ":"; empty when none

  // Parses `text`; INVALID_ARGUMENT naming the position and what was
  // expected when it does not follow the grammar.
  static absl::StatusOr<PathTemplate> Parse(absl::string_view text);

  // The template back in canonical form ("{x}" for "{x=*}").
  std::string ToString() const;
};

}  // namespace latchkey::service::gateway

#endif  // SERVICE_GATEWAY_PATH_TEMPLATE_H_
