#ifndef TOOLS_OPENAPI_OPENAPI_DOCUMENT_H_
#define TOOLS_OPENAPI_OPENAPI_DOCUMENT_H_

#include "absl/strings/string_view.h"

namespace latchkey::openapi {

// The REST API's OpenAPI 3.1 document (JSON), generated from the contract
// at build time: the document of //tools/openapi:openapi_json's
// openapi.json, without its indentation. Defined in the generated
// openapi_document.cc.
absl::string_view OpenApiJson();

}  // namespace latchkey::openapi

#endif  // TOOLS_OPENAPI_OPENAPI_DOCUMENT_H_
