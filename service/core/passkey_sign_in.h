#ifndef SERVICE_CORE_PASSKEY_SIGN_IN_H_
#define SERVICE_CORE_PASSKEY_SIGN_IN_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "service/core/project_directory.h"
#include "service/core/sign_in_services.h"
#include "service/core/start_session.h"

namespace latchkey::service::core {

// Verification-code purposes of the two passkey challenges.
inline constexpr absl::string_view kPasskeyRegistrationPurpose =
    "passkey_registration";
inline constexpr absl::string_view kPasskeyAuthenticationPurpose =
    "passkey_authentication";
// The browser gets timeout = 60 s; the challenge lives 5 s longer so that a
// ceremony finished at the last moment still reaches the server.
inline constexpr absl::Duration kPasskeyChallengeLifetime = absl::Seconds(65);
inline constexpr int kPasskeyTimeoutMillis = 60000;
// The RP ID the options carry. Stack's SDKs insist on exactly this value and
// replace it with the page's host name before calling the browser; the real
// RP ID is worked out from the origin the browser reports (docs/passkeys.md).
inline constexpr char kPasskeyRpIdPlaceholder[] =
    "THIS_VALUE_WILL_BE_REPLACED.example.com";

// Passkeys (WebAuthn), Stack's way, in four steps: a signed-in user asks
// for registration options and registers a credential; anyone asks for
// authentication options and signs in with an assertion. Every step needs
// the project's passkey setting (PASSKEY_AUTHENTICATION_NOT_ENABLED).
//
// The challenge of each ceremony is random (32 bytes) and lives as a
// verification code: the code goes to the client, the store keeps only the
// code's hash and the challenge's SHA-256, for 65 s. A registration code is
// bound to the user who asked for it. The code is used up before the
// credential is verified, so a failed or replayed attempt cannot be tried
// again.
//
// The origin in clientDataJSON must be a trusted domain of the project (or
// localhost where allowed); the RP ID is that origin's host. Verification
// is crypto/webauthn.h's; any failure is PASSKEY_REGISTRATION_FAILED or
// PASSKEY_AUTHENTICATION_FAILED with the reason in the message.
//
// A user holds at most one passkey (registering again replaces it), and
// passkey_auth_enabled on the user follows it. Thread-safe.
class PasskeySignIn {
 public:
  explicit PasskeySignIn(SignInServices services) : services_(services) {}

  struct Challenge {
    // PublicKeyCredentialCreationOptionsJSON / RequestOptionsJSON.
    std::string options_json;
    // 45 lowercase Crockford-base32 characters.
    std::string code;
  };

  // Options for registering a passkey for `user_id` (the caller).
  absl::StatusOr<Challenge> InitiateRegistration(
      const ProjectSnapshot& project, const std::string& user_id) const;

  struct RegisterInput {
    const ProjectSnapshot& project;
    std::string user_id;
    // The browser's RegistrationResponseJSON, as JSON text.
    std::string credential_json;
    std::string code;
  };
  // Verifies and stores the credential, replacing the user's passkey.
  // Returns the credential id (base64url). VERIFICATION_CODE_* for the code
  // (one made for another user is not found), PASSKEY_REGISTRATION_FAILED.
  absl::StatusOr<std::string> Register(const RegisterInput& input) const;

  // Options for signing in with any passkey of the project.
  absl::StatusOr<Challenge> InitiateAuthentication(
      const ProjectSnapshot& project) const;

  struct SignInInput {
    const ProjectSnapshot& project;
    // The browser's AuthenticationResponseJSON, as JSON text.
    std::string response_json;
    std::string code;
  };
  // Verifies the assertion (an unknown credential, a counter that does not
  // grow, any failed check: PASSKEY_AUTHENTICATION_FAILED) and signs its
  // user in; a user with TOTP gets MULTI_FACTOR_AUTHENTICATION_REQUIRED
  // instead (mfa_sign_in.h).
  absl::StatusOr<SignedIn> SignIn(const SignInInput& input) const;

 private:
  const SignInServices services_;
};

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_PASSKEY_SIGN_IN_H_
