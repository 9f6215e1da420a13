// Team invitations end to end: the mail goes through a real SMTP server
// (aiosmtpd), the code is read from the delivered message and accepted.
#include <regex>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/team_fixture.h"
#include "tests/testing/smtp_sink.h"

namespace latchkey::testing {
namespace {

namespace v1 = identity::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kCallback[] = "http://localhost:3000/handler/team-invitation";

class TeamInvitationsTest : public TeamTest {
 protected:
  void SetUp() override {
    TeamTest::SetUp();
    auto sink = SmtpSink::Start();
    ASSERT_TRUE(sink.ok()) << sink.status();
    sink_ = *std::move(sink);
    RestartWith([this](service::ServerConfig& config) {
      config.smtp.url = sink_->url();
      config.smtp.from = "auth@latchkey.test";
      config.smtp.tls = "none";
    });
    owner_ = NewUser("Owner");
    team_ = NewTeam("Rocket Club", owner_);
  }

  grpc::Status Send(const std::string& email, const std::string& callback,
                    v1::SendTeamInvitationResponse* out,
                    const std::string& client_token = "") {
    grpc::ClientContext context;
    if (client_token.empty()) {
      Server(context);
    } else {
      Client(context, client_token);
    }
    v1::SendTeamInvitationRequest request;
    request.set_team_id(team_);
    request.set_email(email);
    request.set_callback_url(callback);
    return teams().SendTeamInvitation(&context, request, out);
  }

  // The code in the `index`-th delivered message.
  std::string CodeFromMail(size_t index, std::string* to = nullptr,
                           std::string* subject = nullptr) {
    auto mails = sink_->WaitForMessages(index + 1);
    EXPECT_TRUE(mails.ok()) << mails.status();
    if (!mails.ok()) return "";
    const SmtpSink::Message& mail = (*mails)[index];
    if (to != nullptr) *to = mail.headers.at("to");
    if (subject != nullptr) *subject = mail.headers.at("subject");
    std::smatch match;
    const std::string link = std::string(kCallback) + "?code=";
    EXPECT_THAT(mail.body, HasSubstr(link));
    if (!std::regex_search(mail.body, match, std::regex("code=([0-9a-z]+)"))) {
      return "";
    }
    return match[1];
  }

  grpc::Status Accept(const std::string& token, const std::string& code,
                      v1::AcceptTeamInvitationResponse* out) {
    grpc::ClientContext context;
    Client(context, token);
    v1::AcceptTeamInvitationRequest request;
    request.set_code(code);
    return teams().AcceptTeamInvitation(&context, request, out);
  }

  std::vector<v1::TeamInvitation> Pending() {
    grpc::ClientContext context;
    Server(context);
    v1::ListTeamInvitationsRequest request;
    request.set_team_id(team_);
    v1::ListTeamInvitationsResponse response;
    EXPECT_TRUE(teams().ListTeamInvitations(&context, request, &response).ok());
    return {response.items().begin(), response.items().end()};
  }

  std::unique_ptr<SmtpSink> sink_;
  std::string owner_;
  std::string team_;
};

TEST_F(TeamInvitationsTest, InvitedUserJoinsWithTheCodeFromTheMail) {
  v1::SendTeamInvitationResponse sent;
  ASSERT_TRUE(Send(" Guest@Example.com ", kCallback, &sent).ok());
  EXPECT_TRUE(sent.success());
  std::string to, subject;
  const std::string code = CodeFromMail(0, &to, &subject);
  ASSERT_EQ(code.size(), 45u);
  EXPECT_THAT(to, HasSubstr("guest@example.com"));
  EXPECT_THAT(subject, HasSubstr("Rocket Club"));

  std::vector<v1::TeamInvitation> pending = Pending();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].id(), sent.id());
  EXPECT_EQ(pending[0].recipient_email(), "guest@example.com");
  EXPECT_EQ(pending[0].team_display_name(), "Rocket Club");
  EXPECT_EQ(pending[0].expires_at_millis(),
            absl::ToUnixMillis(clock_.Now() + absl::Hours(24 * 7)));

  {
    grpc::ClientContext context;
    TestApp::AsClient(context);
    v1::CheckCodeRequest check;
    check.set_code(code);
    v1::CheckCodeResponse valid;
    ASSERT_TRUE(teams().CheckTeamInvitationCode(&context, check, &valid).ok());
    EXPECT_TRUE(valid.is_code_valid());
  }
  {
    grpc::ClientContext context;
    TestApp::AsClient(context);
    v1::GetTeamInvitationDetailsRequest details_request;
    details_request.set_code(code);
    v1::TeamInvitationDetails details;
    ASSERT_TRUE(
        teams()
            .GetTeamInvitationDetails(&context, details_request, &details)
            .ok());
    EXPECT_EQ(details.team_id(), team_);
    EXPECT_EQ(details.team_display_name(), "Rocket Club");
  }

