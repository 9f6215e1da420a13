#ifndef STORAGE_TESTING_OPENED_SCRATCH_H_
#define STORAGE_TESTING_OPENED_SCRATCH_H_

#include <memory>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "storage/database.h"
#include "storage/testing/test_database.h"

namespace latchkey::storage::testing {

// A scratch database, opened (and migrated). Destroy `database` before
// `scratch` (the member order does): the scratch removes what the database
// wrote.
struct OpenedScratch {
  std::unique_ptr<ScratchDatabase> scratch;
  std::unique_ptr<Database> database;
};

// A scratch database of `backend` opened with `clock` as the database's
// clock (none: the real one). The scratch's and OpenDatabase's errors.
absl::StatusOr<OpenedScratch> OpenScratch(TestBackend backend,
                                          const common::Clock* clock = nullptr);

}  // namespace latchkey::storage::testing

#endif  // STORAGE_TESTING_OPENED_SCRATCH_H_
