#include "third_party/system/libpq_on_demand.h"

#include <postgresql/libpq-fe.h>

#include "third_party/system/shared_library.h"

namespace latchkey::system {
namespace {

// The libpq functions Latchkey calls. A function used anywhere in the
// project must be listed here and forwarded below (the link fails
// otherwise, as no -lpq is given).
struct LibpqApi {
  decltype(&::PQconnectdb) connectdb = nullptr;
  decltype(&::PQconnectdbParams) connectdb_params = nullptr;
  decltype(&::PQconninfoParse) conninfo_parse = nullptr;
  decltype(&::PQconninfoFree) conninfo_free = nullptr;
  decltype(&::PQstatus) status = nullptr;
  decltype(&::PQtransactionStatus) transaction_status = nullptr;
  decltype(&::PQsocket) socket = nullptr;
  decltype(&::PQerrorMessage) error_message = nullptr;
  decltype(&::PQsetNoticeProcessor) set_notice_processor = nullptr;
  decltype(&::PQfinish) finish = nullptr;
  decltype(&::PQexec) exec = nullptr;
  decltype(&::PQexecParams) exec_params = nullptr;
  decltype(&::PQprepare) prepare = nullptr;
  decltype(&::PQexecPrepared) exec_prepared = nullptr;
  decltype(&::PQresultStatus) result_status = nullptr;
  decltype(&::PQresultErrorMessage) result_error_message = nullptr;
  decltype(&::PQresultErrorField) result_error_field = nullptr;
  decltype(&::PQntuples) ntuples = nullptr;
  decltype(&::PQnfields) nfields = nullptr;
  decltype(&::PQgetvalue) getvalue = nullptr;
  decltype(&::PQgetlength) getlength = nullptr;
  decltype(&::PQgetisnull) getisnull = nullptr;
  decltype(&::PQcmdTuples) cmd_tuples = nullptr;
  decltype(&::PQclear) clear = nullptr;
  decltype(&::PQfreemem) freemem = nullptr;
};

struct Loaded {
  absl::Status status;
  LibpqApi api;
};

const Loaded& Load() {
  static const Loaded* const loaded = [] {
    auto* result = new Loaded;
    LibpqApi& api = result->api;
    result->status = OpenSharedLibrary(
        "libpq.so.5", "libpq5",
        {Slot("PQconnectdb", api.connectdb),
         Slot("PQconnectdbParams", api.connectdb_params),
         Slot("PQconninfoParse", api.conninfo_parse),
         Slot("PQconninfoFree", api.conninfo_free),
         Slot("PQstatus", api.status),
         Slot("PQtransactionStatus", api.transaction_status),
         Slot("PQsocket", api.socket),
         Slot("PQerrorMessage", api.error_message),
         Slot("PQsetNoticeProcessor", api.set_notice_processor),
         Slot("PQfinish", api.finish),
         Slot("PQexec", api.exec),
         Slot("PQexecParams", api.exec_params),
         Slot("PQprepare", api.prepare),
         Slot("PQexecPrepared", api.exec_prepared),
         Slot("PQresultStatus", api.result_status),
         Slot("PQresultErrorMessage", api.result_error_message),
         Slot("PQresultErrorField", api.result_error_field),
         Slot("PQntuples", api.ntuples),
         Slot("PQnfields", api.nfields),
         Slot("PQgetvalue", api.getvalue),
         Slot("PQgetlength", api.getlength),
         Slot("PQgetisnull", api.getisnull),
         Slot("PQcmdTuples", api.cmd_tuples),
         Slot("PQclear", api.clear),
         Slot("PQfreemem", api.freemem)});
    return result;
  }();
  return *loaded;
}

// The loaded functions, or nullptr when libpq could not be loaded.
const LibpqApi* Api() {
  const Loaded& loaded = Load();
  return loaded.status.ok() ? &loaded.api : nullptr;
}

// What PQerrorMessage and friends answer when there is no libpq.
char kNotLoaded[] = "libpq.so.5 could not be loaded\n";

}  // namespace

absl::Status LoadLibpq() { return Load().status; }

}  // namespace latchkey::system

// The forwarders. Without libpq, the functions that create a connection or
// a result return nullptr (libpq's own answer when out of memory), so no
// other function can be reached with a live object; the others answer as
// libpq does for a null connection or result.
using latchkey::system::Api;
using latchkey::system::kNotLoaded;

