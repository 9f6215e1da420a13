// Contact channels (contact_channels.h) and their verification through
// email_verification.h, against SQLite.

#include "service/core/contact_channels.h"

#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/core/email_verification.h"
#include "service/core/sign_in_fixture.h"
#include "service/errors/error_matchers.h"

namespace latchkey::service::core {
namespace {

using storage::ContactChannelRecord;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::Optional;

constexpr char kCallback[] = "http://localhost:3000/handler";

class ContactChannelsTest : public SignInFixture {
 protected:
  void SetUp() override {
    SignInFixture::SetUp();
    ann_ = AddUser("ann@example.com", std::nullopt);
    bob_ = AddUser("bob@example.com", std::nullopt);
  }

  ContactChannels Channels() const { return ContactChannels(*services_); }
  EmailVerification Verification() const {
    return EmailVerification(*services_);
  }

  ChannelActor Server() const { return {}; }
  ChannelActor ClientOf(const std::string& user_id) const {
    return {.client = true, .user_id = user_id};
  }

  absl::StatusOr<ContactChannelRecord> Add(const ChannelActor& actor,
                                           const std::string& user_id,
                                           const std::string& value,
                                           bool used_for_auth,
                                           bool is_primary = false) {
    ContactChannels::CreateInput input;
    input.user_id = user_id;
    input.value = value;
    input.type = "email";
    input.used_for_auth = used_for_auth;
    input.is_primary = is_primary;
    // Later than every channel before it, so "oldest first" is defined.
    clock_.Advance(absl::Seconds(1));
    return Channels().Create(project_, actor, input);
  }

  std::vector<ContactChannelRecord> ListOf(const std::string& user_id) {
    auto list = Channels().List(project_, Server(), user_id, std::nullopt);
    EXPECT_TRUE(list.ok()) << list.status();
    return list.value_or(std::vector<ContactChannelRecord>{});
  }

