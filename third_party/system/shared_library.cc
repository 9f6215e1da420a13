#include "third_party/system/shared_library.h"

#include <dlfcn.h>

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace latchkey::system {

absl::Status OpenSharedLibrary(const char* soname, const char* debian_package,
                               std::initializer_list<SymbolSlot> symbols) {
  // dlerror()'s text describes the last failing dl* call of this thread
  // only until the next one, so it is read at once after each.
  void* handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    return absl::FailedPreconditionError(absl::StrCat(
        soname, " could not be loaded (install the Debian package ",
        debian_package, "): ", why == nullptr ? "unknown" : why));
  }
  std::vector<void*> resolved;
  resolved.reserve(symbols.size());
  for (const SymbolSlot& symbol : symbols) {
    dlerror();
    void* address = dlsym(handle, symbol.name);
    if (address == nullptr) {
      // Copied before dlclose, which frees dlerror's text.
      const char* error = dlerror();
      const std::string why = error == nullptr ? "null" : error;
      dlclose(handle);
      return absl::FailedPreconditionError(
          absl::StrCat(soname, " lacks the function ", symbol.name,
                       " (package ", debian_package, " too old?): ", why));
    }
    resolved.push_back(address);
  }
  size_t i = 0;
  for (const SymbolSlot& symbol : symbols) *symbol.address = resolved[i++];
  return absl::OkStatus();
}

}  // namespace latchkey::system