extern "C" {

PGconn* PQconnectdb(const char* conninfo) {
  const auto* api = Api();
  return api == nullptr ? nullptr : api->connectdb(conninfo);
}

PGconn* PQconnectdbParams(const char* const* keywords,
                          const char* const* values, int expand_dbname) {
  const auto* api = Api();
  return api == nullptr
             ? nullptr
             : api->connectdb_params(keywords, values, expand_dbname);
}

PQconninfoOption* PQconninfoParse(const char* conninfo, char** errmsg) {
  const auto* api = Api();
  if (api == nullptr) {
    if (errmsg != nullptr) *errmsg = nullptr;
    return nullptr;
  }
  return api->conninfo_parse(conninfo, errmsg);
}

void PQconninfoFree(PQconninfoOption* options) {
  if (const auto* api = Api()) api->conninfo_free(options);
}

ConnStatusType PQstatus(const PGconn* conn) {
  const auto* api = Api();
  return api == nullptr ? CONNECTION_BAD : api->status(conn);
}

PGTransactionStatusType PQtransactionStatus(const PGconn* conn) {
  const auto* api = Api();
  return api == nullptr ? PQTRANS_UNKNOWN : api->transaction_status(conn);
}

int PQsocket(const PGconn* conn) {
  const auto* api = Api();
  return api == nullptr ? -1 : api->socket(conn);
}

char* PQerrorMessage(const PGconn* conn) {
  const auto* api = Api();
  return api == nullptr ? kNotLoaded : api->error_message(conn);
}

PQnoticeProcessor PQsetNoticeProcessor(PGconn* conn, PQnoticeProcessor proc,
                                       void* arg) {
  const auto* api = Api();
  return api == nullptr ? nullptr : api->set_notice_processor(conn, proc, arg);
}

void PQfinish(PGconn* conn) {
  if (const auto* api = Api()) api->finish(conn);
}

PGresult* PQexec(PGconn* conn, const char* query) {
  const auto* api = Api();
  return api == nullptr ? nullptr : api->exec(conn, query);
}

PGresult* PQexecParams(PGconn* conn, const char* command, int n_params,
                       const Oid* param_types, const char* const* param_values,
                       const int* param_lengths, const int* param_formats,
                       int result_format) {
  const auto* api = Api();
  return api == nullptr ? nullptr
                        : api->exec_params(conn, command, n_params, param_types,
                                           param_values, param_lengths,
                                           param_formats, result_format);
}

PGresult* PQprepare(PGconn* conn, const char* statement_name, const char* query,
                    int n_params, const Oid* param_types) {
  const auto* api = Api();
  return api == nullptr
             ? nullptr
             : api->prepare(conn, statement_name, query, n_params, param_types);
}

PGresult* PQexecPrepared(PGconn* conn, const char* statement_name, int n_params,
                         const char* const* param_values,
                         const int* param_lengths, const int* param_formats,
                         int result_format) {
  const auto* api = Api();
  return api == nullptr
             ? nullptr
             : api->exec_prepared(conn, statement_name, n_params, param_values,
                                  param_lengths, param_formats, result_format);
}

ExecStatusType PQresultStatus(const PGresult* result) {
  const auto* api = Api();
  return api == nullptr ? PGRES_FATAL_ERROR : api->result_status(result);
}

char* PQresultErrorMessage(const PGresult* result) {
  const auto* api = Api();
  return api == nullptr ? kNotLoaded : api->result_error_message(result);
}

char* PQresultErrorField(const PGresult* result, int field_code) {
  const auto* api = Api();
  return api == nullptr ? nullptr : api->result_error_field(result, field_code);
}

int PQntuples(const PGresult* result) {
  const auto* api = Api();
  return api == nullptr ? 0 : api->ntuples(result);
}

int PQnfields(const PGresult* result) {
  const auto* api = Api();
  return api == nullptr ? 0 : api->nfields(result);
}

char* PQgetvalue(const PGresult* result, int row, int field) {
  const auto* api = Api();
  return api == nullptr ? nullptr : api->getvalue(result, row, field);
}

int PQgetlength(const PGresult* result, int row, int field) {
  const auto* api = Api();
  return api == nullptr ? 0 : api->getlength(result, row, field);
}

int PQgetisnull(const PGresult* result, int row, int field) {
  const auto* api = Api();
  return api == nullptr ? 1 : api->getisnull(result, row, field);
}

char* PQcmdTuples(PGresult* result) {
  const auto* api = Api();
  static char empty[] = "";
  return api == nullptr ? empty : api->cmd_tuples(result);
}

void PQclear(PGresult* result) {
  if (const auto* api = Api()) api->clear(result);
}

void PQfreemem(void* pointer) {
  if (const auto* api = Api()) api->freemem(pointer);
}

}  // extern "C"
