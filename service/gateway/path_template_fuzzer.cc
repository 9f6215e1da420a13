// libFuzzer target: google.api.http path templates and the route table
// (service/gateway/path_template.h, route_table.h). Input: a template, a
// newline, then request paths (one a line) matched against a table holding
// that template. Properties: a template that parses prints back to a
// template that parses to the same text; matching never crashes and only
// ever names the one route added.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "service/gateway/path_template.h"
#include "service/gateway/route_table.h"

using latchkey::service::gateway::PathTemplate;
using latchkey::service::gateway::RouteTable;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 8192) return 0;
  std::vector<absl::string_view> lines = absl::StrSplit(
      absl::string_view(reinterpret_cast<const char*>(data), size), '\n');
  absl::StatusOr<PathTemplate> parsed = PathTemplate::Parse(lines[0]);
  if (!parsed.ok()) {
    if (parsed.status().code() != absl::StatusCode::kInvalidArgument) {
      std::abort();
    }
    return 0;
  }
  const std::string printed = parsed->ToString();
  absl::StatusOr<PathTemplate> again = PathTemplate::Parse(printed);
  if (!again.ok() || again->ToString() != printed) std::abort();

  RouteTable::Builder builder;
  if (!builder.Add("GET", lines[0], 7).ok()) return 0;
  std::unique_ptr<const RouteTable> table = std::move(builder).Build();
  for (size_t i = 1; i < lines.size(); ++i) {
    RouteTable::Match match = table->Find(i % 2 ? "GET" : "POST", lines[i]);
    if (match.outcome == RouteTable::Outcome::kMatched && match.target != 7) {
      std::abort();
    }
  }
  return 0;
}
