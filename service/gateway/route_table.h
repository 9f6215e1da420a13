#ifndef SERVICE_GATEWAY_ROUTE_TABLE_H_
#define SERVICE_GATEWAY_ROUTE_TABLE_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "service/gateway/path_template.h"

namespace latchkey::service::gateway {

// A path variable's value, bound to a request field.
struct PathBinding {
  std::vector<std::string> field_path;
  std::string value;  // percent-decoded
};

// Maps HTTP method + path to a route target (an index the caller chose).
// Built once by RouteTable::Builder, then immutable and thread-safe.
//
// Matching goes segment by segment, preferring a literal segment to "*",
// and "*" to "**"; among the templates that match the path, the most
// specific one serving the request's method wins. A path that matches only
// under other methods is kMethodNotAllowed, with those methods listed.
class RouteTable {
 public:
  enum class Outcome { kMatched, kNotFound, kMethodNotAllowed, kBadPath };

  struct Match {
    Outcome outcome = Outcome::kNotFound;
    int target = -1;
    std::vector<PathBinding> bindings;
    // For kMethodNotAllowed: every method the path accepts, sorted.
    std::vector<std::string> allowed_methods;
  };

  class Builder {
   public:
    Builder();
    ~Builder();
    // Adds a route. INVALID_ARGUMENT for a bad template; ALREADY_EXISTS
    // when a route with the same method and the same shape (templates that
    // differ only in variable names) is already there, since the second
    // could never be reached.
    absl::Status Add(absl::string_view http_method,
                     absl::string_view path_template, int target);
    std::unique_ptr<const RouteTable> Build() &&;

   private:
    std::unique_ptr<RouteTable> table_;
  };

  ~RouteTable();

  // `path` is the raw request path (no query), still percent-encoded.
  Match Find(absl::string_view http_method, absl::string_view path) const;

 private:
  struct Terminal {
    int target = -1;
    std::vector<PathTemplate::Variable> variables;
  };
  struct Node {
    std::map<std::string, std::unique_ptr<Node>, std::less<>> literals;
    std::unique_ptr<Node> single;
    std::unique_ptr<Node> multi;
    // By "METHOD" or "METHOD:verb".
    std::map<std::string, Terminal, std::less<>> terminals;
  };

  RouteTable();
  bool Search(const Node& node, const std::vector<std::string>& segments,
              size_t index, absl::string_view key, const Terminal** found,
              std::vector<std::string>* allowed) const;

  std::unique_ptr<Node> root_;
};

// Decodes %XX escapes; nullopt for a malformed escape or a decoded NUL.
std::optional<std::string> PercentDecode(absl::string_view text,
                                         bool plus_is_space);

}  // namespace latchkey::service::gateway

#endif  // SERVICE_GATEWAY_ROUTE_TABLE_H_
