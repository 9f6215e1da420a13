// Bounded mutation fuzzing of the gateway's parsers of untrusted input: the
// path-template parser, the route matcher with the contract's real routes,
// and the request binder (query strings, JSON and form bodies). Seeds are
// service/gateway/testdata/corpus. Properties: nothing crashes (sanitizer
// builds catch memory errors); a template that parses prints back to
// itself; the binder answers OK or a client error, never anything else.
//
// LATCHKEY_FUZZ_ITERATIONS and LATCHKEY_FUZZ_SEED override the defaults.
#include <random>
#include <string>
#include <vector>

#include "common/testing/fuzzing.h"
#include "google/api/annotations.pb.h"
#include "google/protobuf/arena.h"
#include "gtest/gtest.h"
#include "service/errors/api_error.h"
#include "service/gateway/path_template.h"
#include "service/gateway/request_binder.h"
#include "service/gateway/route_table.h"
#include "service/pipeline/method_catalog.h"

namespace latchkey::service::gateway {
namespace {

using common::testing::EnvOr;
using common::testing::Mutate;
using common::testing::ReadFiles;
using common::testing::ReadLines;
using common::testing::RunfilesPath;

std::filesystem::path Corpus(const std::string& name) {
  return RunfilesPath("service/gateway/testdata/corpus") / name;
}

uint64_t Iterations() { return EnvOr("LATCHKEY_FUZZ_ITERATIONS", 20000); }

TEST(GatewayFuzz, PathTemplateParserNeverCrashesAndRoundTrips) {
  std::mt19937_64 random(EnvOr("LATCHKEY_FUZZ_SEED", 1));
  std::vector<std::string> seeds = ReadLines(Corpus("templates.txt"));
  ASSERT_FALSE(seeds.empty());
  int parsed = 0;
  for (uint64_t i = 0; i < Iterations(); ++i) {
    const std::string& seed = seeds[i % seeds.size()];
    std::string input = Mutate(random, seed, seeds[(i * 7 + 3) % seeds.size()]);
    auto result = PathTemplate::Parse(input);
    if (!result.ok()) {
      ASSERT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
      continue;
    }
    ++parsed;
    auto again = PathTemplate::Parse(result->ToString());
    ASSERT_TRUE(again.ok()) << "input: " << input;
    ASSERT_EQ(again->ToString(), result->ToString()) << "input: " << input;
  }
  EXPECT_GT(parsed, 0);
}

struct ContractRoutes {
  std::unique_ptr<const MethodCatalog> catalog;
  std::unique_ptr<const RouteTable> table;
  std::vector<const CatalogMethod*> targets;
  std::vector<std::string> bodies;
};

ContractRoutes BuildContractRoutes() {
  ContractRoutes routes;
  routes.catalog =
      std::move(*MethodCatalog::Create(MethodCatalog::IdentityServices()));
  RouteTable::Builder builder;
  for (const CatalogMethod& method : routes.catalog->methods()) {
    const auto& rule =
        method.descriptor->options().GetExtension(google::api::http);
    std::string verb, path;
    switch (rule.pattern_case()) {
      case google::api::HttpRule::kGet:
        verb = "GET";
        path = rule.get();
        break;
      case google::api::HttpRule::kPost:
        verb = "POST";
        path = rule.post();
        break;
      case google::api::HttpRule::kPut:
        verb = "PUT";
        path = rule.put();
        break;
      case google::api::HttpRule::kPatch:
        verb = "PATCH";
        path = rule.patch();
        break;
      case google::api::HttpRule::kDelete:
        verb = "DELETE";
        path = rule.delete_();
        break;
      default:
        continue;
    }
    EXPECT_TRUE(builder.Add(verb, path, routes.targets.size()).ok());
    routes.targets.push_back(&method);
    routes.bodies.push_back(rule.body());
  }
  routes.table = std::move(builder).Build();
  return routes;
}

TEST(GatewayFuzz, RouteMatchingNeverCrashes) {
  std::mt19937_64 random(EnvOr("LATCHKEY_FUZZ_SEED", 2));
  ContractRoutes routes = BuildContractRoutes();
  std::vector<std::string> seeds = ReadLines(Corpus("paths.txt"));
  const char* methods[] = {"GET", "POST", "PATCH", "DELETE", "PUT", "HEAD"};
  int matched = 0;
  for (uint64_t i = 0; i < Iterations(); ++i) {
    std::string path =
        Mutate(random, seeds[i % seeds.size()], seeds[(i + 1) % seeds.size()]);
    auto match = routes.table->Find(methods[i % 6], path);
    if (match.outcome == RouteTable::Outcome::kMatched) {
      ++matched;
      ASSERT_GE(match.target, 0);
      ASSERT_LT(match.target, static_cast<int>(routes.targets.size()));
    }
  }
  EXPECT_GT(matched, 0);
}

TEST(GatewayFuzz, RequestBinderAnswersOkOrAClientError) {
  std::mt19937_64 random(EnvOr("LATCHKEY_FUZZ_SEED", 3));
  ContractRoutes routes = BuildContractRoutes();
  std::vector<std::string> bodies = ReadFiles(Corpus(""));
  std::vector<std::string> queries = ReadLines(Corpus("queries.txt"));
  int accepted = 0;
  for (uint64_t i = 0; i < Iterations(); ++i) {
    const size_t index = i % routes.targets.size();
    const CatalogMethod& method = *routes.targets[index];
    google::protobuf::Arena arena;
    google::protobuf::Message* message = method.request_prototype->New(&arena);
    std::string body = Mutate(random, bodies[i % bodies.size()],
                              bodies[(i * 5 + 1) % bodies.size()]);
    std::string query = Mutate(random, queries[i % queries.size()],
                               queries[(i + 2) % queries.size()]);
    HttpRequestParts parts;
    parts.query = routes.bodies[index].empty() ? absl::string_view(query)
                                               : absl::string_view();
    parts.content_type =
        i % 3 == 0 ? "application/x-www-form-urlencoded" : "application/json";
    parts.body =
        i % 3 == 0 ? absl::string_view(query) : absl::string_view(body);
    BindingRule rule;
    rule.body_field = routes.bodies[index];
    rule.body_encoding = method.access.body_encoding();
    rule.allow_server_only = i % 2 == 0;
    absl::Status status = BindRequest(parts, rule, *message);
    if (status.ok()) {
      ++accepted;
      std::string bytes;
      ASSERT_TRUE(message->SerializeToString(&bytes));
      continue;
    }
    auto error = ReadApiError(status);
    ASSERT_TRUE(error.has_value()) << status;
    ASSERT_TRUE(error->code == identity::v1::SCHEMA_ERROR ||
                error->code == identity::v1::BODY_PARSING_ERROR ||
                error->code == identity::v1::UNSUPPORTED_MEDIA_TYPE)
        << ErrorCodeName(error->code);
  }
  EXPECT_GT(accepted, 0);
}

}  // namespace
}  // namespace latchkey::service::gateway
