#include "service/core/permission_graph.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace latchkey::service::core {
namespace {

using ::testing::ElementsAre;
using Kind = PermissionGraph::Verdict::Kind;

std::vector<storage::ContainmentEdge> Edges(
    std::vector<std::pair<std::string, std::string>> pairs) {
  std::vector<storage::ContainmentEdge> out;
  for (auto& [parent, child] : pairs) out.push_back({parent, child});
  return out;
}

TEST(PermissionGraphTest, ClosureFollowsSeveralLevels) {
  // l0 -> l1 -> l2 -> l3 -> l4
  PermissionGraph graph = PermissionGraph::Compile(
      {"l0", "l1", "l2", "l3", "l4"},
      Edges({{"l0", "l1"}, {"l1", "l2"}, {"l2", "l3"}, {"l3", "l4"}}));
  EXPECT_TRUE(graph.Implies("l0", "l4"));
  EXPECT_TRUE(graph.Implies("l2", "l2"));
  EXPECT_FALSE(graph.Implies("l4", "l0"));
  EXPECT_THAT(graph.ClosureOf("l1"), ElementsAre("l1", "l2", "l3", "l4"));
  EXPECT_THAT(graph.ClosureOf("nope"), ElementsAre());
}

TEST(PermissionGraphTest, DiamondIsCountedOnce) {
  // top -> left -> bottom, top -> right -> bottom
  PermissionGraph graph = PermissionGraph::Compile(
      {"top", "left", "right", "bottom"}, Edges({{"top", "left"},
                                                 {"top", "right"},
                                                 {"left", "bottom"},
                                                 {"right", "bottom"}}));
  EXPECT_THAT(graph.ClosureOf("top"),
              ElementsAre("bottom", "left", "right", "top"));
  EXPECT_THAT(graph.Expand({"left", "right"}),
              ElementsAre("bottom", "left", "right"));
}

TEST(PermissionGraphTest, EvaluateNamesTheWayAPermissionIsHeld) {
  PermissionGraph graph = PermissionGraph::Compile(
      {"admin", "editor", "read", "write", "other"},
      Edges({{"admin", "editor"}, {"editor", "read"}, {"editor", "write"}}));
  auto direct = graph.Evaluate({"read"}, "read");
  EXPECT_EQ(direct.kind, Kind::kGranted);
  // Two grants contain "read": the first by id is named, whatever the
  // order they came in.
  auto contained = graph.Evaluate({"editor", "admin"}, "read");
  EXPECT_EQ(contained.kind, Kind::kContained);
  EXPECT_EQ(contained.via, "admin");
  EXPECT_EQ(graph.Evaluate({"other"}, "read").kind, Kind::kNotGranted);
  EXPECT_EQ(graph.Evaluate({}, "read").kind, Kind::kNotGranted);
  EXPECT_EQ(graph.Evaluate({"admin"}, "missing").kind,
            Kind::kUnknownPermission);
  // A grant of an id no longer defined gives nothing.
  EXPECT_EQ(graph.Evaluate({"gone"}, "read").kind, Kind::kNotGranted);
}

TEST(PermissionGraphTest, StoredCycleDoesNotLoop) {
  PermissionGraph graph = PermissionGraph::Compile(
      {"a", "b", "c"}, Edges({{"a", "b"}, {"b", "c"}, {"c", "a"}}));
  EXPECT_THAT(graph.ClosureOf("b"), ElementsAre("a", "b", "c"));
}

TEST(PermissionGraphTest, EdgesToUndefinedIdsAreIgnored) {
  PermissionGraph graph = PermissionGraph::Compile(
      {"a", "a", "b"}, Edges({{"a", "x"}, {"y", "b"}}));
  EXPECT_EQ(graph.size(), 2u);
  EXPECT_THAT(graph.ClosureOf("a"), ElementsAre("a"));
}

TEST(PermissionGraphTest, FindCycleRefusesSelfAndIndirectContainment) {
  auto edges = Edges({{"a", "b"}, {"b", "c"}, {"x", "y"}});
  EXPECT_EQ(PermissionGraph::FindCycle(edges, "a", {"a"}), "a");
  // c -> a would close a -> b -> c -> a; reported through the child.
  EXPECT_EQ(PermissionGraph::FindCycle(edges, "c", {"y", "a"}), "a");
  EXPECT_EQ(PermissionGraph::FindCycle(edges, "c", {"x", "y"}), std::nullopt);
  // a's own edges are being replaced, so they cannot make a cycle.
  EXPECT_EQ(PermissionGraph::FindCycle(edges, "a", {"c"}), std::nullopt);
  // Diamonds are not cycles.
  auto diamond = Edges({{"top", "l"}, {"top", "r"}, {"l", "bottom"}});
  EXPECT_EQ(PermissionGraph::FindCycle(diamond, "r", {"bottom"}), std::nullopt);
  EXPECT_EQ(PermissionGraph::FindCycle(diamond, "bottom", {"x", "top"}), "top");
}

}  // namespace
}  // namespace latchkey::service::core
