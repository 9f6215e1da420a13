#include "service/core/passkey_sign_in.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "crypto/encoding.h"
#include "crypto/hashing.h"
#include "crypto/random.h"
#include "crypto/strict_json.h"
#include "crypto/webauthn.h"
#include "crypto/webauthn_client_data.h"
#include "nlohmann/json.hpp"
#include "service/core/mfa_sign_in.h"
#include "service/core/trusted_domains.h"
#include "service/core/verification_codes.h"
#include "service/errors/api_error.h"
#include "storage/records.h"

namespace latchkey::service::core {
namespace {

using identity::v1::PASSKEY_AUTHENTICATION_FAILED;
using identity::v1::PASSKEY_AUTHENTICATION_NOT_ENABLED;
using identity::v1::PASSKEY_REGISTRATION_FAILED;

constexpr size_t kChallengeBytes = 32;
// A RegistrationResponseJSON is a few KiB at most (an RSA-4096 key and a
// certificate chain); this bounds what is parsed.
constexpr size_t kMaxResponseJson = 64 * 1024;

absl::Status Failed(identity::v1::ErrorCode code, absl::string_view why) {
  const char* what = code == PASSKEY_REGISTRATION_FAILED
                         ? "The passkey could not be registered: "
                         : "The passkey could not be verified: ";
  return ApiError(code, {}, absl::StrCat(what, why));
}

absl::Status RequireEnabled(const ProjectSnapshot& project) {
  if (!project.config.passkey_enabled()) {
    return ApiError(PASSKEY_AUTHENTICATION_NOT_ENABLED);
  }
  return absl::OkStatus();
}

// A fresh challenge: the base64url string for the options and the SHA-256
// of its bytes for the code's data, which is all the store keeps.
struct NewChallenge {
  std::string base64url;
  std::string data_json;
};

absl::StatusOr<NewChallenge> MakeChallenge() {
  LATCHKEY_ASSIGN_OR_RETURN(std::string bytes,
                            crypto::RandomBytes(kChallengeBytes));
  NewChallenge out;
  out.base64url = crypto::Base64UrlEncode(bytes);
  out.data_json = nlohmann::json{
      {"challenge_sha256",
       crypto::Base64UrlEncode(crypto::Sha256(
           bytes))}}.dump();
  return out;
}

// The challenge hash a code's data holds, as raw bytes.
absl::StatusOr<std::string> ChallengeHashOf(
    const storage::VerificationCodeRecord& code) {
  nlohmann::json data = nlohmann::json::parse(code.data_json, nullptr, false);
  if (data.is_object() && data.contains("challenge_sha256") &&
      data["challenge_sha256"].is_string()) {
    absl::StatusOr<std::string> hash =
        crypto::Base64UrlDecode(data["challenge_sha256"].get<std::string>());
    if (hash.ok() && hash->size() == 32) return hash;
  }
  return absl::InternalError("passkey challenge code without its hash");
}

// The base64url member `name` of `object`, decoded.
absl::StatusOr<std::string> Base64UrlMember(const nlohmann::json& object,
                                            const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, " is missing or not a string"));
  }
  absl::StatusOr<std::string> decoded =
      crypto::Base64UrlDecode(it->get<std::string>());
  if (!decoded.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(name, " is not base64url"));
  }
  return decoded;
}

// The parts of a PublicKeyCredential JSON (registration or assertion) both
// ceremonies share: id == rawId, type "public-key", and the response object.
struct CredentialJson {
  std::string id;  // base64url, as sent
  nlohmann::json response;
};

absl::StatusOr<CredentialJson> ParseCredentialJson(absl::string_view text) {
  if (text.size() > kMaxResponseJson) {
    return absl::InvalidArgumentError("the credential is too large");
  }
  absl::StatusOr<nlohmann::json> json =
      crypto::ParseStrictJsonObject(std::string_view(text.data(), text.size()));
  if (!json.ok()) {
    return absl::InvalidArgumentError("the credential is not a JSON object");
  }
  auto id = json->find("id");
  auto raw_id = json->find("rawId");
  auto type = json->find("type");
  auto response = json->find("response");
  if (id == json->end() || !id->is_string() || raw_id == json->end() ||
      !raw_id->is_string() || *id != *raw_id) {
    return absl::InvalidArgumentError("id and rawId must be present and equal");
  }
  if (type == json->end() || *type != "public-key") {
    return absl::InvalidArgumentError("type must be \"public-key\"");
  }
  if (response == json->end() || !response->is_object()) {
    return absl::InvalidArgumentError("response is missing");
  }
  if (!crypto::Base64UrlDecode(id->get<std::string>()).ok()) {
    return absl::InvalidArgumentError("id is not base64url");
  }
  return CredentialJson{id->get<std::string>(), *response};
}

