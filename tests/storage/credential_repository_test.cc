// Conformance: contact channels, password and TOTP credentials, OAuth
// accounts and passkeys.
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/errors.h"
#include "tests/storage/storage_test_base.h"

namespace latchkey::storage::testing {
namespace {

class CredentialRepositoryTest : public StorageTest {
 protected:
  void SetUp() override {
    StorageTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    AddProject("p");
    AddProject("q");
    AddUser("p", Uuid(1), T(1));
    AddUser("p", Uuid(2), T(2));
  }
};

ContactChannelRecord Channel(const std::string& id, const std::string& user,
                             const std::string& value, bool primary,
                             bool auth) {
  ContactChannelRecord c;
  c.id = id;
  c.project_id = "p";
  c.user_id = user;
  c.value = value;
  c.is_primary = primary;
  c.used_for_auth = auth;
  c.created_at = T(3);
  return c;
}

TEST_P(CredentialRepositoryTest, ContactChannelsRoundTripAndList) {
  ASSERT_TRUE(Call([&](Repositories& r) {
                LATCHKEY_RETURN_IF_ERROR(r.contact_channels().Create(
                    Channel("c1", Uuid(1), "b@example.com", false, false)));
                return r.contact_channels().Create(
                    Channel("c2", Uuid(1), "a@example.com", true, true));
              }).ok());
  auto list = Call([&](Repositories& r) {
    return r.contact_channels().ListForUser("p", Uuid(1));
  });
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, "c2");  // Primary first.
  EXPECT_TRUE((*list)[0].is_primary);
  EXPECT_TRUE((*list)[0].used_for_auth);
  EXPECT_EQ((*list)[0].type, "email");
  EXPECT_EQ((*list)[0].created_at, T(3));
  EXPECT_EQ((*list)[1].value, "b@example.com");

  ContactChannelRecord c = (*list)[1];
  c.is_verified = true;
  c.value = "b2@example.com";
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.contact_channels().Update(c);
              }).ok());
  auto got = Call(
      [&](Repositories& r) { return r.contact_channels().Get("p", "c1"); });
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->is_verified);
  EXPECT_EQ(got->value, "b2@example.com");
  auto auth = Call([&](Repositories& r) {
    return r.contact_channels().FindAuthChannel("p", "email", "a@example.com");
  });
  ASSERT_TRUE(auth.ok());
  EXPECT_EQ(auth->id, "c2");
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.contact_channels().FindAuthChannel("p", "email",
                                                          "b2@example.com");
            })
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.contact_channels().Delete("p", "c1");
              }).ok());
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.contact_channels().Delete("p", "c1");
            }).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(
      Call([&](Repositories& r) { return r.contact_channels().Get("p", "c1"); })
          .status()
          .code(),
      absl::StatusCode::kNotFound);
}

TEST_P(CredentialRepositoryTest, ContactChannelsOfAProjectListOldestFirst) {
  AddUser("q", Uuid(3), T(1));
  ContactChannelRecord late =
      Channel("c1", Uuid(1), "a@example.com", true, true);
  late.created_at = T(9);
  ContactChannelRecord early =
      Channel("c2", Uuid(2), "b@example.com", false, false);
  early.created_at = T(4);
  ContactChannelRecord other =
      Channel("c3", Uuid(3), "c@example.com", false, false);
  other.project_id = "q";
  ASSERT_TRUE(Call([&](Repositories& r) {
                LATCHKEY_RETURN_IF_ERROR(r.contact_channels().Create(late));
                LATCHKEY_RETURN_IF_ERROR(r.contact_channels().Create(early));
                return r.contact_channels().Create(other);
              }).ok());
  auto list = Call([&](Repositories& r) {
    return r.contact_channels().ListForProject("p");
  });
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), 2u);  // Project q's channel is not listed.
  EXPECT_EQ((*list)[0].id, "c2");
  EXPECT_EQ((*list)[0].user_id, Uuid(2));
  EXPECT_EQ((*list)[1].id, "c1");
}

