#ifndef SERVICE_CORE_PERMISSION_GRAPH_H_
#define SERVICE_CORE_PERMISSION_GRAPH_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "storage/records.h"

namespace latchkey::service::core {

// One scope's permission definitions with their containment edges
// ("parent contains child"), compiled once so that questions about them
// cost no graph walk: every permission's closure (itself and everything it
// contains, directly or through other permissions) is computed up front,
// as a sorted list of dense indices. A check is then one hash lookup per
// grant plus a binary search. Memory is the sum of the closures' sizes.
//
// Immutable after Compile; thread-safe. Cheap to move, not to copy.
class PermissionGraph {
 public:
  // `ids`: every defined permission (any order, duplicates ignored).
  // `edges`: containment; edges naming an undefined id are ignored. A cycle
  // (which the service never stores) cannot make compilation loop: a
  // closure is a reachability set.
  static PermissionGraph Compile(
      std::vector<std::string> ids,
      const std::vector<storage::ContainmentEdge>& edges);

  PermissionGraph() = default;

  size_t size() const { return ids_.size(); }
  bool IsDefined(std::string_view id) const { return Index(id).has_value(); }

  // Whether holding `granted` gives `wanted`: the same id, or contained
  // (transitively). False when either is undefined.
  bool Implies(std::string_view granted, std::string_view wanted) const;

  // How a set of direct grants relates to one wanted permission.
  struct Verdict {
    enum class Kind {
      kGranted,            // `wanted` is itself among the grants
      kContained,          // a grant (`via`) contains it
      kNotGranted,         // defined, but no grant gives it
      kUnknownPermission,  // not defined in this scope
    };
    Kind kind = Kind::kNotGranted;
    // For kContained: the first grant, by id, that contains `wanted`.
    std::string via;
  };
  // `grants`: a user's direct grants (undefined ids are ignored).
  Verdict Evaluate(const std::vector<std::string>& grants,
                   std::string_view wanted) const;

  // Everything the grants give: the union of their closures, sorted by id.
  std::vector<std::string> Expand(const std::vector<std::string>& grants) const;

  // What `id` contains, itself included, sorted; empty when undefined.
  std::vector<std::string> ClosureOf(std::string_view id) const;

  // Whether making `children` the direct contents of `parent` would close
  // a cycle, given the scope's other edges (`edges`; those leaving `parent`
  // are ignored, since they are being replaced). Returns the first child,
  // in the order given, through which `parent` would contain itself, or
  // nullopt. Pure; a walk over the graph, for writes only.
  static std::optional<std::string> FindCycle(
      const std::vector<storage::ContainmentEdge>& edges,
      std::string_view parent, const std::vector<std::string>& children);

 private:
  std::optional<uint32_t> Index(std::string_view id) const;

  std::vector<std::string> ids_;  // sorted; index = position
  absl::flat_hash_map<std::string, uint32_t> index_;
  std::vector<std::vector<uint32_t>> closures_;  // each sorted
};

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_PERMISSION_GRAPH_H_
