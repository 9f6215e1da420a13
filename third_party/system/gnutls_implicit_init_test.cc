#include "third_party/system/gnutls_implicit_init.h"

#include <dlfcn.h>

#include <cstdlib>
#include <string>

#include "gtest/gtest.h"

namespace latchkey::system {
namespace {

// GnuTLS's value for "called before the library was initialized".
constexpr int kGnutlsLibInErrorState = -402;

TEST(SkipGnutlsImplicitInitTest, SetsTheSwitchWhenUnset) {
  unsetenv("GNUTLS_NO_IMPLICIT_INIT");
  SkipGnutlsImplicitInit();
  ASSERT_NE(getenv("GNUTLS_NO_IMPLICIT_INIT"), nullptr);
  EXPECT_EQ(std::string(getenv("GNUTLS_NO_IMPLICIT_INIT")), "1");
}

TEST(SkipGnutlsImplicitInitTest, LeavesTheOperatorsValueAlone) {
  setenv("GNUTLS_NO_IMPLICIT_INIT", "0", 1);
  SkipGnutlsImplicitInit();
  EXPECT_EQ(std::string(getenv("GNUTLS_NO_IMPLICIT_INIT")), "0");
}

// The real library, loaded as libpq's and libcurl's LDAP support loads it
// (libgnutls30 comes with libldap on every system that has those two).
// GnuTLS stays loaded once opened, so this is the one test that opens it.
TEST(SkipGnutlsImplicitInitTest,
     GnutlsLoadsUninitializedAndLdapsExplicitInitStillWorks) {
  unsetenv("GNUTLS_NO_IMPLICIT_INIT");
  SkipGnutlsImplicitInit();
  void* gnutls = dlopen("libgnutls.so.30", RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(gnutls, nullptr) << dlerror();
  auto* random_bytes = reinterpret_cast<int (*)(int, void*, size_t)>(
      dlsym(gnutls, "gnutls_rnd"));
  auto* global_init =
      reinterpret_cast<int (*)()>(dlsym(gnutls, "gnutls_global_init"));
  ASSERT_NE(random_bytes, nullptr);
  ASSERT_NE(global_init, nullptr);
  char bytes[8];
  // The constructor did nothing: the library is not initialized yet...
  EXPECT_EQ(random_bytes(/*GNUTLS_RND_NONCE=*/0, bytes, sizeof bytes),
            kGnutlsLibInErrorState);
  // ...until a user calls gnutls_global_init, as libldap does before TLS.
  EXPECT_EQ(global_init(), 0);
  EXPECT_EQ(random_bytes(0, bytes, sizeof bytes), 0);
}

}  // namespace
}  // namespace latchkey::system
