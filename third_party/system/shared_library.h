#ifndef THIRD_PARTY_SYSTEM_SHARED_LIBRARY_H_
#define THIRD_PARTY_SYSTEM_SHARED_LIBRARY_H_

#include <initializer_list>

#include "absl/status/status.h"

namespace latchkey::system {

// One symbol to resolve: its name and where its address goes.
struct SymbolSlot {
  const char* name;
  void** address;
};

// Opens the shared library `soname` (RTLD_NOW | RTLD_LOCAL, found the way
// the dynamic linker finds a DT_NEEDED library) and resolves every symbol
// in `symbols` from it. All or nothing: on any failure nothing is written
// and the library is closed again. The error names the library, the Debian
// package that ships it and what went wrong. A library opened successfully
// stays loaded for the life of the process.
absl::Status OpenSharedLibrary(const char* soname, const char* debian_package,
                               std::initializer_list<SymbolSlot> symbols);

// A SymbolSlot for a function pointer of any type.
template <typename Function>
SymbolSlot Slot(const char* name, Function*& pointer) {
  static_assert(sizeof(Function*) == sizeof(void*));
  return SymbolSlot{name, reinterpret_cast<void**>(&pointer)};
}

}  // namespace latchkey::system

#endif  // THIRD_PARTY_SYSTEM_SHARED_LIBRARY_H_
