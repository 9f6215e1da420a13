// libFuzzer target: project configuration overrides (service/core/
// project_config.h): two override levels as JSON text, separated by a NUL
// byte, read as the service reads stored levels, merged as a PATCH merges
// them, and applied to the defaults. Properties: nothing crashes; a refused
// override leaves the configuration unchanged; an accepted one validates.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "crypto/strict_json.h"
#include "google/protobuf/util/message_differencer.h"
#include "service/core/project_config.h"

namespace core = latchkey::service::core;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 16384) return 0;
  absl::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t split = input.find('\0');
  const std::string first(input.substr(0, split));
  const std::string second(
      split == absl::string_view::npos ? "{}" : input.substr(split + 1));
  (void)core::EffectiveProjectConfig({first, second});

  absl::StatusOr<nlohmann::json> existing =
      latchkey::crypto::ParseStrictJsonObject(first);
  absl::StatusOr<nlohmann::json> patch =
      latchkey::crypto::ParseStrictJsonObject(second);
  if (!existing.ok() || !patch.ok()) return 0;
  const nlohmann::json merged = core::MergeOverrides(*existing, *patch);
  if (!merged.is_object()) std::abort();
  identity::v1::ProjectConfig config = core::DefaultProjectConfig();
  const identity::v1::ProjectConfig before = config;
  if (!core::ApplyConfigOverride(merged, config).ok()) {
    if (!google::protobuf::util::MessageDifferencer::Equals(config, before)) {
      std::abort();
    }
    return 0;
  }
  if (!core::ValidateProjectConfig(config).ok()) std::abort();
  return 0;
}
