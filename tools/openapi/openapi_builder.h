#ifndef TOOLS_OPENAPI_OPENAPI_BUILDER_H_
#define TOOLS_OPENAPI_OPENAPI_BUILDER_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "identity/v1/errors.pb.h"
#include "nlohmann/json.hpp"
#include "service/pipeline/method_catalog.h"
#include "tools/openapi/source_comments.h"

namespace latchkey::openapi {

// The REST API as an OpenAPI 3.1 document, derived from the contract the
// gateway serves: one operation per google.api.http binding of each RPC in
// `catalog`; request and response schemas from the messages, spelled as
// service/json reads and writes them (snake_case field names, enums by
// value name, int64 as JSON numbers, unset optional fields as null unless
// omit_if_unset, server_only fields only for server and admin callers,
// update_mask derived from a PATCH body's keys); Stack's headers as
// parameters, chosen by each RPC's identity.v1.access rule; and the error
// codes each operation can answer, with their HTTP status and body from
// the identity.v1.error option of errors.proto. `comments` supplies
// descriptions and the method-specific codes listed after "Errors:" in an
// RPC's comment. Deterministic: the same contract gives the same bytes.
nlohmann::ordered_json BuildOpenApi(const service::MethodCatalog& catalog,
                                    const SourceComments& comments);

// The error codes an RPC comment names after "Errors:"; a name ending in
// "_*" stands for every code with that prefix. Upper-case words with an
// underscore that name no code are appended to `unknown`, so a test can
// keep the comments honest.
std::vector<identity::v1::ErrorCode> ErrorsNamedIn(
    absl::string_view comment, std::vector<std::string>* unknown);

// "/api/v1/users/{user_id=*}" -> "/api/v1/users/{user_id}".
std::string OpenApiPath(absl::string_view path_template);

// The route the gateway serves the document on.
inline constexpr absl::string_view kOpenApiRoute = "/api/v1/openapi.json";

}  // namespace latchkey::openapi

#endif  // TOOLS_OPENAPI_OPENAPI_BUILDER_H_
