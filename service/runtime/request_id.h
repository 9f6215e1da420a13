#ifndef SERVICE_RUNTIME_REQUEST_ID_H_
#define SERVICE_RUNTIME_REQUEST_ID_H_

#include <string>

namespace latchkey::service {

// A fresh request id: 32 lowercase hex characters. Not a secret (it is sent
// to clients and logged); unique enough to correlate logs. Thread-safe.
std::string NewRequestId();

}  // namespace latchkey::service

#endif  // SERVICE_RUNTIME_REQUEST_ID_H_
