#include "storage/postgres/pg_connection.h"

#include <poll.h>

#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "common/string_views.h"
#include "storage/errors.h"

namespace latchkey::storage::postgres {
namespace {

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

void IgnoreNotice(void*, const char*) {}

std::string Field(const PGresult* result, int field) {
  const char* value = PQresultErrorField(result, field);
  return value != nullptr ? value : "";
}

bool IsOk(const PGresult* result) {
  const ExecStatusType status = PQresultStatus(result);
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

}  // namespace

std::string RedactPostgresUrl(std::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  const size_t authority = scheme_end + 3;
  const size_t at = url.find('@', authority);
  const size_t slash = url.find('/', authority);
  if (at == std::string_view::npos ||
      (slash != std::string_view::npos && at > slash)) {
    return std::string(url.substr(0, url.find('?')));
  }
  const size_t colon = url.find(':', authority);
  std::string out(url.substr(0, at));
  if (colon != std::string_view::npos && colon < at) {
    out = absl::StrCat(common::Absl(url.substr(0, colon)), ":***");
  }
  // Query parameters may carry a password too; leave them out.
  absl::StrAppend(&out, common::Absl(url.substr(at, url.find('?', at) - at)));
  return out;
}

absl::Status PgError(PGconn* conn, const PGresult* result) {
  if (result == nullptr || PQstatus(conn) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn);
    absl::StripTrailingAsciiWhitespace(&message);
    return absl::UnavailableError(
        absl::StrCat("PostgreSQL connection lost: ", message));
  }
  const std::string state = Field(result, PG_DIAG_SQLSTATE);
  std::string message = Field(result, PG_DIAG_MESSAGE_PRIMARY);
  const std::string detail = Field(result, PG_DIAG_MESSAGE_DETAIL);
  if (!detail.empty()) absl::StrAppend(&message, " (", detail, ")");
  const std::string constraint = Field(result, PG_DIAG_CONSTRAINT_NAME);
  if (state == "23505") return UniqueViolationError(constraint, message);
  if (state == "23503") return ForeignKeyViolationError(constraint, message);
  if (state == "40001" || state == "40P01" || state == "55P03") {
    return RetryableConflictError(absl::StrCat(state, " ", message));
  }
  if (state == "57014") return absl::DeadlineExceededError(message);
  if (absl::StartsWith(state, "08") || state == "57P01" || state == "57P02" ||
      state == "57P03" || state == "53300") {
    return absl::UnavailableError(absl::StrCat(state, " ", message));
  }
  if (absl::StartsWith(state, "23") || absl::StartsWith(state, "22")) {
    return absl::InvalidArgumentError(absl::StrCat(state, " ", message));
  }
  if (state == "25P02") {
    return absl::FailedPreconditionError(absl::StrCat(
        "the transaction was aborted by an earlier failed statement: ",
        message));
  }
  if (absl::StartsWith(state, "53")) {
    return absl::ResourceExhaustedError(absl::StrCat(state, " ", message));
  }
  return absl::InternalError(
      absl::StrCat("PostgreSQL error ", state, ": ", message));
}

absl::StatusOr<std::unique_ptr<PgConnection>> PgConnection::Connect(
    const std::string& url, const std::string& display_url,
    absl::Duration connect_timeout, absl::Duration statement_timeout) {
  const std::string timeout_seconds =
      absl::StrCat(std::max<int64_t>(1, absl::ToInt64Seconds(connect_timeout)));
  // Keywords before "dbname" are defaults the URL may override.
  const char* const keys[] = {"connect_timeout", "fallback_application_name",
                              "dbname", nullptr};
  const char* const values[] = {timeout_seconds.c_str(), "latchkeyd",
                                url.c_str(), nullptr};
  PGconn* raw = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (raw == nullptr)
    return absl::ResourceExhaustedError("libpq: out of memory");
  auto conn = std::unique_ptr<PgConnection>(new PgConnection(raw));
  if (PQstatus(raw) != CONNECTION_OK) {
    std::string message = PQerrorMessage(raw);
    absl::StripTrailingAsciiWhitespace(&message);
    return absl::UnavailableError(absl::StrCat(
        "cannot connect to PostgreSQL at ", display_url, ": ", message));
  }
  PQsetNoticeProcessor(raw, IgnoreNotice, nullptr);
  // set_config takes the value as a bound parameter, unlike SET.
  LATCHKEY_RETURN_IF_ERROR(
      conn->Execute(
              "SELECT set_config('statement_timeout', $1, false)",
              {absl::StrCat(absl::ToInt64Milliseconds(statement_timeout))})
          .status());
  return conn;
}

PgConnection::~PgConnection() { PQfinish(conn_); }

bool PgConnection::LooksReusable() {
  if (PQstatus(conn_) != CONNECTION_OK ||
      PQtransactionStatus(conn_) != PQTRANS_IDLE) {
    return false;
  }
  pollfd fd{PQsocket(conn_), POLLIN, 0};
  const int ready = poll(&fd, 1, 0);
  // Nothing should arrive on an idle connection we do not LISTEN on; input
  // (or hang-up) there means a shutdown notice or a closed socket.
  return ready == 0;
}

absl::StatusOr<std::string> PgConnection::Prepare(std::string_view sql) {
  auto it = statements_.find(common::Absl(sql));
  if (it != statements_.end()) return it->second;
  std::string name = absl::StrCat("lk", statements_.size() + 1);
  const std::string text(sql);
  ResultPtr result(PQprepare(conn_, name.c_str(), text.c_str(), 0, nullptr));
  if (result == nullptr || PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
    return PgError(conn_, result.get());
  }
  statements_.emplace(text, name);
  return name;
}

absl::StatusOr<SqlResult> PgConnection::Execute(
    std::string_view sql, absl::Span<const SqlParam> params) {
  const int n = static_cast<int>(params.size());
  LATCHKEY_ASSIGN_OR_RETURN(std::string name, Prepare(sql));
  std::vector<std::string> owned(n);
  std::vector<const char*> values(n, nullptr);
  std::vector<int> lengths(n, 0);
  std::vector<int> formats(n, 0);
  for (int i = 0; i < n; ++i) {
    const SqlParam& p = params[i];
    switch (p.kind()) {
      case SqlParam::Kind::kNull:
        break;
      case SqlParam::Kind::kInt:
        owned[i] = absl::StrCat(p.int_value());
        values[i] = owned[i].c_str();
        break;
      case SqlParam::Kind::kBool:
        values[i] = p.int_value() != 0 ? "true" : "false";
        break;
      case SqlParam::Kind::kText:
        values[i] = p.text().c_str();
        break;
      case SqlParam::Kind::kBytes:
        values[i] = p.text().data();
        lengths[i] = static_cast<int>(p.text().size());
        formats[i] = 1;
        break;
    }
  }
  ResultPtr result(PQexecPrepared(conn_, name.c_str(), n, values.data(),
                                  lengths.data(), formats.data(),
                                  /*resultFormat=*/0));
  if (result == nullptr || !IsOk(result.get())) {
    return PgError(conn_, result.get());
  }
  SqlResult out;
  const int rows = PQntuples(result.get());
  const int cols = PQnfields(result.get());
  out.rows.reserve(rows);
  for (int r = 0; r < rows; ++r) {
    std::vector<std::optional<std::string>> cells;
    cells.reserve(cols);
    for (int c = 0; c < cols; ++c) {
      if (PQgetisnull(result.get(), r, c)) {
        cells.emplace_back(std::nullopt);
      } else {
        cells.emplace_back(std::string(PQgetvalue(result.get(), r, c),
                                       PQgetlength(result.get(), r, c)));
      }
    }
    out.rows.emplace_back(std::move(cells), /*hex_bytes=*/true);
  }
  int64_t affected = 0;
  if (absl::SimpleAtoi(PQcmdTuples(result.get()), &affected)) {
    out.affected_rows = affected;
  }
  return out;
}

absl::Status PgConnection::ExecScript(std::string_view script) {
  const std::string text(script);
  ResultPtr result(PQexec(conn_, text.c_str()));
  if (result == nullptr || !IsOk(result.get())) {
    return PgError(conn_, result.get());
  }
  return absl::OkStatus();
}

}  // namespace latchkey::storage::postgres