// What the client data claims, checked against the project: its origin
// must be trusted, and the RP ID is that origin's host.
absl::StatusOr<crypto::RelyingPartyExpectation> ExpectationFor(
    const ProjectSnapshot& project, absl::string_view client_data_json,
    const storage::VerificationCodeRecord& code) {
  LATCHKEY_ASSIGN_OR_RETURN(crypto::ClientData client_data,
                            crypto::ParseClientData(client_data_json));
  std::vector<DomainPattern> patterns;
  for (const auto& domain : project.config.domains()) {
    if (auto parsed = ParseDomainPattern(domain.domain()); parsed.ok()) {
      patterns.push_back(*std::move(parsed));
    }
  }
  if (!IsTrustedRedirectUrl(client_data.origin, patterns,
                            project.config.allow_localhost())) {
    return absl::InvalidArgumentError(
        absl::StrCat("the origin ", client_data.origin,
                     " is not a trusted domain of the project"));
  }
  crypto::RelyingPartyExpectation expected;
  expected.origin = client_data.origin;
  LATCHKEY_ASSIGN_OR_RETURN(expected.rp_id,
                            crypto::RpIdFromOrigin(client_data.origin));
  LATCHKEY_ASSIGN_OR_RETURN(expected.challenge_sha256, ChallengeHashOf(code));
  // Like Stack: user verification is asked for ("preferred"), presence is
  // what is required.
  expected.require_user_verification = false;
  return expected;
}

// Verifies `code` for `purpose` and uses it up at once, in its own
// transaction: whatever happens next, the challenge cannot be answered
// twice.
absl::StatusOr<storage::VerificationCodeRecord> SpendCode(
    const SignInServices& services, const ProjectSnapshot& project,
    absl::string_view purpose, absl::string_view code,
    const std::optional<std::string>& user_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      storage::VerificationCodeRecord record,
      services.codes.Verify(project.project.id, purpose, code));
  if (user_id.has_value() && record.user_id != user_id) {
    // Another user's registration challenge: as if it did not exist.
    return ApiError(identity::v1::VERIFICATION_CODE_NOT_FOUND);
  }
  LATCHKEY_RETURN_IF_ERROR(
      services.database.RunInTransaction([&](storage::Repositories& repos) {
        return services.codes.Consume(repos, record);
      }));
  return record;
}

std::string TransportsJson(const nlohmann::json& response) {
  nlohmann::json transports = nlohmann::json::array();
  auto it = response.find("transports");
  if (it != response.end() && it->is_array()) {
    for (const nlohmann::json& t : *it) {
      if (t.is_string() && t.get<std::string>().size() <= 32 &&
          transports.size() < 8) {
        transports.push_back(t);
      }
    }
  }
  return transports.dump();
}

}  // namespace

absl::StatusOr<PasskeySignIn::Challenge> PasskeySignIn::InitiateRegistration(
    const ProjectSnapshot& project, const std::string& user_id) const {
  LATCHKEY_RETURN_IF_ERROR(RequireEnabled(project));
  LATCHKEY_ASSIGN_OR_RETURN(NewChallenge challenge, MakeChallenge());
  Challenge out;
  LATCHKEY_RETURN_IF_ERROR(services_.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_ASSIGN_OR_RETURN(
            storage::UserView user,
            repos.users().Get(project.project.id, user_id));
        // What the authenticator shows the user to pick the account.
        std::string name = user.user.display_name.value_or("");
        if (name.empty()) name = user.primary_email.value_or("");
        if (name.empty()) name = "User";
        VerificationCodes::Spec spec;
        spec.purpose = std::string(kPasskeyRegistrationPurpose);
        spec.user_id = user_id;
        spec.data_json = challenge.data_json;
        spec.lifetime = kPasskeyChallengeLifetime;
        LATCHKEY_ASSIGN_OR_RETURN(
            NewVerificationCode code,
            services_.codes.Create(repos, project.project.id, spec));
        out.code = code.code;
        nlohmann::json options = {
            {"challenge", challenge.base64url},
            {"rp",
             {{"name", project.project.display_name},
              {"id", kPasskeyRpIdPlaceholder}}},
            // The user handle is the user id's UTF-8 bytes.
            {"user",
             {{"id", crypto::Base64UrlEncode(user_id)},
              {"name", name},
              {"displayName", name}}},
            {"pubKeyCredParams",
             nlohmann::json::array({{{"alg", -8}, {"type", "public-key"}},
                                    {{"alg", -7}, {"type", "public-key"}},
                                    {{"alg", -257}, {"type", "public-key"}}})},
            {"timeout", kPasskeyTimeoutMillis},
            {"attestation", "none"},
            {"excludeCredentials", nlohmann::json::array()},
            {"authenticatorSelection",
             {{"residentKey", "required"},
              {"requireResidentKey", true},
              {"userVerification", "preferred"}}},
            {"extensions", {{"credProps", true}}},
        };
        out.options_json = options.dump();
        return absl::OkStatus();
      }));
  return out;
}