  std::string ann_;
  std::string bob_;
};

TEST_F(ContactChannelsTest, NewChannelIsNormalisedNotPrimaryAndUnverified) {
  auto created = Add(ClientOf(ann_), "me", "  Ann.Work@Example.COM ", false);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->user_id, ann_);
  EXPECT_EQ(created->value, "ann.work@example.com");
  EXPECT_FALSE(created->is_primary);
  EXPECT_FALSE(created->is_verified);
  EXPECT_FALSE(created->used_for_auth);
  // Oldest first: the sign-up address, then the new one.
  EXPECT_THAT(
      ListOf(ann_),
      ElementsAre(Field(&ContactChannelRecord::value, "ann@example.com"),
                  Field(&ContactChannelRecord::value, "ann.work@example.com")));
  EXPECT_EQ(User(ann_).primary_email, "ann@example.com");
}

TEST_F(ContactChannelsTest, CreateRefusals) {
  EXPECT_THAT(Add(ClientOf(ann_), "me", "ann@example.com", false),
              HasErrorCode(identity::v1::CONTACT_CHANNEL_ALREADY_EXISTS));
  auto taken = Add(Server(), ann_, "BOB@example.com", true);
  EXPECT_THAT(
      taken,
      HasErrorCode(
          identity::v1::CONTACT_CHANNEL_ALREADY_USED_FOR_AUTH_BY_SOMEONE_ELSE));
  EXPECT_THAT(ReadApiError(taken.status())->details,
              testing::Contains(
                  testing::Pair("contact_channel_value", "bob@example.com")));
  // Not used for sign-in, another user's address may repeat.
  EXPECT_TRUE(Add(Server(), ann_, "bob@example.com", false).ok());
  EXPECT_THAT(Add(ClientOf(ann_), bob_, "x@example.com", false),
              HasErrorCode(identity::v1::CLIENT_CANNOT_ACCESS_OTHER_USERS));
  EXPECT_THAT(Add(ClientOf(""), "me", "x@example.com", false),
              HasErrorCode(identity::v1::CANNOT_GET_OWN_USER_WITHOUT_USER));
  EXPECT_THAT(Add(Server(), "00000000-0000-4000-8000-999999999999",
                  "x@example.com", false),
              HasErrorCode(identity::v1::USER_ID_DOES_NOT_EXIST));
  EXPECT_THAT(Add(Server(), ann_, "not an email", false),
              HasErrorCode(identity::v1::SCHEMA_ERROR));
  ContactChannels::CreateInput no_auth_flag{
      .user_id = ann_, .value = "y@example.com", .type = "email"};
  EXPECT_THAT(Channels().Create(project_, Server(), no_auth_flag),
              HasErrorCode(identity::v1::SCHEMA_ERROR));
  no_auth_flag.used_for_auth = false;
  no_auth_flag.type = "phone";
  EXPECT_THAT(Channels().Create(project_, Server(), no_auth_flag),
              HasErrorCode(identity::v1::SCHEMA_ERROR));
}

TEST_F(ContactChannelsTest, OnePrimaryPerUserAndPrimaryEmailFollowsIt) {
  auto work = Add(Server(), ann_, "work@example.com", true, /*primary=*/true);
  ASSERT_TRUE(work.ok()) << work.status();
  EXPECT_TRUE(work->is_primary);
  EXPECT_EQ(User(ann_).primary_email, "work@example.com");
  int primaries = 0;
  for (const ContactChannelRecord& c : ListOf(ann_)) primaries += c.is_primary;
  EXPECT_EQ(primaries, 1);

  // Promoting the first address back demotes the new one.
  const std::string first = ListOf(ann_)[0].id;
  ASSERT_TRUE(Channels()
                  .Update(project_, Server(), ann_, first, {.is_primary = true})
                  .ok());
  EXPECT_EQ(User(ann_).primary_email, "ann@example.com");
  auto demoted = Channels().Get(project_, Server(), ann_, work->id);
  ASSERT_TRUE(demoted.ok());
  EXPECT_FALSE(demoted->is_primary);

  // is_primary false leaves the user with no primary email.
  ASSERT_TRUE(
      Channels()
          .Update(project_, Server(), ann_, first, {.is_primary = false})
          .ok());
  EXPECT_EQ(User(ann_).primary_email, std::nullopt);

  // Deleting the primary does the same.
  ASSERT_TRUE(
      Channels()
          .Update(project_, Server(), ann_, work->id, {.is_primary = true})
          .ok());
  EXPECT_EQ(User(ann_).primary_email, "work@example.com");
  ASSERT_TRUE(Channels().Delete(project_, ClientOf(ann_), "me", work->id).ok());
  EXPECT_EQ(User(ann_).primary_email, std::nullopt);
  EXPECT_THAT(Channels().Get(project_, Server(), ann_, work->id),
              HasErrorCode(identity::v1::CONTACT_CHANNEL_NOT_FOUND));
}

TEST_F(ContactChannelsTest, UpdateResetsVerificationAndChecksSignInUse) {
  auto work = Add(Server(), ann_, "work@example.com", false);
  ASSERT_TRUE(work.ok()) << work.status();
  auto verified = Channels().Update(project_, Server(), ann_, work->id,
                                    {.is_verified = true});
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_TRUE(verified->is_verified);
  auto moved = Channels().Update(project_, ClientOf(ann_), "me", work->id,
                                 {.value = "Work2@example.com"});
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(moved->value, "work2@example.com");
  EXPECT_FALSE(moved->is_verified);

  auto taken =
      Channels().Update(project_, Server(), ann_, work->id,
                        {.value = "bob@example.com", .used_for_auth = true});
  EXPECT_THAT(
      taken,
      HasErrorCode(
          identity::v1::CONTACT_CHANNEL_ALREADY_USED_FOR_AUTH_BY_SOMEONE_ELSE));
  // On update the conflict names no value.
  EXPECT_FALSE(
      ReadApiError(taken.status())->details.contains("contact_channel_value"));

  // Another user's channel is unknown to this one, and a client may not
  // name another user at all.
  const std::string bobs = ListOf(bob_)[0].id;
  EXPECT_THAT(
      Channels().Update(project_, Server(), ann_, bobs, {.is_primary = true}),
      HasErrorCode(identity::v1::UNKNOWN_CONTACT_CHANNEL));
  EXPECT_THAT(Channels().Delete(project_, Server(), ann_, bobs),
              HasErrorCode(identity::v1::UNKNOWN_CONTACT_CHANNEL));
  EXPECT_THAT(Channels().Get(project_, ClientOf(ann_), bob_, bobs),
              HasErrorCode(identity::v1::CLIENT_CANNOT_ACCESS_OTHER_USERS));
  EXPECT_THAT(Channels().Delete(project_, ClientOf(ann_), bob_, bobs),
              HasErrorCode(identity::v1::CLIENT_CANNOT_ACCESS_OTHER_USERS));
}

TEST_F(ContactChannelsTest, ListRules) {
  ASSERT_TRUE(Add(Server(), bob_, "bob2@example.com", false).ok());
  auto all = Channels().List(project_, Server(), std::nullopt, std::nullopt);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->size(), 3u);
  auto mine = Channels().List(project_, ClientOf(bob_), "me", std::nullopt);
  ASSERT_TRUE(mine.ok()) << mine.status();
  EXPECT_EQ(mine->size(), 2u);
  auto one = Channels().List(project_, Server(), bob_, (*mine)[1].id);
  ASSERT_TRUE(one.ok());
  EXPECT_THAT(*one, ElementsAre(Field(&ContactChannelRecord::value,
                                      "bob2@example.com")));
  EXPECT_THAT(
      Channels().List(project_, ClientOf(bob_), std::nullopt, std::nullopt),
      HasErrorCode(identity::v1::CLIENT_CANNOT_ACCESS_OTHER_USERS));
  EXPECT_THAT(Channels().List(project_, ClientOf(bob_), ann_, std::nullopt),
              HasErrorCode(identity::v1::CLIENT_CANNOT_ACCESS_OTHER_USERS));
  EXPECT_THAT(Channels().List(project_, ClientOf(""), "me", std::nullopt),
              HasErrorCode(identity::v1::CANNOT_GET_OWN_USER_WITHOUT_USER));
}