TEST_P(CredentialRepositoryTest, ContactChannelConstraintsAreNamed) {
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.contact_channels().Create(
                    Channel("c1", Uuid(1), "x@example.com", true, true));
              }).ok());
  struct Case {
    ContactChannelRecord channel;
    const char* constraint;
  };
  const Case cases[] = {
      {Channel("c2", Uuid(2), "x@example.com", false, true),
       "contact_channels_auth_unique"},
      {Channel("c3", Uuid(1), "x@example.com", false, false),
       "contact_channels_user_value_unique"},
      {Channel("c4", Uuid(1), "y@example.com", true, false),
       "contact_channels_primary_unique"},
      {Channel("c1", Uuid(2), "z@example.com", false, false),
       "contact_channels_pkey"},
  };
  for (const Case& c : cases) {
    absl::Status status = Call([&](Repositories& r) {
      return r.contact_channels().Create(c.channel);
    });
    EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists) << c.constraint;
    EXPECT_EQ(ViolatedConstraint(status), c.constraint);
  }
  // The same value not used for sign-in may exist on several users.
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.contact_channels().Create(
                    Channel("c5", Uuid(2), "x@example.com", false, false));
              }).ok());
  auto all = Call([&](Repositories& r) {
    return r.contact_channels().ListByValue("p", "email", "x@example.com");
  });
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 2u);
  // A user of another project cannot get a channel in this one.
  ContactChannelRecord foreign =
      Channel("c6", Uuid(1), "f@example.com", false, false);
  foreign.project_id = "q";
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.contact_channels().Create(foreign);
            }).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.contact_channels().Update(
                  Channel("nope", Uuid(1), "n@example.com", false, false));
            }).code(),
            absl::StatusCode::kNotFound);
}

TEST_P(CredentialRepositoryTest, PasswordIsSetReplacedAndDeleted) {
  auto get = [&] {
    return Call([&](Repositories& r) {
      return r.credentials().GetPassword("p", Uuid(1));
    });
  };
  EXPECT_EQ(get().status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.credentials().SetPassword(
                    "p", {Uuid(1), "$2b$10$old", "bcrypt", T(1)});
              }).ok());
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.credentials().SetPassword(
                    "p", {Uuid(1), "$argon2id$new", "argon2id", T(2)});
              }).ok());
  auto got = get();
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->password_hash, "$argon2id$new");
  EXPECT_EQ(got->algorithm, "argon2id");
  EXPECT_EQ(got->updated_at, T(2));
  // Project scoping: the same user id seen from another project is absent.
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.credentials().GetPassword("q", Uuid(1));
            })
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(
      Call([&](Repositories& r) {
        return r.credentials().SetPassword("q", {Uuid(1), "h", "a", T(3)});
      }).code(),
      absl::StatusCode::kNotFound);
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.credentials().DeletePassword("p", Uuid(1));
              }).ok());
  EXPECT_EQ(get().status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.credentials().DeletePassword("p", Uuid(1));
            }).code(),
            absl::StatusCode::kNotFound);
}

TEST_P(CredentialRepositoryTest, TotpSecretBytesRoundTrip) {
  const std::string secret("\x00\xff\x10secret\x80", 10);
  ASSERT_TRUE(
      Call([&](Repositories& r) {
        return r.credentials().SetTotpSecret("p", {Uuid(1), secret, T(4)});
      }).ok());
  auto got = Call([&](Repositories& r) {
    return r.credentials().GetTotpSecret("p", Uuid(1));
  });
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->encrypted_secret, secret);
  EXPECT_EQ(got->created_at, T(4));
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.credentials().DeleteTotpSecret("p", Uuid(1));
              }).ok());
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.credentials().GetTotpSecret("p", Uuid(1));
            })
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.credentials().DeleteTotpSecret("p", Uuid(1));
            }).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.credentials().SetTotpSecret("p", {Uuid(9), "k", T(4)});
            }).code(),
            absl::StatusCode::kNotFound);
}

