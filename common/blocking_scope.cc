#include "common/blocking_scope.h"

namespace latchkey::common {
namespace {

thread_local NonBlockingScope* innermost_scope = nullptr;

}  // namespace

NonBlockingScope::NonBlockingScope() : outer_(innermost_scope) {
  innermost_scope = this;
}

NonBlockingScope::~NonBlockingScope() { innermost_scope = outer_; }

bool MayBlock() {
  if (innermost_scope == nullptr) return true;
  innermost_scope->refused_ = true;
  return false;
}

}  // namespace latchkey::common
