#include "service/tls_files.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace latchkey::service {
namespace {

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};

absl::Status Problem(const std::string& setting, const std::string& path,
                     absl::string_view what) {
  ERR_clear_error();
  return absl::FailedPreconditionError(
      absl::StrCat(setting, ": ", path, ": ", what));
}

bool ReadFile(const std::string& path, std::string& out) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return false;
  std::stringstream text;
  text << file.rdbuf();
  out = text.str();
  return true;
}

std::unique_ptr<BIO, BioFree> MemoryBio(const std::string& text) {
  return std::unique_ptr<BIO, BioFree>(
      BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

// The first certificate of a PEM text, or null.
std::unique_ptr<X509, X509Free> FirstCertificate(const std::string& pem) {
  auto bio = MemoryBio(pem);
  return std::unique_ptr<X509, X509Free>(
      PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

}  // namespace

absl::Status CheckTlsFiles(const std::string& cert_file,
                           const std::string& key_file,
                           const std::string& client_ca_file) {
  std::string cert_pem;
  if (!ReadFile(cert_file, cert_pem)) {
    return Problem("--tls_cert", cert_file, "cannot be read");
  }
  std::unique_ptr<X509, X509Free> leaf = FirstCertificate(cert_pem);
  if (leaf == nullptr) {
    return Problem("--tls_cert", cert_file, "holds no PEM certificate");
  }
  std::string key_pem;
  if (!ReadFile(key_file, key_pem)) {
    return Problem("--tls_key", key_file, "cannot be read");
  }
  auto key_bio = MemoryBio(key_pem);
  std::unique_ptr<EVP_PKEY, KeyFree> key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (key == nullptr) {
    return Problem("--tls_key", key_file,
                   "holds no unencrypted PEM private key");
  }
  if (X509_check_private_key(leaf.get(), key.get()) != 1) {
    return Problem(
        "--tls_key", key_file,
        absl::StrCat("is not the key of the certificate in ", cert_file));
  }
  if (!client_ca_file.empty()) {
    std::string ca_pem;
    if (!ReadFile(client_ca_file, ca_pem)) {
      return Problem("--tls_client_ca", client_ca_file, "cannot be read");
    }
    if (FirstCertificate(ca_pem) == nullptr) {
      return Problem("--tls_client_ca", client_ca_file,
                     "holds no PEM certificate");
    }
  }
  return absl::OkStatus();
}

}  // namespace latchkey::service
