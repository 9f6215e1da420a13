#include "service/core/verification_codes.h"

#include <string_view>

#include "absl/strings/ascii.h"
#include "common/string_views.h"
#include "crypto/hashing.h"
#include "crypto/random.h"
#include "service/errors/api_error.h"

namespace latchkey::service::core {
namespace {

constexpr size_t kOtpLength = 6;

using common::Std;

}  // namespace

absl::StatusOr<NewVerificationCode> VerificationCodes::Create(
    storage::Repositories& repos, absl::string_view project_id,
    const Spec& spec) const {
  absl::StatusOr<std::string> code = crypto::RandomToken();
  if (!code.ok()) return code.status();
  absl::StatusOr<std::string> id = crypto::RandomUuidV4();
  if (!id.ok()) return id.status();
  NewVerificationCode made;
  made.code = *code;
  made.otp = absl::AsciiStrToUpper(made.code.substr(0, kOtpLength));
  made.nonce = made.code.substr(kOtpLength);
  storage::VerificationCodeRecord& record = made.record;
  record.id = *id;
  record.project_id = std::string(project_id);
  record.purpose = spec.purpose;
  record.code_hash = crypto::HashToken(made.code);
  record.secondary_code_hash = crypto::HashToken(made.nonce);
  record.user_id = spec.user_id;
  record.email = spec.email;
  record.data_json = spec.data_json;
  record.max_attempts = spec.max_attempts;
  record.created_at = clock_.Now();
  record.expires_at = record.created_at + spec.lifetime;
  if (absl::Status status = repos.verification_codes().Create(record);
      !status.ok()) {
    return status;
  }
  return made;
}

absl::StatusOr<storage::VerificationCodeRecord> VerificationCodes::Verify(
    absl::string_view project_id, absl::string_view purpose,
    absl::string_view code) const {
  const std::string normalized = absl::AsciiStrToLower(code);
  if (normalized.size() <= kOtpLength) {
    return ApiError(identity::v1::VERIFICATION_CODE_NOT_FOUND);
  }
  absl::StatusOr<storage::VerificationCodeRecord> found;
  absl::Status status = database_.Run([&](storage::Repositories& repos) {
    found = repos.verification_codes().FindByHash(
        Std(project_id), Std(purpose), crypto::HashToken(normalized));
    if (found.ok() || found.status().code() != absl::StatusCode::kNotFound) {
      return found.status();
    }
    // A wrong OTP for a real nonce: count it against that code.
    absl::StatusOr<storage::VerificationCodeRecord> by_nonce =
        repos.verification_codes().FindByHash(
            Std(project_id), Std(purpose),
            crypto::HashToken(normalized.substr(kOtpLength)));
    if (by_nonce.ok() && !by_nonce->used_at.has_value()) {
      absl::StatusOr<int> attempts =
          repos.verification_codes().RecordFailedAttempt(Std(project_id),
                                                         by_nonce->id);
      if (!attempts.ok() &&
          attempts.status().code() != absl::StatusCode::kNotFound) {
        return attempts.status();
      }
    } else if (!by_nonce.ok() &&
               by_nonce.status().code() != absl::StatusCode::kNotFound) {
      return by_nonce.status();
    }
    return found.status();
  });
  if (status.code() == absl::StatusCode::kNotFound) {
    return ApiError(identity::v1::VERIFICATION_CODE_NOT_FOUND);
  }
  if (!status.ok()) return status;
  if (found->expires_at <= clock_.Now()) {
    return ApiError(identity::v1::VERIFICATION_CODE_EXPIRED);
  }
  if (found->used_at.has_value()) {
    return ApiError(identity::v1::VERIFICATION_CODE_ALREADY_USED);
  }
  if (found->attempt_count >= found->max_attempts) {
    return ApiError(identity::v1::VERIFICATION_CODE_MAX_ATTEMPTS_REACHED);
  }
  return found;
}

absl::Status VerificationCodes::Consume(
    storage::Repositories& repos,
    const storage::VerificationCodeRecord& code) const {
  absl::Status used = repos.verification_codes().MarkUsed(
      code.project_id, code.id, clock_.Now());
  if (used.code() == absl::StatusCode::kFailedPrecondition ||
      used.code() == absl::StatusCode::kNotFound) {
    return ApiError(identity::v1::VERIFICATION_CODE_ALREADY_USED);
  }
  return used;
}

}  // namespace latchkey::service::core