TEST_P(CredentialRepositoryTest, OAuthAccountsLinkOncePerProviderAccount) {
  OAuthAccountRecord a;
  a.id = "o1";
  a.project_id = "p";
  a.user_id = Uuid(1);
  a.provider_id = "github";
  a.provider_account_id = "12345";
  a.email = "gh@example.com";
  a.allow_connected_accounts = false;
  a.created_at = T(5);
  ASSERT_TRUE(
      Call([&](Repositories& r) { return r.oauth_accounts().Create(a); }).ok());
  auto found = Call([&](Repositories& r) {
    return r.oauth_accounts().FindByProviderAccount("p", "github", "12345");
  });
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->user_id, Uuid(1));
  EXPECT_EQ(found->email, "gh@example.com");
  EXPECT_TRUE(found->allow_sign_in);
  EXPECT_FALSE(found->allow_connected_accounts);
  EXPECT_EQ(found->created_at, T(5));

  OAuthAccountRecord again = a;
  again.id = "o2";
  again.user_id = Uuid(2);
  absl::Status dup =
      Call([&](Repositories& r) { return r.oauth_accounts().Create(again); });
  EXPECT_EQ(dup.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ViolatedConstraint(dup), "oauth_accounts_provider_unique");
  auto list = Call([&](Repositories& r) {
    return r.oauth_accounts().ListForUser("p", Uuid(1));
  });
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 1u);
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.oauth_accounts().Delete("p", "o1");
              }).ok());
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.oauth_accounts().Delete("p", "o1");
            }).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.oauth_accounts().FindByProviderAccount("p", "github",
                                                              "12345");
            })
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

TEST_P(CredentialRepositoryTest, OAuthAccountsKeepProviderTokens) {
  OAuthAccountRecord a;
  a.id = "o1";
  a.project_id = "p";
  a.user_id = Uuid(1);
  a.provider_id = "github";
  a.provider_account_id = "777";
  a.created_at = T(5);
  a.access_token_sealed = std::string("\x00sealed-access", 14);
  a.refresh_token_sealed = std::string("\x01sealed-refresh", 15);
  a.access_token_expires_at = T(60);
  a.granted_scopes = {"read:user", "repo"};
  ASSERT_TRUE(
      Call([&](Repositories& r) { return r.oauth_accounts().Create(a); }).ok());
  auto got =
      Call([&](Repositories& r) { return r.oauth_accounts().Get("p", "o1"); });
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->access_token_sealed, a.access_token_sealed);
  EXPECT_EQ(got->refresh_token_sealed, a.refresh_token_sealed);
  EXPECT_EQ(got->access_token_expires_at, T(60));
  EXPECT_EQ(got->granted_scopes, a.granted_scopes);

  // A refresh answer without a refresh token keeps the stored one.
  OAuthAccountTokens next;
  next.access_token_sealed = std::string("\x02new-access", 11);
  next.access_token_expires_at = T(120);
  next.granted_scopes = {"read:user"};
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.oauth_accounts().UpdateTokens("p", "o1", next);
              }).ok());
  got =
      Call([&](Repositories& r) { return r.oauth_accounts().Get("p", "o1"); });
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->access_token_sealed, next.access_token_sealed);
  EXPECT_EQ(got->refresh_token_sealed, a.refresh_token_sealed);
  EXPECT_EQ(got->access_token_expires_at, T(120));
  EXPECT_EQ(got->granted_scopes, next.granted_scopes);

  next.refresh_token_sealed = std::string("\x03new-refresh", 12);
  next.access_token_expires_at = std::nullopt;
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.oauth_accounts().UpdateTokens("p", "o1", next);
              }).ok());
  got =
      Call([&](Repositories& r) { return r.oauth_accounts().Get("p", "o1"); });
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->refresh_token_sealed, next.refresh_token_sealed);
  EXPECT_FALSE(got->access_token_expires_at.has_value());

  EXPECT_EQ(Call([&](Repositories& r) {
              return r.oauth_accounts().UpdateTokens("p", "nope", next);
            }).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.oauth_accounts().Get("other", "o1");
            })
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  // A link made without tokens reads back without them.
  OAuthAccountRecord bare = a;
  bare.id = "o2";
  bare.provider_account_id = "778";
  bare.access_token_sealed.reset();
  bare.refresh_token_sealed.reset();
  bare.access_token_expires_at.reset();
  bare.granted_scopes.clear();
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.oauth_accounts().Create(bare);
              }).ok());
  got =
      Call([&](Repositories& r) { return r.oauth_accounts().Get("p", "o2"); });
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->access_token_sealed.has_value());
  EXPECT_TRUE(got->granted_scopes.empty());
}

