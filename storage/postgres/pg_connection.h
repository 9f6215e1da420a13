#ifndef STORAGE_POSTGRES_PG_CONNECTION_H_
#define STORAGE_POSTGRES_PG_CONNECTION_H_

#include <postgresql/libpq-fe.h>

#include <memory>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "storage/sql.h"

namespace latchkey::storage::postgres {

// One libpq connection with a cache of server-side prepared statements.
// Every value travels as a bound parameter (PQexecPrepared); text format,
// except bytes, which go binary. Not thread-safe: one thread uses it at a
// time (the pool hands it out).
class PgConnection final : public SqlExecutor {
 public:
  // Connects to `url` and sets the statement timeout. Returns UNAVAILABLE
  // when the server cannot be reached or refuses the connection; the
  // message names `display_url` (the URL without its password).
  static absl::StatusOr<std::unique_ptr<PgConnection>> Connect(
      const std::string& url, const std::string& display_url,
      absl::Duration connect_timeout, absl::Duration statement_timeout);

  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;
  ~PgConnection() override;

  using SqlExecutor::Execute;
  Dialect dialect() const override { return Dialect::kPostgres; }
  absl::StatusOr<SqlResult> Execute(std::string_view sql,
                                    absl::Span<const SqlParam> params) override;

  // Runs a multi-statement script without parameters (migrations).
  absl::Status ExecScript(std::string_view script);

  // False once the connection is known to be dead, or when an idle
  // connection has unexpected input waiting (the server said goodbye, e.g.
  // it restarted): such a connection must not be reused. Cheap: one
  // non-blocking poll.
  bool LooksReusable();

  // True unless the connection broke during the last call.
  bool ok() const { return PQstatus(conn_) == CONNECTION_OK; }

 private:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  absl::StatusOr<std::string> Prepare(std::string_view sql);

  PGconn* conn_;
  // SQL text -> server-side statement name.
  absl::flat_hash_map<std::string, std::string> statements_;
};

// Maps a failed PGresult (or none, when the connection broke) to the
// storage layer's canonical status. Takes no ownership.
absl::Status PgError(PGconn* conn, const PGresult* result);

// `url` with any password replaced by "***", for messages and logs.
std::string RedactPostgresUrl(std::string_view url);

}  // namespace latchkey::storage::postgres

#endif  // STORAGE_POSTGRES_PG_CONNECTION_H_
