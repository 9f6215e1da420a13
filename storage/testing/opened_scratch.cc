#include "storage/testing/opened_scratch.h"

#include <utility>

#include "common/status_macros.h"

namespace latchkey::storage::testing {

absl::StatusOr<OpenedScratch> OpenScratch(TestBackend backend,
                                          const common::Clock* clock) {
  OpenedScratch opened;
  LATCHKEY_ASSIGN_OR_RETURN(opened.scratch, ScratchDatabase::Create(backend));
  DatabaseOptions options;
  if (clock != nullptr) options.clock = clock;
  LATCHKEY_ASSIGN_OR_RETURN(opened.database,
                            OpenDatabase(opened.scratch->url(), options));
  return opened;
}

}  // namespace latchkey::storage::testing