absl::StatusOr<std::string> PasskeySignIn::Register(
    const RegisterInput& input) const {
  const ProjectSnapshot& project = input.project;
  LATCHKEY_RETURN_IF_ERROR(RequireEnabled(project));
  LATCHKEY_ASSIGN_OR_RETURN(
      storage::VerificationCodeRecord code,
      SpendCode(services_, project, kPasskeyRegistrationPurpose, input.code,
                input.user_id));
  absl::StatusOr<crypto::VerifiedRegistration> verified =
      [&]() -> absl::StatusOr<crypto::VerifiedRegistration> {
    LATCHKEY_ASSIGN_OR_RETURN(CredentialJson credential,
                              ParseCredentialJson(input.credential_json));
    LATCHKEY_ASSIGN_OR_RETURN(
        std::string client_data,
        Base64UrlMember(credential.response, "clientDataJSON"));
    LATCHKEY_ASSIGN_OR_RETURN(
        std::string attestation,
        Base64UrlMember(credential.response, "attestationObject"));
    LATCHKEY_ASSIGN_OR_RETURN(crypto::RelyingPartyExpectation expected,
                              ExpectationFor(project, client_data, code));
    LATCHKEY_ASSIGN_OR_RETURN(
        crypto::VerifiedRegistration registration,
        crypto::VerifyRegistration(client_data, attestation, expected));
    if (crypto::Base64UrlEncode(registration.credential_id) != credential.id) {
      return absl::InvalidArgumentError(
          "the credential id differs from the attested one");
    }
    return registration;
  }();
  if (!verified.ok()) {
    if (verified.status().code() != absl::StatusCode::kInvalidArgument) {
      return verified.status();
    }
    return Failed(PASSKEY_REGISTRATION_FAILED, verified.status().message());
  }
  const std::string credential_id =
      crypto::Base64UrlEncode(verified->credential_id);
  absl::StatusOr<nlohmann::json> parsed =
      crypto::ParseStrictJsonObject(std::string_view(
          input.credential_json.data(), input.credential_json.size()));
  const std::string transports = parsed.ok() && parsed->contains("response")
                                     ? TransportsJson((*parsed)["response"])
                                     : "[]";
  LATCHKEY_ASSIGN_OR_RETURN(std::string passkey_id, crypto::RandomUuidV4());
  const absl::Time now = services_.clock.Now();
  absl::Status stored = services_.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        // One passkey per user on the wire: a new one replaces the old.
        LATCHKEY_RETURN_IF_ERROR(
            repos.passkeys()
                .DeleteForUser(project.project.id, input.user_id)
                .status());
        storage::PasskeyRecord record;
        record.id = passkey_id;
        record.project_id = project.project.id;
        record.user_id = input.user_id;
        record.credential_id = credential_id;
        record.public_key = verified->public_key;
        record.sign_count = verified->sign_count;
        record.transports_json = transports;
        record.created_at = now;
        LATCHKEY_RETURN_IF_ERROR(repos.passkeys().Create(record));
        LATCHKEY_ASSIGN_OR_RETURN(
            storage::UserView user,
            repos.users().Get(project.project.id, input.user_id));
        if (!user.user.passkey_auth_enabled) {
          user.user.passkey_auth_enabled = true;
          LATCHKEY_RETURN_IF_ERROR(repos.users().Update(user.user));
        }
        return absl::OkStatus();
      });
  if (stored.code() == absl::StatusCode::kAlreadyExists) {
    // The credential id is another user's passkey in this project.
    return Failed(PASSKEY_REGISTRATION_FAILED,
                  "the credential is already registered");
  }
  LATCHKEY_RETURN_IF_ERROR(stored);
  return credential_id;
}

