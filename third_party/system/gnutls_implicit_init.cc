#include "third_party/system/gnutls_implicit_init.h"

#include <cstdlib>

namespace latchkey::system {

void SkipGnutlsImplicitInit() {
  setenv("GNUTLS_NO_IMPLICIT_INIT", "1", /*overwrite=*/0);
}

}  // namespace latchkey::system
