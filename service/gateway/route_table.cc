#include "service/gateway/route_table.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace latchkey::service::gateway {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> PercentDecode(absl::string_view text,
                                         bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int high = HexValue(text[i + 1]);
      int low = HexValue(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      char decoded = static_cast<char>(high * 16 + low);
      if (decoded == '\0') return std::nullopt;
      out.push_back(decoded);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

RouteTable::RouteTable() : root_(std::make_unique<Node>()) {}
RouteTable::~RouteTable() = default;
RouteTable::Builder::Builder() : table_(new RouteTable()) {}
RouteTable::Builder::~Builder() = default;

absl::Status RouteTable::Builder::Add(absl::string_view http_method,
                                      absl::string_view path_template,
                                      int target) {
  absl::StatusOr<PathTemplate> parsed = PathTemplate::Parse(path_template);
  if (!parsed.ok()) return parsed.status();
  Node* node = table_->root_.get();
  for (const PathTemplate::Segment& segment : parsed->segments) {
    std::unique_ptr<Node>* next = nullptr;
    switch (segment.kind) {
      case PathTemplate::SegmentKind::kLiteral:
        next = &node->literals[segment.literal];
        break;
      case PathTemplate::SegmentKind::kSingle:
        next = &node->single;
        break;
      case PathTemplate::SegmentKind::kMulti:
        next = &node->multi;
        break;
    }
    if (*next == nullptr) *next = std::make_unique<Node>();
    node = next->get();
  }
  std::string key = absl::AsciiStrToUpper(http_method);
  if (!parsed->verb.empty()) absl::StrAppend(&key, ":", parsed->verb);
  auto [it, inserted] =
      node->terminals.emplace(key, Terminal{target, parsed->variables});
  if (!inserted) {
    return absl::AlreadyExistsError(
        absl::StrCat(http_method, " ", path_template,
                     " collides with another route of the same shape"));
  }
  return absl::OkStatus();
}

std::unique_ptr<const RouteTable> RouteTable::Builder::Build() && {
  return std::move(table_);
}

bool RouteTable::Search(const Node& node,
                        const std::vector<std::string>& segments, size_t index,
                        absl::string_view key, const Terminal** found,
                        std::vector<std::string>* allowed) const {
  if (index == segments.size()) {
    if (auto it = node.terminals.find(key); it != node.terminals.end()) {
      *found = &it->second;
      return true;
    }
    for (const auto& [method, terminal] : node.terminals) {
      allowed->push_back(method.substr(0, method.find(':')));
    }
    // "**" also matches zero segments.
    if (node.multi != nullptr) {
      return Search(*node.multi, segments, index, key, found, allowed);
    }
    return false;
  }
  if (auto it = node.literals.find(segments[index]);
      it != node.literals.end()) {
    if (Search(*it->second, segments, index + 1, key, found, allowed)) {
      return true;
    }
  }
  if (node.single != nullptr &&
      Search(*node.single, segments, index + 1, key, found, allowed)) {
    return true;
  }
  if (node.multi != nullptr) {
    return Search(*node.multi, segments, segments.size(), key, found, allowed);
  }
  return false;
}

RouteTable::Match RouteTable::Find(absl::string_view http_method,
                                   absl::string_view path) const {
  Match match;
  if (path.empty() || path.front() != '/') {
    match.outcome = Outcome::kBadPath;
    return match;
  }
  path.remove_prefix(1);
  // One trailing slash is tolerated ("/api/v1/users/").
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);
  std::vector<std::string> segments;
  for (absl::string_view raw : absl::StrSplit(path, '/')) {
    std::optional<std::string> decoded = PercentDecode(raw, false);
    if (!decoded.has_value()) {
      match.outcome = Outcome::kBadPath;
      return match;
    }
    segments.push_back(std::move(*decoded));
  }
  if (segments.size() == 1 && segments[0].empty()) segments.clear();

  std::string method = absl::AsciiStrToUpper(http_method);
  const Terminal* found = nullptr;
  std::vector<std::string> allowed;
  bool matched = Search(*root_, segments, 0, method, &found, &allowed);
  // A custom verb rides on the last segment ("/x/y:verb").
  if (!matched && !segments.empty()) {
    std::string& last = segments.back();
    if (size_t colon = last.rfind(':'); colon != std::string::npos) {
      std::string verb_key = absl::StrCat(method, last.substr(colon));
      std::vector<std::string> verb_segments = segments;
      verb_segments.back().resize(colon);
      matched = Search(*root_, verb_segments, 0, verb_key, &found, &allowed);
      if (matched) segments = std::move(verb_segments);
    }
  }
  if (!matched) {
    if (allowed.empty()) {
      match.outcome = Outcome::kNotFound;
    } else {
      std::set<std::string> unique(allowed.begin(), allowed.end());
      match.outcome = Outcome::kMethodNotAllowed;
      match.allowed_methods.assign(unique.begin(), unique.end());
    }
    return match;
  }
  match.outcome = Outcome::kMatched;
  match.target = found->target;
  for (const PathTemplate::Variable& variable : found->variables) {
    const size_t end = variable.end == -1 ? segments.size()
                                          : static_cast<size_t>(variable.end);
    std::vector<std::string> parts(segments.begin() + variable.begin,
                                   segments.begin() + end);
    match.bindings.push_back({variable.field_path, absl::StrJoin(parts, "/")});
  }
  return match;
}

}  // namespace latchkey::service::gateway