  const std::string guest = NewUser("Guest", "guest@example.com");
  const std::string token = TokenOf(guest);
  v1::AcceptTeamInvitationResponse accepted;
  ASSERT_TRUE(Accept(token, code, &accepted).ok());
  EXPECT_EQ(accepted.team_id(), team_);
  EXPECT_THAT(Permissions(team_, guest, false), ElementsAre("team_member"));
  EXPECT_TRUE(Pending().empty());
  // Single use.
  WireError again = ErrorOf(Accept(token, code, &accepted));
  EXPECT_EQ(again.reason, "VERIFICATION_CODE_ALREADY_USED");
}

TEST_F(TeamInvitationsTest, CodesExpireAfterSevenDays) {
  v1::SendTeamInvitationResponse sent;
  ASSERT_TRUE(Send("late@example.com", kCallback, &sent).ok());
  const std::string code = CodeFromMail(0);
  clock_.Advance(absl::Hours(24 * 7));
  EXPECT_TRUE(Pending().empty());
  v1::AcceptTeamInvitationResponse accepted;
  EXPECT_EQ(ErrorOf(Accept(TokenOf(NewUser("Late")), code, &accepted)).reason,
            "VERIFICATION_CODE_EXPIRED");
}

TEST_F(TeamInvitationsTest, WrongAndRevokedCodesAreNotFound) {
  const std::string token = TokenOf(NewUser("Someone"));
  v1::AcceptTeamInvitationResponse accepted;
  WireError wrong = ErrorOf(Accept(token, std::string(45, 'a'), &accepted));
  EXPECT_EQ(wrong.code, grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(wrong.reason, "VERIFICATION_CODE_NOT_FOUND");

  v1::SendTeamInvitationResponse sent;
  ASSERT_TRUE(Send("gone@example.com", kCallback, &sent).ok());
  const std::string code = CodeFromMail(0);
  {
    grpc::ClientContext context;
    Server(context);
    v1::RevokeTeamInvitationRequest revoke;
    revoke.set_team_id(team_);
    revoke.set_invitation_id(sent.id());
    v1::SuccessResponse ok;
    ASSERT_TRUE(teams().RevokeTeamInvitation(&context, revoke, &ok).ok());
  }
  EXPECT_EQ(ErrorOf(Accept(token, code, &accepted)).reason,
            "VERIFICATION_CODE_NOT_FOUND");
}

TEST_F(TeamInvitationsTest, CallbackMustBeTrusted) {
  v1::SendTeamInvitationResponse sent;
  WireError error =
      ErrorOf(Send("x@example.com", "https://evil.example/accept", &sent));
  EXPECT_EQ(error.reason, "REDIRECT_URL_NOT_WHITELISTED");
  SetConfigOverride(R"({"allow_localhost": false})");
  EXPECT_EQ(ErrorOf(Send("x@example.com", kCallback, &sent)).reason,
            "REDIRECT_URL_NOT_WHITELISTED");
}

TEST_F(TeamInvitationsTest, ClientsNeedInviteMembers) {
  const std::string member = NewUser("Member");
  AddMember(team_, member);
  const std::string token = TokenOf(member);
  v1::SendTeamInvitationResponse sent;
  // team_member contains $invite_members.
  ASSERT_TRUE(Send("a@example.com", kCallback, &sent, token).ok());
  ASSERT_TRUE(Revoke(team_, member, "team_member").ok());
  WireError error = ErrorOf(Send("b@example.com", kCallback, &sent, token));
  EXPECT_EQ(error.reason, "TEAM_PERMISSION_REQUIRED");
  EXPECT_EQ(error.details["permission_id"], "$invite_members");
  // Listing needs $read_members too; the owner (team_admin) has both.
  {
    grpc::ClientContext context;
    Client(context, token);
    v1::ListTeamInvitationsRequest request;
    request.set_team_id(team_);
    v1::ListTeamInvitationsResponse response;
    EXPECT_EQ(ErrorOf(teams().ListTeamInvitations(&context, request, &response))
                  .reason,
              "TEAM_PERMISSION_REQUIRED");
  }
  {
    grpc::ClientContext context;
    Client(context, TokenOf(owner_));
    v1::ListTeamInvitationsRequest request;
    request.set_team_id(team_);
    v1::ListTeamInvitationsResponse response;
    ASSERT_TRUE(teams().ListTeamInvitations(&context, request, &response).ok());
    EXPECT_EQ(response.items_size(), 1);
  }
}

TEST_F(TeamInvitationsTest, AcceptingAsAMemberUsesTheCodeAndKeepsGrants) {
  v1::SendTeamInvitationResponse sent;
  ASSERT_TRUE(Send("owner@example.com", kCallback, &sent).ok());
  const std::string code = CodeFromMail(0);
  v1::AcceptTeamInvitationResponse accepted;
  ASSERT_TRUE(Accept(TokenOf(owner_), code, &accepted).ok());
  EXPECT_THAT(Permissions(team_, owner_, false), ElementsAre("team_admin"));
  EXPECT_TRUE(Pending().empty());
}

}  // namespace
}  // namespace latchkey::testing
