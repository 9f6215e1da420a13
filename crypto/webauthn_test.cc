// WebAuthn verification against ceremonies recorded from Chromium's virtual
// authenticator (testdata/webauthn/*.json, made by record_vectors.mjs):
// each recorded ceremony verifies, and each check fails once when the one
// thing it guards is changed.

#include "crypto/webauthn.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "common/testing/fuzzing.h"
#include "crypto/cose_key.h"
#include "crypto/encoding.h"
#include "crypto/hashing.h"
#include "crypto/webauthn_attestation.h"
#include "crypto/webauthn_authenticator_data.h"
#include "crypto/webauthn_client_data.h"
#include "crypto/webauthn_test_authenticator.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace latchkey::crypto {
namespace {

using ::testing::HasSubstr;

std::filesystem::path TestData(const std::string& name) {
  return common::testing::RunfilesPath("crypto/testdata/webauthn/" + name);
}

std::string Raw(const nlohmann::json& value) {
  absl::StatusOr<std::string> decoded =
      Base64UrlDecode(value.get<std::string>());
  EXPECT_TRUE(decoded.ok()) << value;
  return decoded.value_or("");
}

// One recorded vector: a registration and two assertions of one credential.
struct Vector {
  nlohmann::json json;

  static Vector Load(const std::string& name) {
    std::ifstream in(TestData(name + ".json"));
    std::stringstream text;
    text << in.rdbuf();
    return Vector{nlohmann::json::parse(text.str())};
  }

