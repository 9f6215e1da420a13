#ifndef THIRD_PARTY_SYSTEM_CURL_ON_DEMAND_H_
#define THIRD_PARTY_SYSTEM_CURL_ON_DEMAND_H_

#include "absl/status/status.h"

namespace latchkey::system {

// libcurl is opened with dlopen on first use rather than linked, for the
// reason libpq is (libpq_on_demand.h): it pulls in Kerberos, LDAP, SSH,
// RTMP and GnuTLS, which a server that never calls out (no OAuth
// provider, no SMTP, no redirect URL checked yet) does not need mapped.
// Code calls the curl_* functions as usual, through <curl/curl.h>;
// curl_on_demand.cc defines those it uses, each forwarding to the loaded
// library.
//
// Loads libcurl.so.4 once (thread-safe) and returns the outcome, the same
// every time. Without it, the curl_* functions answer as libcurl does on
// failure (no handle, CURLE_FAILED_INIT).
absl::Status LoadLibcurl();

}  // namespace latchkey::system

#endif  // THIRD_PARTY_SYSTEM_CURL_ON_DEMAND_H_
