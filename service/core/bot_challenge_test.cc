#include "service/core/bot_challenge.h"

#include <string>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/errors/api_error.h"
#include "service/errors/error_matchers.h"

namespace latchkey::service::core {
namespace {

using ::testing::HasSubstr;

// A verifier that passes exactly the token "good" and records the request.
class FakeVerifierHttp : public HttpClient {
 public:
  mutable OutboundRequest last;
  mutable int calls = 0;
  absl::Status failure = absl::OkStatus();
  std::string body_override;

  absl::StatusOr<OutboundResponse> Send(
      const OutboundRequest& request) const override {
    last = request;
    ++calls;
    if (!failure.ok()) return failure;
    OutboundResponse response;
    response.status = 200;
    response.body = !body_override.empty() ? body_override
                    : absl::StrContains(request.body, "response=good&")
                        ? R"({"success": true})"
                        : R"({"success": false, "error-codes": ["invalid"]})";
    return response;
  }
};

identity::v1::BotChallengeConfig Configured() {
  identity::v1::BotChallengeConfig config;
  config.set_verify_url("https://verify.example.com/siteverify");
  config.set_secret("s3cret&=");
  return config;
}

BotChallengeAnswer Token(std::string token, std::string phase = "invisible") {
  BotChallengeAnswer answer;
  answer.token = std::move(token);
  answer.phase = std::move(phase);
  answer.client_ip = "203.0.113.9";
  return answer;
}

TEST(BotChallengeTest, NothingIsCheckedWithoutAVerifier) {
  FakeVerifierHttp http;
  BotChallengeVerifier verifier(http);
  EXPECT_TRUE(verifier.Check({}, Token("bad")).ok());
  EXPECT_TRUE(verifier.Check({}, BotChallengeAnswer{}).ok());
  EXPECT_EQ(http.calls, 0);
}

TEST(BotChallengeTest, APassingTokenIsVerifiedWithTheSecretForm) {
  FakeVerifierHttp http;
  BotChallengeVerifier verifier(http);
  EXPECT_TRUE(verifier.Check(Configured(), Token("good")).ok());
  EXPECT_EQ(http.last.method, "POST");
  EXPECT_EQ(http.last.url, "https://verify.example.com/siteverify");
  EXPECT_EQ(http.last.body,
            "secret=s3cret%26%3D&response=good&remoteip=203.0.113.9");
}

TEST(BotChallengeTest, FailuresFollowThePhase) {
  FakeVerifierHttp http;
  BotChallengeVerifier verifier(http);
  EXPECT_THAT(verifier.Check(Configured(), Token("bad")),
              HasErrorCode(identity::v1::BOT_CHALLENGE_REQUIRED));
  EXPECT_THAT(verifier.Check(Configured(), BotChallengeAnswer{}),
              HasErrorCode(identity::v1::BOT_CHALLENGE_REQUIRED));
  absl::Status visible = verifier.Check(Configured(), Token("bad", "visible"));
  EXPECT_THAT(visible, HasErrorCode(identity::v1::BOT_CHALLENGE_FAILED));
  EXPECT_THAT(visible, HasErrorDetail("message",
                                      "the visible challenge's token was "
                                      "refused"));
  // A client that could not run the challenge at all is let through.
  BotChallengeAnswer unavailable;
  unavailable.unavailable = true;
  EXPECT_TRUE(verifier.Check(Configured(), unavailable).ok());
}

TEST(BotChallengeTest, AnUnreachableOrConfusedVerifierFailsClosed) {
  FakeVerifierHttp http;
  http.failure = absl::DeadlineExceededError("timeout");
  BotChallengeVerifier verifier(http);
  absl::Status down = verifier.Check(Configured(), Token("good"));
  EXPECT_THAT(down, HasErrorCode(identity::v1::BOT_CHALLENGE_FAILED));
  EXPECT_THAT(std::string(down.message()), HasSubstr("could not be reached"));
  http.failure = absl::OkStatus();
  for (const char* body : {"<html>", R"({"success": "yes"})", "{}"}) {
    http.body_override = body;
    EXPECT_THAT(verifier.Check(Configured(), Token("good")),
                HasErrorCode(identity::v1::BOT_CHALLENGE_FAILED))
        << body;
  }
}

}  // namespace
}  // namespace latchkey::service::core
