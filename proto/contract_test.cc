// Walks the compiled identity.v1 descriptors and fails when the contract is
// incomplete: an RPC without its REST route or access rule, two RPCs on the
// same verb and path, a path variable that names no request field, or an
// error code without its wire spec.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/api/annotations.pb.h"
#include "google/api/http.pb.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "identity/v1/auth.pb.h"
#include "identity/v1/errors.pb.h"
#include "identity/v1/options.pb.h"
#include "identity/v1/project.pb.h"
#include "identity/v1/team_permission.pb.h"
#include "identity/v1/token.pb.h"
#include "identity/v1/user.pb.h"

namespace {

using google::api::HttpRule;
using google::protobuf::MethodDescriptor;
using google::protobuf::ServiceDescriptor;

std::vector<const ServiceDescriptor*> Services() {
  return {
      identity::v1::PasswordSignUpRequest::descriptor()
          ->file()
          ->FindServiceByName("AuthService"),
      identity::v1::OAuthTokenRequest::descriptor()->file()->FindServiceByName(
          "TokenService"),
      identity::v1::CreateProjectRequest::descriptor()
          ->file()
          ->FindServiceByName("ProjectService"),
      identity::v1::CreateTeamRequest::descriptor()->file()->FindServiceByName(
          "TeamPermissionService"),
      identity::v1::CreateUserRequest::descriptor()->file()->FindServiceByName(
          "UserService"),
  };
}

struct Route {
  std::string verb;
  std::string path;
  std::string body;
};

std::vector<Route> RoutesOf(const HttpRule& rule) {
  std::vector<Route> routes;
  auto add = [&](const HttpRule& r) {
    Route route;
    route.body = r.body();
    switch (r.pattern_case()) {
      case HttpRule::kGet:
        route = {"GET", r.get(), r.body()};
        break;
      case HttpRule::kPost:
        route = {"POST", r.post(), r.body()};
        break;
      case HttpRule::kPut:
        route = {"PUT", r.put(), r.body()};
        break;
      case HttpRule::kPatch:
        route = {"PATCH", r.patch(), r.body()};
        break;
      case HttpRule::kDelete:
        route = {"DELETE", r.delete_(), r.body()};
        break;
      default:
        route = {"", "", r.body()};
    }
    routes.push_back(route);
  };
  add(rule);
  for (const HttpRule& extra : rule.additional_bindings()) add(extra);
  return routes;
}

// "/api/v1/users/{user_id}" -> "/api/v1/users/{}": two templates that differ
// only in variable names match the same requests.
std::string Shape(const std::string& path) {
  std::vector<std::string> segments = absl::StrSplit(path, '/');
  for (std::string& segment : segments) {
    if (absl::StartsWith(segment, "{")) segment = "{}";
  }
  return absl::StrJoin(segments, "/");
}

std::vector<std::string> Variables(const std::string& path) {
  std::vector<std::string> names;
  for (absl::string_view segment : absl::StrSplit(path, '/')) {
    if (absl::StartsWith(segment, "{") && absl::EndsWith(segment, "}")) {
      absl::string_view inner = segment.substr(1, segment.size() - 2);
      names.emplace_back(inner.substr(0, inner.find('=')));
    }
  }
  return names;
}

TEST(Contract, DeclaresAllFiveServices) {
  for (const ServiceDescriptor* service : Services()) {
    ASSERT_NE(service, nullptr);
    EXPECT_GT(service->method_count(), 0) << service->full_name();
  }
}

TEST(Contract, EveryRpcHasARouteAndAnAccessRule) {
  int methods = 0;
  for (const ServiceDescriptor* service : Services()) {
    for (int i = 0; i < service->method_count(); ++i) {
      const MethodDescriptor* method = service->method(i);
      ++methods;
      SCOPED_TRACE(method->full_name());
      ASSERT_TRUE(method->options().HasExtension(google::api::http))
          << "missing google.api.http";
      ASSERT_TRUE(method->options().HasExtension(identity::v1::access))
          << "missing identity.v1.access";
      const identity::v1::AccessRule& access =
          method->options().GetExtension(identity::v1::access);
      EXPECT_TRUE(access.public_() || access.allow_size() > 0)
          << "an RPC must be public or allow at least one access type";
      EXPECT_FALSE(access.public_() && access.allow_size() > 0)
          << "a public RPC lists no access types";
      const int status = access.http_status() == 0 ? 200 : access.http_status();
      EXPECT_TRUE(status == 200 || status == 201 || status == 307 ||
                  status == 302)
          << "unexpected success status " << status;
      if (status >= 300) {
        EXPECT_EQ(method->output_type()->full_name(),
                  "identity.v1.RedirectResponse");
      }
      EXPECT_FALSE(method->client_streaming() || method->server_streaming());
    }
  }
  EXPECT_GE(methods, 80);
}

TEST(Contract, RoutesAreWellFormedAndBindExistingFields) {
  for (const ServiceDescriptor* service : Services()) {
    for (int i = 0; i < service->method_count(); ++i) {
      const MethodDescriptor* method = service->method(i);
      SCOPED_TRACE(method->full_name());
      for (const Route& route :
           RoutesOf(method->options().GetExtension(google::api::http))) {
        ASSERT_FALSE(route.verb.empty()) << "custom verbs are not used";
        // "/api/v1" itself: the API's root (DescribeCaller).
        EXPECT_TRUE(absl::StartsWith(route.path, "/api/v1/") ||
                    route.path == "/api/v1")
            << route.path;
        if (route.verb == "GET" || route.verb == "DELETE") {
          EXPECT_TRUE(route.body.empty()) << route.verb << " with a body";
        } else {
          EXPECT_EQ(route.body, "*") << route.verb << " " << route.path;
        }
        for (const std::string& name : Variables(route.path)) {
          EXPECT_NE(method->input_type()->FindFieldByName(name), nullptr)
              << route.path << " binds {" << name << "}, which "
              << method->input_type()->full_name() << " lacks";
        }
      }
    }
  }
}

TEST(Contract, NoTwoRpcsClaimTheSameVerbAndPath) {
  std::map<std::string, std::string> owner;
  for (const ServiceDescriptor* service : Services()) {
    for (int i = 0; i < service->method_count(); ++i) {
      const MethodDescriptor* method = service->method(i);
      for (const Route& route :
           RoutesOf(method->options().GetExtension(google::api::http))) {
        std::string key = absl::StrCat(route.verb, " ", Shape(route.path));
        auto [it, inserted] = owner.emplace(key, method->full_name());
        EXPECT_TRUE(inserted) << key << " is claimed by " << it->second
                              << " and " << method->full_name();
      }
    }
  }
}

TEST(Contract, ServesStackAuthRoutesAtTheirExactPaths) {
  std::set<std::string> routes;
  for (const ServiceDescriptor* service : Services()) {
    for (int i = 0; i < service->method_count(); ++i) {
      for (const Route& route : RoutesOf(
               service->method(i)->options().GetExtension(google::api::http))) {
        routes.insert(absl::StrCat(route.verb, " ", Shape(route.path)));
      }
    }
  }
  // The routes Stack's SDK calls (docs/stack-wire-format.md).
  for (const char* expected : {
           "POST /api/v1/auth/password/sign-up",
           "POST /api/v1/auth/password/sign-in",
           "POST /api/v1/auth/anonymous/sign-up",
           "GET /api/v1/users/me",
           "PATCH /api/v1/users/me",
           "DELETE /api/v1/auth/sessions/current",
           "GET /api/v1/auth/sessions",
           "DELETE /api/v1/auth/sessions/{}",
           "POST /api/v1/auth/sessions",
           "POST /api/v1/auth/otp/send-sign-in-code",
           "POST /api/v1/auth/otp/sign-in",
           "POST /api/v1/auth/otp/sign-in/check-code",
           "POST /api/v1/auth/password/send-reset-code",
           "POST /api/v1/auth/password/reset/check-code",
           "POST /api/v1/auth/password/reset",
           "POST /api/v1/auth/password/update",
           "POST /api/v1/auth/password/set",
           "POST /api/v1/contact-channels/send-verification-code",
           "POST /api/v1/contact-channels/verify",
           "GET /api/v1/contact-channels",
           "POST /api/v1/contact-channels",
           "GET /api/v1/contact-channels/{}/{}",
           "PATCH /api/v1/contact-channels/{}/{}",
           "DELETE /api/v1/contact-channels/{}/{}",
           "POST /api/v1/contact-channels/{}/{}/send-verification-code",
           "POST /api/v1/users",
           "GET /api/v1/users",
           "GET /api/v1/users/{}",
           "PATCH /api/v1/users/{}",
           "DELETE /api/v1/users/{}",
           "GET /api/v1/teams",
           "POST /api/v1/teams",
           "GET /api/v1/teams/{}",
           "PATCH /api/v1/teams/{}",
           "DELETE /api/v1/teams/{}",
           "POST /api/v1/team-memberships/{}/{}",
           "DELETE /api/v1/team-memberships/{}/{}",
           "GET /api/v1/team-permissions",
           "POST /api/v1/team-permissions/{}/{}/{}",
           "DELETE /api/v1/team-permissions/{}/{}/{}",
           "GET /api/v1/project-permissions",
           "POST /api/v1/project-permissions/{}/{}",
           "DELETE /api/v1/project-permissions/{}/{}",
           "GET /api/v1/projects/current",
           "POST /api/v1/internal/projects",
           "POST /api/v1/internal/api-keys",
           "PATCH /api/v1/internal/config/override/{}",
           "POST /api/v1/auth/oauth/token",
           "POST /api/v1/auth/sessions/current/refresh",
           "GET /api/v1/projects/{}/.well-known/jwks.json",
           "GET /api/v1/projects-anonymous-users/{}/.well-known/jwks.json",
           "GET /api/v1/connected-accounts/{}",
           "POST /api/v1/connected-accounts/{}/{}/access-token",
           "POST /api/v1/connected-accounts/{}/{}/{}/access-token",
           "GET /api/v1/oauth-providers",
           "POST /api/v1/oauth-providers",
           "GET /api/v1/oauth-providers/{}/{}",
           "PATCH /api/v1/oauth-providers/{}/{}",
           "DELETE /api/v1/oauth-providers/{}/{}",
       }) {
    EXPECT_TRUE(routes.count(expected)) << "missing route " << expected;
  }
}

TEST(Contract, EveryErrorCodeHasItsWireSpec) {
  const auto* codes = identity::v1::ErrorCode_descriptor();
  for (int i = 0; i < codes->value_count(); ++i) {
    const auto* value = codes->value(i);
    if (value->number() == 0) continue;
    SCOPED_TRACE(value->name());
    ASSERT_TRUE(value->options().HasExtension(identity::v1::error));
    const identity::v1::ErrorSpec& spec =
        value->options().GetExtension(identity::v1::error);
    EXPECT_GE(spec.http_status(), 400);
    EXPECT_LE(spec.http_status(), 599);
    EXPECT_NE(spec.grpc_code(), 0) << "an error must not map to OK";
    EXPECT_FALSE(spec.message().empty());
    std::set<std::string> names;
    for (const auto& detail : spec.details()) {
      EXPECT_TRUE(names.insert(detail.name()).second)
          << "detail " << detail.name() << " twice";
    }
  }
}

}  // namespace
