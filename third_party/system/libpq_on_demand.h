#ifndef THIRD_PARTY_SYSTEM_LIBPQ_ON_DEMAND_H_
#define THIRD_PARTY_SYSTEM_LIBPQ_ON_DEMAND_H_

#include "absl/status/status.h"

namespace latchkey::system {

// libpq is opened with dlopen on first use rather than linked: a server on
// SQLite (the default) then never maps libpq nor what libpq pulls in
// (Kerberos, LDAP, SASL, GnuTLS: about 4 MiB of resident pages and twenty
// libraries at start-up). Code calls the PQ* functions as usual, through
// <postgresql/libpq-fe.h>; libpq_on_demand.cc defines those it uses, each
// forwarding to the loaded library.
//
// Loads libpq.so.5 once (thread-safe) and returns the outcome, the same
// every time. A caller that needs PostgreSQL calls this first to report a
// missing library clearly; without it, the PQ* functions answer as libpq
// does on failure (no connection, a fatal result, an error text).
absl::Status LoadLibpq();

}  // namespace latchkey::system

#endif  // THIRD_PARTY_SYSTEM_LIBPQ_ON_DEMAND_H_