TEST_P(CredentialRepositoryTest, OAuthAccountsUpdateAndListForProject) {
  OAuthAccountRecord a;
  a.id = "o1";
  a.project_id = "p";
  a.user_id = Uuid(1);
  a.provider_id = "github";
  a.provider_account_id = "100";
  a.email = "old@example.com";
  a.created_at = T(5);
  a.access_token_sealed = std::string(
      "\x00"
      "access",
      7);
  a.refresh_token_sealed = std::string(
      "\x01"
      "refresh",
      8);
  a.access_token_expires_at = T(60);
  a.granted_scopes = {"read:user"};
  OAuthAccountRecord b = a;
  b.id = "o2";
  b.user_id = Uuid(2);
  b.provider_account_id = "200";
  b.email.reset();
  b.created_at = T(4);
  OAuthAccountRecord elsewhere = a;
  elsewhere.id = "o3";
  elsewhere.project_id = "q";
  elsewhere.user_id = Uuid(3);
  AddUser("q", Uuid(3), T(1));
  ASSERT_TRUE(Call([&](Repositories& r) {
                LATCHKEY_RETURN_IF_ERROR(r.oauth_accounts().Create(a));
                LATCHKEY_RETURN_IF_ERROR(r.oauth_accounts().Create(b));
                return absl::OkStatus();
              }).ok());
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.oauth_accounts().Create(elsewhere);
              }).ok());

  // Every link of the project, oldest first; not another project's.
  auto all = Call(
      [&](Repositories& r) { return r.oauth_accounts().ListForProject("p"); });
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, "o2");
  EXPECT_EQ((*all)[1].id, "o1");

  // Flags and email change; the same account id keeps the tokens.
  OAuthAccountRecord changed = a;
  changed.email = "new@example.com";
  changed.allow_sign_in = false;
  changed.allow_connected_accounts = false;
  changed.user_id = Uuid(2);  // Not written: the link stays the user's.
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.oauth_accounts().Update(changed);
              }).ok());
  auto got =
      Call([&](Repositories& r) { return r.oauth_accounts().Get("p", "o1"); });
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->user_id, Uuid(1));
  EXPECT_EQ(got->email, "new@example.com");
  EXPECT_FALSE(got->allow_sign_in);
  EXPECT_FALSE(got->allow_connected_accounts);
  EXPECT_EQ(got->provider_account_id, "100");
  EXPECT_EQ(got->access_token_sealed, a.access_token_sealed);
  EXPECT_EQ(got->refresh_token_sealed, a.refresh_token_sealed);
  EXPECT_EQ(got->access_token_expires_at, T(60));
  EXPECT_EQ(got->granted_scopes, a.granted_scopes);
  EXPECT_EQ(got->created_at, T(5));

  // Another account id drops the old account's tokens; email can go.
  changed.provider_account_id = "101";
  changed.email.reset();
  changed.allow_sign_in = true;
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.oauth_accounts().Update(changed);
              }).ok());
  got =
      Call([&](Repositories& r) { return r.oauth_accounts().Get("p", "o1"); });
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->provider_account_id, "101");
  EXPECT_FALSE(got->email.has_value());
  EXPECT_TRUE(got->allow_sign_in);
  EXPECT_FALSE(got->access_token_sealed.has_value());
  EXPECT_FALSE(got->refresh_token_sealed.has_value());
  EXPECT_FALSE(got->access_token_expires_at.has_value());
  EXPECT_TRUE(got->granted_scopes.empty());
  auto by_account = Call([&](Repositories& r) {
    return r.oauth_accounts().FindByProviderAccount("p", "github", "101");
  });
  ASSERT_TRUE(by_account.ok());
  EXPECT_EQ(by_account->id, "o1");
  // The other project's link of the old account id is untouched.
  got =
      Call([&](Repositories& r) { return r.oauth_accounts().Get("q", "o3"); });
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->provider_account_id, "100");
  EXPECT_TRUE(got->access_token_sealed.has_value());

  // Taking another link's provider account is the unique violation.
  changed.provider_account_id = "200";
  absl::Status dup =
      Call([&](Repositories& r) { return r.oauth_accounts().Update(changed); });
  EXPECT_EQ(dup.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ViolatedConstraint(dup), "oauth_accounts_provider_unique");

  OAuthAccountRecord missing = a;
  missing.id = "nope";
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.oauth_accounts().Update(missing);
            }).code(),
            absl::StatusCode::kNotFound);
  missing.id = "o3";  // Another project's link.
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.oauth_accounts().Update(missing);
            }).code(),
            absl::StatusCode::kNotFound);
}

