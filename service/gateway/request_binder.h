#ifndef SERVICE_GATEWAY_REQUEST_BINDER_H_
#define SERVICE_GATEWAY_REQUEST_BINDER_H_

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "identity/v1/options.pb.h"
#include "service/gateway/route_table.h"

namespace latchkey::service::gateway {

// The parts of an HTTP request that make up an RPC's request message.
struct HttpRequestParts {
  std::vector<PathBinding> path_bindings = {};
  // The raw query string, without "?".
  absl::string_view query = {};
  // The content-type header, or empty when absent.
  absl::string_view content_type = {};
  absl::string_view body = {};
};

// How a route maps HTTP onto its request message.
struct BindingRule {
  // "*": the body is the whole message (minus path fields); "": no body,
  // and every other field comes from the query string.
  absl::string_view body_field = {};
  identity::v1::BodyEncoding body_encoding = identity::v1::BODY_ENCODING_JSON;
  // Whether the caller may set server_only fields.
  bool allow_server_only = true;
  // Query and form keys that name no field are skipped, and with a body
  // rule the query is bound too (AccessRule.ignore_unknown_keys).
  bool ignore_unknown_keys = false;
};

// Builds the request message in stages: path variables, then the query
// string, then the body (JSON object, or form-encoded where the rule says
// so), then update_mask from the body's keys (PATCH semantics). Returns OK
// or a catalogue error: BODY_PARSING_ERROR for malformed JSON or form data,
// UNSUPPORTED_MEDIA_TYPE for other content types, SCHEMA_ERROR (naming the
// field) for unknown keys, wrong types, a path field repeated in the body,
// or a body where the route takes none. An empty body, with or without a
// content type, is `{}`. Thread-safe (stateless).
absl::Status BindRequest(const HttpRequestParts& request,
                         const BindingRule& rule,
                         google::protobuf::Message& message);

}  // namespace latchkey::service::gateway

#endif  // SERVICE_GATEWAY_REQUEST_BINDER_H_
