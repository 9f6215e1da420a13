#ifndef STORAGE_REPOSITORIES_H_
#define STORAGE_REPOSITORIES_H_

#include "storage/sql.h"

namespace latchkey::storage {

// Every repository, bound to one connection for the duration of a
// Database::Run or RunInTransaction callback. Not thread-safe and not to be
// kept beyond the callback.
class Repositories {
 public:
  explicit Repositories(SqlExecutor& executor) : executor_(executor) {}
  Repositories(const Repositories&) = delete;
  Repositories& operator=(const Repositories&) = delete;

 private:
  [[maybe_unused]] SqlExecutor& executor_;
};

}  // namespace latchkey::storage

#endif  // STORAGE_REPOSITORIES_H_
