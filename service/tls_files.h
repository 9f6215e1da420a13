#ifndef SERVICE_TLS_FILES_H_
#define SERVICE_TLS_FILES_H_

#include <string>

#include "absl/status/status.h"

namespace latchkey::service {

// Checks the TLS files latchkeyd was given before it listens, so that a
// wrong path or a key of another certificate stops the start with a clear
// message instead of failing every handshake later: the chain holds at
// least one PEM certificate, the key is a PEM private key matching the first
// (leaf) certificate, and the CA bundle (when not empty) holds at least one
// certificate. FAILED_PRECONDITION naming the file and the problem.
absl::Status CheckTlsFiles(const std::string& cert_file,
                           const std::string& key_file,
                           const std::string& client_ca_file);

}  // namespace latchkey::service

#endif  // SERVICE_TLS_FILES_H_
