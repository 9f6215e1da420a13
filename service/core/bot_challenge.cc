#include "service/core/bot_challenge.h"

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "service/errors/api_error.h"

namespace latchkey::service::core {
namespace {

absl::Status Failed(absl::string_view message) {
  return ApiError(identity::v1::BOT_CHALLENGE_FAILED,
                  {{"message", std::string(message)}},
                  absl::StrCat("The bot challenge was not passed: ", message));
}

}  // namespace

absl::Status BotChallengeVerifier::Check(
    const identity::v1::BotChallengeConfig& config,
    const BotChallengeAnswer& answer) const {
  if (config.verify_url().empty()) return absl::OkStatus();
  if (!answer.token.has_value()) {
    if (answer.unavailable) return absl::OkStatus();
    return ApiError(identity::v1::BOT_CHALLENGE_REQUIRED);
  }
  OutboundRequest request;
  request.method = "POST";
  request.url = config.verify_url();
  request.headers = {{"content-type", "application/x-www-form-urlencoded"},
                     {"accept", "application/json"}};
  request.body = absl::StrCat("secret=", UrlEncodeComponent(config.secret()),
                              "&response=", UrlEncodeComponent(*answer.token));
  if (!answer.client_ip.empty()) {
    absl::StrAppend(&request.body,
                    "&remoteip=", UrlEncodeComponent(answer.client_ip));
  }
  absl::StatusOr<OutboundResponse> response = http_.Send(request);
  if (!response.ok()) {
    return Failed("the bot-challenge verifier could not be reached");
  }
  const nlohmann::json body = nlohmann::json::parse(response->body, nullptr,
                                                    /*allow_exceptions=*/false);
  if (response->status != 200 || !body.is_object() ||
      !body.contains("success") || !body["success"].is_boolean()) {
    return Failed("the bot-challenge verifier gave no usable answer");
  }
  if (body["success"].get<bool>()) return absl::OkStatus();
  if (answer.phase == "visible") {
    return Failed("the visible challenge's token was refused");
  }
  return ApiError(identity::v1::BOT_CHALLENGE_REQUIRED);
}

}  // namespace latchkey::service::core