absl::StatusOr<PasskeySignIn::Challenge> PasskeySignIn::InitiateAuthentication(
    const ProjectSnapshot& project) const {
  LATCHKEY_RETURN_IF_ERROR(RequireEnabled(project));
  LATCHKEY_ASSIGN_OR_RETURN(NewChallenge challenge, MakeChallenge());
  Challenge out;
  LATCHKEY_RETURN_IF_ERROR(services_.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        VerificationCodes::Spec spec;
        spec.purpose = std::string(kPasskeyAuthenticationPurpose);
        spec.data_json = challenge.data_json;
        spec.lifetime = kPasskeyChallengeLifetime;
        LATCHKEY_ASSIGN_OR_RETURN(
            NewVerificationCode code,
            services_.codes.Create(repos, project.project.id, spec));
        out.code = code.code;
        return absl::OkStatus();
      }));
  // Discoverable credentials: the authenticator offers what it holds for
  // the RP ID, so no credential list.
  nlohmann::json options = {
      {"challenge", challenge.base64url},
      {"rpId", kPasskeyRpIdPlaceholder},
      {"allowCredentials", nlohmann::json::array()},
      {"timeout", kPasskeyTimeoutMillis},
      {"userVerification", "preferred"},
  };
  out.options_json = options.dump();
  return out;
}

absl::StatusOr<SignedIn> PasskeySignIn::SignIn(const SignInInput& input) const {
  const ProjectSnapshot& project = input.project;
  LATCHKEY_RETURN_IF_ERROR(RequireEnabled(project));
  LATCHKEY_ASSIGN_OR_RETURN(
      storage::VerificationCodeRecord code,
      SpendCode(services_, project, kPasskeyAuthenticationPurpose, input.code,
                std::nullopt));
  std::optional<storage::PasskeyRecord> passkey;
  absl::StatusOr<crypto::VerifiedAssertion> verified =
      [&]() -> absl::StatusOr<crypto::VerifiedAssertion> {
    LATCHKEY_ASSIGN_OR_RETURN(CredentialJson credential,
                              ParseCredentialJson(input.response_json));
    LATCHKEY_ASSIGN_OR_RETURN(
        std::string client_data,
        Base64UrlMember(credential.response, "clientDataJSON"));
    LATCHKEY_ASSIGN_OR_RETURN(
        std::string authenticator_data,
        Base64UrlMember(credential.response, "authenticatorData"));
    LATCHKEY_ASSIGN_OR_RETURN(
        std::string signature,
        Base64UrlMember(credential.response, "signature"));
    absl::Status found = services_.database.Run(
        [&](storage::Repositories& repos) -> absl::Status {
          LATCHKEY_ASSIGN_OR_RETURN(
              passkey, repos.passkeys().FindByCredentialId(project.project.id,
                                                           credential.id));
          return absl::OkStatus();
        });
    if (found.code() == absl::StatusCode::kNotFound) {
      return absl::InvalidArgumentError("no passkey has this credential id");
    }
    if (!found.ok()) return found;
    LATCHKEY_ASSIGN_OR_RETURN(crypto::RelyingPartyExpectation expected,
                              ExpectationFor(project, client_data, code));
    // Counters are 32-bit on the wire; the column is wider.
    const uint32_t stored = static_cast<uint32_t>(
        std::clamp<int64_t>(passkey->sign_count, 0, UINT32_MAX));
    return crypto::VerifyAssertion(client_data, authenticator_data, signature,
                                   passkey->public_key, stored, expected);
  }();
  if (!verified.ok()) {
    if (verified.status().code() != absl::StatusCode::kInvalidArgument) {
      return verified.status();
    }
    return Failed(PASSKEY_AUTHENTICATION_FAILED, verified.status().message());
  }
  std::optional<storage::UserView> user;
  absl::Status recorded = services_.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        // The counter moves only forward, checked again in the update so
        // that two concurrent uses of one assertion cannot both pass.
        LATCHKEY_RETURN_IF_ERROR(repos.passkeys().RecordUse(
            project.project.id, passkey->id, verified->sign_count,
            services_.clock.Now()));
        LATCHKEY_ASSIGN_OR_RETURN(
            user, repos.users().Get(project.project.id, passkey->user_id));
        return absl::OkStatus();
      });
  if (recorded.code() == absl::StatusCode::kFailedPrecondition ||
      recorded.code() == absl::StatusCode::kNotFound) {
    return Failed(PASSKEY_AUTHENTICATION_FAILED,
                  "the signature counter did not grow");
  }
  LATCHKEY_RETURN_IF_ERROR(recorded);
  return FinishFirstFactor(services_, project, *user);
}

}  // namespace latchkey::service::core