  RelyingPartyExpectation Expect(const char* challenge) const {
    return {json["origin"], json["rp_id"],
            Sha256(Raw(json["challenges"][challenge])), false};
  }
  std::string ClientData() const {
    return Raw(json["registration"]["response"]["clientDataJSON"]);
  }
  std::string Attestation() const {
    return Raw(json["registration"]["response"]["attestationObject"]);
  }
  const nlohmann::json& Assertion(int i) const {
    return json["assertions"][i]["response"];
  }
  VerifiedRegistration Register() const {
    absl::StatusOr<VerifiedRegistration> r =
        VerifyRegistration(ClientData(), Attestation(), Expect("registration"));
    EXPECT_TRUE(r.ok()) << r.status();
    return r.value_or(VerifiedRegistration{});
  }
  absl::StatusOr<VerifiedAssertion> Assert(
      int i, uint32_t stored, const RelyingPartyExpectation& expected) const {
    const nlohmann::json& a = Assertion(i);
    return VerifyAssertion(Raw(a["clientDataJSON"]),
                           Raw(a["authenticatorData"]), Raw(a["signature"]),
                           Register().public_key, stored, expected);
  }
};

class RecordedCeremonies : public ::testing::TestWithParam<const char*> {
 protected:
  Vector v_ = Vector::Load(GetParam());
};

TEST_P(RecordedCeremonies, RegistrationVerifies) {
  VerifiedRegistration r = v_.Register();
  EXPECT_EQ(r.algorithm, v_.json["alg"].get<int64_t>());
  EXPECT_EQ(r.credential_id, Raw(v_.json["registration"]["rawId"]));
  EXPECT_EQ(Base64UrlEncode(r.credential_id),
            v_.json["registration"]["id"].get<std::string>());
  EXPECT_EQ(r.fmt, "none");
  EXPECT_TRUE(r.user_verified);
  EXPECT_TRUE(CoseKey::Parse(r.public_key).ok());
}

TEST_P(RecordedCeremonies, AssertionsVerifyAndTheCounterGrows) {
  const uint32_t registered = v_.Register().sign_count;
  absl::StatusOr<VerifiedAssertion> first =
      v_.Assert(0, registered, v_.Expect("first"));
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<VerifiedAssertion> second =
      v_.Assert(1, first->sign_count, v_.Expect("second"));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_GT(second->sign_count, first->sign_count);
}

TEST_P(RecordedCeremonies, ACounterThatDoesNotGrowIsRefused) {
  absl::StatusOr<VerifiedAssertion> second =
      v_.Assert(1, 0, v_.Expect("second"));
  ASSERT_TRUE(second.ok()) << second.status();
  // The first assertion replayed after the second one: a clone.
  absl::StatusOr<VerifiedAssertion> replay =
      v_.Assert(0, second->sign_count, v_.Expect("first"));
  EXPECT_THAT(replay.status().message(), HasSubstr("cloned"));
  replay = v_.Assert(1, second->sign_count, v_.Expect("second"));
  EXPECT_THAT(replay.status().message(), HasSubstr("cloned"));
}

TEST_P(RecordedCeremonies, WrongChallengeIsRefused) {
  RelyingPartyExpectation expected = v_.Expect("registration");
  expected.challenge_sha256 = Sha256("another challenge");
  EXPECT_THAT(VerifyRegistration(v_.ClientData(), v_.Attestation(), expected)
                  .status()
                  .message(),
              HasSubstr("challenge"));
  // An assertion's challenge is not a registration's.
  EXPECT_THAT(v_.Assert(0, 0, v_.Expect("second")).status().message(),
              HasSubstr("challenge"));
}

TEST_P(RecordedCeremonies, WrongOriginIsRefused) {
  RelyingPartyExpectation expected = v_.Expect("registration");
  expected.origin = "http://localhost:52002";
  EXPECT_THAT(VerifyRegistration(v_.ClientData(), v_.Attestation(), expected)
                  .status()
                  .message(),
              HasSubstr("origin"));
  expected = v_.Expect("first");
  expected.origin = "https://localhost:52001";
  EXPECT_THAT(v_.Assert(0, 0, expected).status().message(),
              HasSubstr("origin"));
}

TEST_P(RecordedCeremonies, WrongRpIdIsRefused) {
  RelyingPartyExpectation expected = v_.Expect("registration");
  expected.rp_id = "example.com";
  EXPECT_THAT(VerifyRegistration(v_.ClientData(), v_.Attestation(), expected)
                  .status()
                  .message(),
              HasSubstr("rpIdHash"));
  expected = v_.Expect("first");
  expected.rp_id = "localhost.";
  EXPECT_THAT(v_.Assert(0, 0, expected).status().message(),
              HasSubstr("rpIdHash"));
}

TEST_P(RecordedCeremonies, FlagsAreChecked) {
  const nlohmann::json& a = v_.Assertion(0);
  const std::string client_data = Raw(a["clientDataJSON"]);
  std::string data = Raw(a["authenticatorData"]);
  const std::string key = v_.Register().public_key;
  // Without UV, fine unless it is required.
  RelyingPartyExpectation expected = v_.Expect("first");
  expected.require_user_verification = true;
  ASSERT_TRUE(
      VerifyAssertion(client_data, data, Raw(a["signature"]), key, 0, expected)
          .ok());
  std::string no_uv = data;
  no_uv[32] = static_cast<char>(no_uv[32] & ~kFlagUserVerified);
  EXPECT_THAT(
      VerifyAssertion(client_data, no_uv, Raw(a["signature"]), key, 0, expected)
          .status()
          .message(),
      HasSubstr("user-verified"));
  std::string no_up = data;
  no_up[32] = static_cast<char>(no_up[32] & ~kFlagUserPresent);
  EXPECT_THAT(VerifyAssertion(client_data, no_up, Raw(a["signature"]), key, 0,
                              v_.Expect("first"))
                  .status()
                  .message(),
              HasSubstr("user-present"));
  // The registration's flags too: its authData is the attestation object's
  // last item, so the flags byte sits 32 bytes into it.
  std::string attestation = v_.Attestation();
  absl::StatusOr<AttestationObject> parsed =
      ParseAttestationObject(attestation);
  ASSERT_TRUE(parsed.ok());
  const size_t flags_at = attestation.size() - parsed->auth_data.size() + 32;
  attestation[flags_at] =
      static_cast<char>(attestation[flags_at] & ~kFlagUserPresent);
  EXPECT_THAT(VerifyRegistration(v_.ClientData(), attestation,
                                 v_.Expect("registration"))
                  .status()
                  .message(),
              HasSubstr("user-present"));
}

TEST_P(RecordedCeremonies, WrongSignatureIsRefused) {
  const nlohmann::json& a = v_.Assertion(0);
  std::string signature = Raw(a["signature"]);
  signature[signature.size() / 2] ^= 0x01;
  EXPECT_THAT(VerifyAssertion(Raw(a["clientDataJSON"]),
                              Raw(a["authenticatorData"]), signature,
                              v_.Register().public_key, 0, v_.Expect("first"))
                  .status()
                  .message(),
              HasSubstr("signature"));
  // A signature of other data: the second assertion's, over the first's
  // authenticator data.
  EXPECT_FALSE(VerifyAssertion(Raw(a["clientDataJSON"]),
                               Raw(a["authenticatorData"]),
                               Raw(v_.Assertion(1)["signature"]),
                               v_.Register().public_key, 0, v_.Expect("first"))
                   .ok());
}

TEST_P(RecordedCeremonies, AnotherCredentialsKeyIsRefused) {
  const Vector other =
      Vector::Load(std::string(GetParam()) == "es256" ? "eddsa" : "es256");
  const nlohmann::json& a = v_.Assertion(0);
  EXPECT_FALSE(VerifyAssertion(Raw(a["clientDataJSON"]),
                               Raw(a["authenticatorData"]), Raw(a["signature"]),
                               other.Register().public_key, 0,
                               v_.Expect("first"))
                   .ok());
}

TEST_P(RecordedCeremonies, WrongCeremonyTypeIsRefused) {
  // An assertion's client data presented as a registration's.
  const nlohmann::json& a = v_.Assertion(0);
  EXPECT_THAT(VerifyRegistration(Raw(a["clientDataJSON"]), v_.Attestation(),
                                 v_.Expect("first"))
                  .status()
                  .message(),
              HasSubstr("type"));
}

INSTANTIATE_TEST_SUITE_P(Algorithms, RecordedCeremonies,
                         ::testing::Values("es256", "eddsa", "rs256"));

TEST(CoseKeyTest, UnknownOrMismatchedAlgorithmsAreRefused) {
  // {1: 2 (EC2), 3: <alg>, -1: 1, -2: h'01'*32, -3: h'01'*32}
  auto ec2 = [](int alg_byte) {
    std::string key = {'\xa5', '\x01', '\x02', '\x03'};
    key.push_back(static_cast<char>(alg_byte));
    key += std::string("\x20\x01\x21\x58\x20", 5) + std::string(32, '\x01') +
           std::string("\x22\x58\x20", 3) + std::string(32, '\x01');
    return key;
  };
  std::string es512 = ec2(0x38);
  es512.insert(5, 1, '\x23');  // -36
  EXPECT_THAT(CoseKey::Parse(es512).status().message(),
              HasSubstr("unsupported algorithm -36"));
  // EdDSA (-8 = 0x27) on an EC2 key.
  EXPECT_THAT(CoseKey::Parse(ec2(0x27)).status().message(),
              HasSubstr("EdDSA needs an OKP key"));
  // ES256 (-7 = 0x26) with a point that is not on the curve.
  EXPECT_THAT(CoseKey::Parse(ec2(0x26)).status().message(),
              HasSubstr("not on the curve"));
  // No alg at all.
  EXPECT_THAT(CoseKey::Parse(std::string("\xa1\x01\x02", 3)).status().message(),
              HasSubstr("alg"));
}

TEST(CoseKeyTest, RegistrationWithAnUnsupportedAlgorithmIsRefused) {
  const Vector v = Vector::Load("es256");
  std::string attestation = v.Attestation();
  absl::StatusOr<AttestationObject> parsed =
      ParseAttestationObject(attestation);
  ASSERT_TRUE(parsed.ok());
  absl::StatusOr<AuthenticatorData> data =
      ParseAuthenticatorData(parsed->auth_data);
  ASSERT_TRUE(data.ok());
  // The key's "3: -7" (03 26) becomes "3: -35" (03 22, ES384).
  const std::string& key = data->attested_credential->public_key;
  const size_t at = attestation.find(key);
  ASSERT_NE(at, std::string::npos);
  const size_t alg = attestation.find(std::string("\x03\x26", 2), at);
  ASSERT_LT(alg, at + key.size());
  attestation[alg + 1] = '\x22';
  EXPECT_THAT(
      VerifyRegistration(v.ClientData(), attestation, v.Expect("registration"))
          .status()
          .message(),
      HasSubstr("unsupported algorithm -3"));
}

TEST(AttestationTest, PackedSelfAttestationIsVerified) {
  const Vector v = Vector::Load("es256");
  std::string packed = Raw(v.json["packed_self_attestation_object"]);
  absl::StatusOr<VerifiedRegistration> ok =
      VerifyRegistration(v.ClientData(), packed, v.Expect("registration"));
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->fmt, "packed");
  // The statement's signature over other client data does not verify.
  const nlohmann::json& a = v.Assertion(0);
  absl::StatusOr<AttestationObject> parsed = ParseAttestationObject(packed);
  ASSERT_TRUE(parsed.ok());
  absl::StatusOr<CoseKey> key =
      CoseKey::Parse(ParseAuthenticatorData(parsed->auth_data)
                         ->attested_credential->public_key);
  ASSERT_TRUE(key.ok());
  EXPECT_THAT(
      CheckAttestationStatement(*parsed, *key, Sha256(Raw(a["clientDataJSON"])))
          .message(),
      HasSubstr("self-attestation"));
  // An algorithm other than the key's.
  AttestationObject wrong_alg = *parsed;
  wrong_alg.packed_alg = kCoseRs256;
  EXPECT_THAT(CheckAttestationStatement(wrong_alg, *key, Sha256(v.ClientData()))
                  .message(),
              HasSubstr("algorithm"));
}

