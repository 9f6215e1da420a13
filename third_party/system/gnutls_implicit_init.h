#ifndef THIRD_PARTY_SYSTEM_GNUTLS_IMPLICIT_INIT_H_
#define THIRD_PARTY_SYSTEM_GNUTLS_IMPLICIT_INIT_H_

namespace latchkey::system {

// GnuTLS initializes itself in a library constructor the moment it is
// loaded: random generator, crypto back ends, the system priority file,
// about 0.6 MiB of memory touched. Latchkey never calls it; it comes in with
// libpq and libcurl as a dependency of their LDAP support, and libldap calls
// gnutls_global_init itself before it uses TLS (libpq and libcurl do their
// own TLS with OpenSSL). Setting GnuTLS's own switch,
// GNUTLS_NO_IMPLICIT_INIT=1, skips that constructor's work. A value the
// operator set is left alone.
//
// Call at the start of main(), while the process has one thread: setenv is
// not safe beside another thread's getenv.
void SkipGnutlsImplicitInit();

}  // namespace latchkey::system

#endif  // THIRD_PARTY_SYSTEM_GNUTLS_IMPLICIT_INIT_H_