TEST_P(CredentialRepositoryTest, PasskeysStoreKeysAndOnlyMoveCountersForward) {
  PasskeyRecord p;
  p.id = "k1";
  p.project_id = "p";
  p.user_id = Uuid(1);
  p.credential_id = "cred-b64url";
  p.public_key = std::string("\xa5\x01\x02\x00\x03", 5);
  p.sign_count = 5;
  p.transports_json = R"(["usb","nfc"])";
  p.created_at = T(6);
  ASSERT_TRUE(
      Call([&](Repositories& r) { return r.passkeys().Create(p); }).ok());
  auto found = Call([&](Repositories& r) {
    return r.passkeys().FindByCredentialId("p", "cred-b64url");
  });
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->public_key, p.public_key);
  EXPECT_EQ(found->sign_count, 5);
  EXPECT_EQ(found->transports_json, p.transports_json);
  EXPECT_EQ(found->last_used_at, std::nullopt);

  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.passkeys().RecordUse("p", "k1", 6, T(7));
              }).ok());
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.passkeys().RecordUse("p", "k1", 6, T(8));
            }).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.passkeys().RecordUse("p", "nope", 9, T(8));
            }).code(),
            absl::StatusCode::kNotFound);
  auto list = Call(
      [&](Repositories& r) { return r.passkeys().ListForUser("p", Uuid(1)); });
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].sign_count, 6);
  EXPECT_EQ((*list)[0].last_used_at, T(7));

  PasskeyRecord dup = p;
  dup.id = "k2";
  absl::Status status =
      Call([&](Repositories& r) { return r.passkeys().Create(dup); });
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ViolatedConstraint(status), "passkeys_credential_unique");
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.passkeys().Delete("p", "k1");
              }).ok());
  EXPECT_EQ(Call([&](Repositories& r) {
              return r.passkeys().Delete("p", "k1");
            }).code(),
            absl::StatusCode::kNotFound);
}

TEST_P(CredentialRepositoryTest, CounterlessAuthenticatorsStayAtZero) {
  PasskeyRecord p;
  p.id = "k0";
  p.project_id = "p";
  p.user_id = Uuid(2);
  p.credential_id = "zero";
  p.public_key = "pk";
  p.created_at = T(1);
  ASSERT_TRUE(
      Call([&](Repositories& r) { return r.passkeys().Create(p); }).ok());
  EXPECT_TRUE(Call([&](Repositories& r) {
                return r.passkeys().RecordUse("p", "k0", 0, T(2));
              }).ok());
}

TEST_P(CredentialRepositoryTest, AUserMayHoldSeveralPasskeysRemovedTogether) {
  for (int i = 0; i < 2; ++i) {
    PasskeyRecord p;
    p.id = absl::StrCat("m", i);
    p.project_id = "p";
    p.user_id = Uuid(2);
    p.credential_id = absl::StrCat("multi", i);
    p.public_key = "pk";
    p.created_at = T(i);
    ASSERT_TRUE(
        Call([&](Repositories& r) { return r.passkeys().Create(p); }).ok());
  }
  auto list = Call(
      [&](Repositories& r) { return r.passkeys().ListForUser("p", Uuid(2)); });
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 2u);
  auto removed = Call([&](Repositories& r) {
    return r.passkeys().DeleteForUser("p", Uuid(2));
  });
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_EQ(*removed, 2);
  removed = Call([&](Repositories& r) {
    return r.passkeys().DeleteForUser("p", Uuid(2));
  });
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, 0);
}

INSTANTIATE_STORAGE_SUITE(CredentialRepositoryTest);

}  // namespace
}  // namespace latchkey::storage::testing
