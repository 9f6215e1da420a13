// libFuzzer target: email normalization (service/core/emails.h) on raw
// bytes. Properties: a normalised address is valid, at most 254 octets, and
// normalising it again changes nothing; a refusal is SCHEMA_ERROR.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "service/core/emails.h"
#include "service/errors/api_error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view raw(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<std::string> normalized =
      latchkey::service::core::NormalizeEmail(raw, "body.email");
  (void)latchkey::service::core::IsValidEmail(raw);
  if (!normalized.ok()) {
    auto error = latchkey::service::ReadApiError(normalized.status());
    if (!error.has_value() || error->code != identity::v1::SCHEMA_ERROR) {
      std::abort();
    }
    return 0;
  }
  if (!latchkey::service::core::IsValidEmail(*normalized)) std::abort();
  if (normalized->size() > 254) std::abort();
  absl::StatusOr<std::string> again =
      latchkey::service::core::NormalizeEmail(*normalized, "body.email");
  if (!again.ok() || *again != *normalized) std::abort();
  return 0;
}