TEST(AttestationTest, NoneWithAStatementIsRefusedAndOtherFormatsPass) {
  const Vector v = Vector::Load("es256");
  absl::StatusOr<AttestationObject> parsed =
      ParseAttestationObject(v.Attestation());
  ASSERT_TRUE(parsed.ok());
  absl::StatusOr<CoseKey> key =
      CoseKey::Parse(ParseAuthenticatorData(parsed->auth_data)
                         ->attested_credential->public_key);
  ASSERT_TRUE(key.ok());
  AttestationObject none = *parsed;
  none.statement_empty = false;
  EXPECT_FALSE(CheckAttestationStatement(none, *key, "").ok());
  AttestationObject tpm = *parsed;
  tpm.fmt = "tpm";
  tpm.statement_empty = false;
  EXPECT_TRUE(CheckAttestationStatement(tpm, *key, "").ok());
}

TEST(ClientDataTest, ParsesAndRefusesMalformedJson) {
  absl::StatusOr<ClientData> ok = ParseClientData(
      R"({"type":"webauthn.get","challenge":"AAAA","origin":"https://a.example","crossOrigin":false,"extra":1})");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->origin, "https://a.example");
  EXPECT_FALSE(ParseClientData("").ok());
  EXPECT_FALSE(ParseClientData("[]").ok());
  EXPECT_FALSE(ParseClientData(R"({"type":"webauthn.get"})").ok());
  EXPECT_FALSE(
      ParseClientData(R"({"type":1,"challenge":"AAAA","origin":"https://a"})")
          .ok());
  EXPECT_FALSE(
      ParseClientData(
          R"({"type":"webauthn.get","challenge":"AAAA","origin":"https://a","crossOrigin":"no"})")
          .ok());
  EXPECT_FALSE(ParseClientData(std::string(5000, ' ')).ok());
  ClientData cross = *ok;
  cross.cross_origin = true;
  EXPECT_THAT(
      CheckClientData(cross, {"webauthn.get", Sha256(*Base64UrlDecode("AAAA")),
                              "https://a.example"})
          .message(),
      HasSubstr("cross-origin"));
  EXPECT_TRUE(
      CheckClientData(*ok, {"webauthn.get", Sha256(*Base64UrlDecode("AAAA")),
                            "https://a.example"})
          .ok());
}

TEST(ClientDataTest, RpIdIsTheOriginsHost) {
  EXPECT_EQ(*RpIdFromOrigin("http://localhost:52001"), "localhost");
  EXPECT_EQ(*RpIdFromOrigin("https://App.Example.com"), "app.example.com");
  for (const char* bad :
       {"ftp://example.com", "https://", "https://127.0.0.1",
        "https://[::1]:443", "https://a.com/path", "https://a.com:+80",
        "https://a.com:0", "https://user@a.com", "https://a..com",
        "example.com"}) {
    EXPECT_FALSE(RpIdFromOrigin(bad).ok()) << bad;
  }
}

TEST(AuthenticatorDataTest, MalformedDataIsRefused) {
  const Vector v = Vector::Load("es256");
  const std::string assertion = Raw(v.Assertion(0)["authenticatorData"]);
  ASSERT_TRUE(ParseAuthenticatorData(assertion).ok());
  EXPECT_FALSE(ParseAuthenticatorData(assertion.substr(0, 36)).ok());
  EXPECT_THAT(ParseAuthenticatorData(assertion + "x").status().message(),
              HasSubstr("trailing"));
  std::string at = assertion;
  at[32] = static_cast<char>(at[32] | kFlagAttestedCredential);
  EXPECT_THAT(ParseAuthenticatorData(at).status().message(),
              HasSubstr("truncated"));
  std::string ed = assertion;
  ed[32] = static_cast<char>(ed[32] | kFlagExtensions);
  EXPECT_THAT(ParseAuthenticatorData(ed).status().message(),
              HasSubstr("extensions"));
  std::string bs = assertion;
  bs[32] = static_cast<char>((bs[32] | kFlagBackedUp) & ~kFlagBackupEligible);
  EXPECT_THAT(ParseAuthenticatorData(bs).status().message(),
              HasSubstr("backup"));
  // Registration data with a credential id length past the end.
  absl::StatusOr<AttestationObject> parsed =
      ParseAttestationObject(v.Attestation());
  ASSERT_TRUE(parsed.ok());
  std::string long_id = parsed->auth_data;
  long_id[37 + 16] = '\x03';
  long_id[37 + 17] = '\xff';
  EXPECT_FALSE(ParseAuthenticatorData(long_id).ok());
  EXPECT_FALSE(ParseAuthenticatorData(
                   parsed->auth_data.substr(0, parsed->auth_data.size() - 1))
                   .ok());
}

TEST(SignCountTest, TheCounterRule) {
  EXPECT_TRUE(SignCountAcceptable(0, 0));
  EXPECT_TRUE(SignCountAcceptable(0, 1));
  EXPECT_TRUE(SignCountAcceptable(5, 6));
  EXPECT_FALSE(SignCountAcceptable(5, 5));
  EXPECT_FALSE(SignCountAcceptable(5, 4));
  EXPECT_FALSE(SignCountAcceptable(5, 0));
}

}  // namespace
}  // namespace latchkey::crypto

namespace latchkey::crypto {
namespace {

TEST(TestAuthenticatorTest, ItsCeremoniesVerify) {
  TestAuthenticator authenticator;
  const std::string challenge = Base64UrlEncode("challenge bytes");
  const RelyingPartyExpectation expected{"https://app.example.com",
                                         "app.example.com",
                                         Sha256("challenge bytes"), true};
  TestAuthenticator::Registration r =
      authenticator.Register(expected.origin, expected.rp_id, challenge);
  absl::StatusOr<VerifiedRegistration> registered =
      VerifyRegistration(r.client_data_json, r.attestation_object, expected);
  ASSERT_TRUE(registered.ok()) << registered.status();
  EXPECT_EQ(registered->credential_id, authenticator.credential_id());
  TestAuthenticator::Assertion a =
      authenticator.Assert(expected.origin, expected.rp_id, challenge);
  absl::StatusOr<VerifiedAssertion> asserted =
      VerifyAssertion(a.client_data_json, a.authenticator_data, a.signature,
                      registered->public_key, 0, expected);
  ASSERT_TRUE(asserted.ok()) << asserted.status();
  EXPECT_EQ(asserted->sign_count, 1u);
}

}  // namespace
}  // namespace latchkey::crypto