TEST_F(ContactChannelsTest, VerificationCodeVerifiesAChannelThatIsNotPrimary) {
  auto work = Add(ClientOf(ann_), "me", "work@example.com", true);
  ASSERT_TRUE(work.ok()) << work.status();
  auto mail = Channels().SendVerificationCode(project_, ClientOf(ann_), "me",
                                              work->id, kCallback);
  ASSERT_TRUE(mail.ok()) << mail.status();
  EXPECT_EQ(mail->to, "work@example.com");
  ASSERT_TRUE(Verification().Verify(project_, mail->code).ok());
  auto got = Channels().Get(project_, Server(), ann_, work->id);
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->is_verified);
  // The primary address is untouched.
  EXPECT_FALSE(User(ann_).primary_email_verified);
  EXPECT_THAT(Channels().SendVerificationCode(project_, Server(), ann_,
                                              work->id, kCallback),
              HasErrorCode(identity::v1::EMAIL_ALREADY_VERIFIED));
}

TEST_F(ContactChannelsTest, SendVerificationCodeRefusals) {
  const std::string bobs = ListOf(bob_)[0].id;
  EXPECT_THAT(Channels().SendVerificationCode(project_, ClientOf(ann_), bob_,
                                              bobs, kCallback),
              HasErrorCode(identity::v1::CLIENT_CANNOT_VERIFY_OTHER_USERS));
  EXPECT_THAT(Channels().SendVerificationCode(project_, Server(), ann_, bobs,
                                              kCallback),
              HasErrorCode(identity::v1::CONTACT_CHANNEL_NOT_FOUND));
  EXPECT_THAT(Channels().SendVerificationCode(
                  project_, Server(), "00000000-0000-4000-8000-999999999999",
                  bobs, kCallback),
              HasErrorCode(identity::v1::USER_ID_DOES_NOT_EXIST));
  EXPECT_THAT(Channels().SendVerificationCode(project_, Server(), bob_, bobs,
                                              "https://evil.example/cb"),
              HasErrorCode(identity::v1::REDIRECT_URL_NOT_WHITELISTED));
}

TEST_F(ContactChannelsTest, ChannelIdsMustBeUuids) {
  EXPECT_THAT(Channels().Get(project_, Server(), ann_, "c1"),
              HasErrorCode(identity::v1::SCHEMA_ERROR));
  EXPECT_THAT(Channels().Delete(project_, Server(), ann_, "c1"),
              HasErrorCode(identity::v1::SCHEMA_ERROR));
  EXPECT_THAT(Channels().List(project_, Server(), ann_, "c1"),
              HasErrorCode(identity::v1::SCHEMA_ERROR));
  EXPECT_THAT(Channels().Get(project_, Server(), ann_,
                             "00000000-0000-4000-8000-999999999999"),
              HasErrorCode(identity::v1::CONTACT_CHANNEL_NOT_FOUND));
}

TEST_F(ContactChannelsTest, VerifyingADeletedChannelIsRefused) {
  auto work = Add(Server(), ann_, "work@example.com", false);
  ASSERT_TRUE(work.ok()) << work.status();
  auto mail = Channels().SendVerificationCode(project_, Server(), ann_,
                                              work->id, kCallback);
  ASSERT_TRUE(mail.ok()) << mail.status();
  ASSERT_TRUE(Channels().Delete(project_, Server(), ann_, work->id).ok());
  EXPECT_THAT(Verification().Verify(project_, mail->code),
              HasErrorCode(identity::v1::UNKNOWN_CONTACT_CHANNEL));
}

}  // namespace
}  // namespace latchkey::service::core
