#include "service/core/verification_codes.h"

#include "absl/strings/ascii.h"
#include "gtest/gtest.h"
#include "service/core/bootstrap.h"
#include "service/errors/api_error.h"
#include "storage/testing/test_database.h"

namespace latchkey::service::core {
namespace {

class VerificationCodesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    scratch_ = std::move(*storage::testing::ScratchDatabase::Create(
        storage::testing::TestBackend::kSqlite));
    db_ = std::move(*storage::OpenDatabase(scratch_->url()));
    ASSERT_TRUE(EnsureInternalProject(*db_, {}, clock_).ok());
    codes_ = std::make_unique<VerificationCodes>(*db_, clock_);
  }

  NewVerificationCode Make(VerificationCodes::Spec spec = {
                               .purpose = "sign_in"}) {
    absl::StatusOr<NewVerificationCode> made;
    EXPECT_TRUE(db_->RunInTransaction([&](storage::Repositories& repos) {
                     made = codes_->Create(repos, "internal", spec);
                     return made.status();
                   })
                    .ok());
    return *made;
  }

  std::string Check(const std::string& code, bool consume = true,
                    const char* purpose = "sign_in") {
    absl::StatusOr<storage::VerificationCodeRecord> record =
        codes_->Verify("internal", purpose, code);
    absl::Status status = record.status();
    if (status.ok() && consume) {
      status = db_->RunInTransaction([&](storage::Repositories& repos) {
        return codes_->Consume(repos, *record);
      });
    }
    if (status.ok()) return "OK";
    auto error = ReadApiError(status);
    return error ? std::string(ErrorCodeName(error->code)) : status.ToString();
  }

  common::FakeClock clock_;
  std::unique_ptr<storage::testing::ScratchDatabase> scratch_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<VerificationCodes> codes_;
};

TEST_F(VerificationCodesTest, ShapeOfCodeOtpAndNonce) {
  NewVerificationCode made = Make();
  EXPECT_EQ(made.code.size(), 45u);
  EXPECT_EQ(made.otp.size(), 6u);
  EXPECT_EQ(made.otp, absl::AsciiStrToUpper(made.code.substr(0, 6)));
  EXPECT_EQ(made.code, absl::AsciiStrToLower(made.otp) + made.nonce);
  EXPECT_NE(made.record.code_hash, made.code);
}

TEST_F(VerificationCodesTest, SingleUseAndCaseInsensitive) {
  NewVerificationCode made = Make();
  EXPECT_EQ(Check(made.otp + made.nonce, /*consume=*/false), "OK");
  EXPECT_EQ(Check(made.code), "OK");
  EXPECT_EQ(Check(made.code), "VERIFICATION_CODE_ALREADY_USED");
}

TEST_F(VerificationCodesTest, PurposeAndGarbageAreNotFound) {
  NewVerificationCode made = Make();
  EXPECT_EQ(Check(made.code, true, "password_reset"),
            "VERIFICATION_CODE_NOT_FOUND");
  EXPECT_EQ(Check("nope"), "VERIFICATION_CODE_NOT_FOUND");
}

TEST_F(VerificationCodesTest, AFailedActionLeavesTheCodeUnused) {
  NewVerificationCode made = Make();
  auto record = codes_->Verify("internal", "sign_in", made.code);
  ASSERT_TRUE(record.ok());
  EXPECT_FALSE(db_->RunInTransaction([&](storage::Repositories& repos) {
                    if (auto s = codes_->Consume(repos, *record); !s.ok())
                      return s;
                    return absl::InternalError("the action failed");
                  })
                   .ok());
  EXPECT_EQ(Check(made.code), "OK");
}

TEST_F(VerificationCodesTest, ExpiryComesBeforeUse) {
  NewVerificationCode made =
      Make({.purpose = "sign_in", .lifetime = absl::Minutes(5)});
  clock_.Advance(absl::Minutes(6));
  EXPECT_EQ(Check(made.code), "VERIFICATION_CODE_EXPIRED");
}

TEST_F(VerificationCodesTest, WrongOtpsForARealNonceExhaustTheCode) {
  NewVerificationCode made = Make({.purpose = "sign_in", .max_attempts = 3});
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Check("zzzzzz" + made.nonce), "VERIFICATION_CODE_NOT_FOUND");
  }
  EXPECT_EQ(Check(made.code), "VERIFICATION_CODE_MAX_ATTEMPTS_REACHED");
}

}  // namespace
}  // namespace latchkey::service::core
