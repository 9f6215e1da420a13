#include "service/core/permission_graph.h"

#include <algorithm>
#include <set>

#include "absl/strings/string_view.h"
#include "common/string_views.h"

namespace latchkey::service::core {
namespace {

using common::Absl;

}  // namespace

PermissionGraph PermissionGraph::Compile(
    std::vector<std::string> ids,
    const std::vector<storage::ContainmentEdge>& edges) {
  PermissionGraph graph;
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  graph.ids_ = std::move(ids);
  graph.index_.reserve(graph.ids_.size());
  for (uint32_t i = 0; i < graph.ids_.size(); ++i) {
    graph.index_.emplace(graph.ids_[i], i);
  }
  std::vector<std::vector<uint32_t>> children(graph.ids_.size());
  for (const storage::ContainmentEdge& edge : edges) {
    std::optional<uint32_t> parent = graph.Index(edge.parent_id);
    std::optional<uint32_t> child = graph.Index(edge.child_id);
    if (parent.has_value() && child.has_value()) {
      children[*parent].push_back(*child);
    }
  }
  // One depth-first reachability pass per permission: O(n * (n + e)) once
  // per definition change, so that checks never walk.
  graph.closures_.resize(graph.ids_.size());
  std::vector<char> seen(graph.ids_.size());
  std::vector<uint32_t> stack;
  for (uint32_t root = 0; root < graph.ids_.size(); ++root) {
    std::fill(seen.begin(), seen.end(), 0);
    std::vector<uint32_t>& closure = graph.closures_[root];
    stack.assign(1, root);
    seen[root] = 1;
    while (!stack.empty()) {
      const uint32_t node = stack.back();
      stack.pop_back();
      closure.push_back(node);
      for (uint32_t child : children[node]) {
        if (!seen[child]) {
          seen[child] = 1;
          stack.push_back(child);
        }
      }
    }
    std::sort(closure.begin(), closure.end());
    closure.shrink_to_fit();
  }
  return graph;
}

std::optional<uint32_t> PermissionGraph::Index(std::string_view id) const {
  auto it = index_.find(Absl(id));
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

bool PermissionGraph::Implies(std::string_view granted,
                              std::string_view wanted) const {
  std::optional<uint32_t> g = Index(granted);
  std::optional<uint32_t> w = Index(wanted);
  if (!g.has_value() || !w.has_value()) return false;
  const std::vector<uint32_t>& closure = closures_[*g];
  return std::binary_search(closure.begin(), closure.end(), *w);
}

PermissionGraph::Verdict PermissionGraph::Evaluate(
    const std::vector<std::string>& grants, std::string_view wanted) const {
  Verdict verdict;
  std::optional<uint32_t> w = Index(wanted);
  if (!w.has_value()) {
    verdict.kind = Verdict::Kind::kUnknownPermission;
    return verdict;
  }
  // Indices are in id order, so the smallest containing index is the
  // first containing grant by id: the answer does not depend on the order
  // storage returned the grants in.
  std::optional<uint32_t> via;
  for (const std::string& grant : grants) {
    std::optional<uint32_t> g = Index(grant);
    if (!g.has_value()) continue;
    if (*g == *w) {
      verdict.kind = Verdict::Kind::kGranted;
      return verdict;
    }
    const std::vector<uint32_t>& closure = closures_[*g];
    if ((!via.has_value() || *g < *via) &&
        std::binary_search(closure.begin(), closure.end(), *w)) {
      via = *g;
    }
  }
  if (via.has_value()) {
    verdict.kind = Verdict::Kind::kContained;
    verdict.via = ids_[*via];
  } else {
    verdict.kind = Verdict::Kind::kNotGranted;
  }
  return verdict;
}

std::vector<std::string> PermissionGraph::Expand(
    const std::vector<std::string>& grants) const {
  std::vector<uint32_t> all;
  for (const std::string& grant : grants) {
    std::optional<uint32_t> g = Index(grant);
    if (!g.has_value()) continue;
    all.insert(all.end(), closures_[*g].begin(), closures_[*g].end());
  }
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  std::vector<std::string> out;
  out.reserve(all.size());
  for (uint32_t i : all) out.push_back(ids_[i]);
  return out;
}

std::vector<std::string> PermissionGraph::ClosureOf(std::string_view id) const {
  std::optional<uint32_t> i = Index(id);
  if (!i.has_value()) return {};
  std::vector<std::string> out;
  out.reserve(closures_[*i].size());
  for (uint32_t c : closures_[*i]) out.push_back(ids_[c]);
  return out;
}

std::optional<std::string> PermissionGraph::FindCycle(
    const std::vector<storage::ContainmentEdge>& edges, std::string_view parent,
    const std::vector<std::string>& children) {
  absl::flat_hash_map<std::string, std::vector<std::string>> adjacency;
  for (const storage::ContainmentEdge& edge : edges) {
    if (edge.parent_id == parent) continue;
    adjacency[edge.parent_id].push_back(edge.child_id);
  }
  // `parent` contains itself through `child` exactly when `child` reaches
  // `parent` in the graph without parent's old edges.
  for (const std::string& child : children) {
    if (child == parent) return child;
    std::set<std::string, std::less<>> seen = {child};
    std::vector<std::string> stack = {child};
    while (!stack.empty()) {
      std::string node = std::move(stack.back());
      stack.pop_back();
      auto it = adjacency.find(node);
      if (it == adjacency.end()) continue;
      for (const std::string& next : it->second) {
        if (next == parent) return child;
        if (seen.insert(next).second) stack.push_back(next);
      }
    }
  }
  return std::nullopt;
}

}  // namespace latchkey::service::core
