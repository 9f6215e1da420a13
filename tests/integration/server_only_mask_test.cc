// Regression over real gRPC: a client that names a server_only field in an
// update_mask, with no value, is refused and the field keeps its value
// (was: the named field was cleared, e.g. the user's server_metadata).
#include <memory>
#include <string>

#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "identity/v1/options.pb.h"
#include "identity/v1/user.grpc.pb.h"
#include "tests/integration/team_fixture.h"

namespace latchkey::testing {
namespace {

namespace v1 = identity::v1;

std::string RefusalText(const std::string& field) {
  return "Request validation failed: " + field +
         " cannot be set with client access.";
}

bool IsServerOnly(const google::protobuf::FieldDescriptor* field) {
  return field->options().GetExtension(v1::field).server_only();
}

class ServerOnlyMaskTest : public TeamTest {
 protected:
  void SetUp() override {
    TeamTest::SetUp();
    users_ = v1::UserService::NewStub(app().Channel());
  }

  v1::User ServerView(const std::string& user_id) {
    grpc::ClientContext context;
    Server(context);
    v1::GetUserRequest request;
    request.set_user_id(user_id);
    v1::User user;
    grpc::Status status = users_->GetUser(&context, request, &user);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return user;
  }

  v1::Team ServerTeam(const std::string& team_id) {
    grpc::ClientContext context;
    Server(context);
    v1::GetTeamRequest request;
    request.set_team_id(team_id);
    v1::Team team;
    grpc::Status status = teams().GetTeam(&context, request, &team);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return team;
  }

  std::unique_ptr<v1::UserService::Stub> users_;
};

TEST_F(ServerOnlyMaskTest, ClientCannotClearItsServerOnlyUserFields) {
  const std::string ann = NewUser("Ann", "ann@example.com");
  {
    grpc::ClientContext context;
    Server(context);
    v1::UpdateUserRequest request;
    request.set_user_id(ann);
    request.mutable_server_metadata()->set_string_value("tier-gold");
    request.mutable_client_read_only_metadata()->set_string_value("ro");
    request.set_primary_email_auth_enabled(true);
    request.set_password("a long enough password");
    v1::User user;
    grpc::Status status = users_->UpdateUser(&context, request, &user);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  const v1::User before = ServerView(ann);
  ASSERT_EQ(before.server_metadata().string_value(), "tier-gold");
  ASSERT_TRUE(before.has_password());
  ASSERT_TRUE(before.primary_email_auth_enabled());
  const std::string token = TokenOf(ann);

  // Every server_only field of the request, from the contract.
  const google::protobuf::Descriptor* type =
      v1::UpdateCurrentUserRequest::descriptor();
  int probed = 0;
  for (int i = 0; i < type->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* field = type->field(i);
    if (!IsServerOnly(field)) continue;
    ++probed;
    SCOPED_TRACE(field->name());
    grpc::ClientContext context;
    Client(context, token);
    v1::UpdateCurrentUserRequest request;
    request.mutable_update_mask()->add_paths(field->name());
    v1::User out;
    WireError error =
        ErrorOf(auth().UpdateCurrentUser(&context, request, &out));
    EXPECT_EQ(error.code, grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(error.reason, "SCHEMA_ERROR");
    EXPECT_EQ(error.details["message"], RefusalText(field->name()));
  }
  EXPECT_GE(probed, 5);

  const v1::User after = ServerView(ann);
  EXPECT_EQ(after.server_metadata().string_value(), "tier-gold");
  EXPECT_EQ(after.client_read_only_metadata().string_value(), "ro");
  EXPECT_EQ(after.primary_email(), "ann@example.com");
  EXPECT_EQ(after.primary_email_verified(), before.primary_email_verified());
  EXPECT_TRUE(after.primary_email_auth_enabled());
  EXPECT_TRUE(after.has_password());

  // The same client may still clear what it may write: the refusals above
  // are the mask's field, not the call.
  grpc::ClientContext context;
  Client(context, token);
  v1::UpdateCurrentUserRequest request;
  request.mutable_update_mask()->add_paths("display_name");
  v1::User out;
  grpc::Status status = auth().UpdateCurrentUser(&context, request, &out);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(out.has_display_name());
  EXPECT_EQ(ServerView(ann).server_metadata().string_value(), "tier-gold");
}

// A client may change its own primary email (as in Stack); the new address
// starts unverified, and one another user signs in with stays theirs.
TEST_F(ServerOnlyMaskTest, ClientChangesItsOwnEmailWhichStartsUnverified) {
  const std::string ann = NewUser("Ann", "ann@example.com");
  NewUser("Bob", "bob@example.com");
  {
    grpc::ClientContext context;
    Server(context);
    v1::UpdateUserRequest request;
    request.set_user_id(ann);
    request.set_primary_email_verified(true);
    request.set_primary_email_auth_enabled(true);
    v1::User user;
    ASSERT_TRUE(users_->UpdateUser(&context, request, &user).ok());
  }
  ASSERT_TRUE(ServerView(ann).primary_email_verified());
  const std::string token = TokenOf(ann);
  auto change = [&](const std::string& email) {
    grpc::ClientContext context;
    Client(context, token);
    v1::UpdateCurrentUserRequest request;
    request.set_primary_email(email);
    v1::User out;
    return ErrorOf(auth().UpdateCurrentUser(&context, request, &out));
  };
  // A new address does not sign in (so it may be another user's), as in
  // Stack; the old one is kept as a secondary address.
  EXPECT_EQ(change("bob@example.com").reason, "");
  EXPECT_FALSE(ServerView(ann).primary_email_auth_enabled());
  EXPECT_EQ(change("Ann.New@Example.com").reason, "");
  const v1::User after = ServerView(ann);
  EXPECT_EQ(after.primary_email(), "ann.new@example.com");
  EXPECT_FALSE(after.primary_email_verified());
  EXPECT_FALSE(after.primary_email_auth_enabled());
}

TEST_F(ServerOnlyMaskTest, TeamAdminClientCannotClearServerOnlyTeamFields) {
  const std::string ann = NewUser("Ann");
  const std::string team = NewTeam("Rocket", ann);  // Ann: team_admin.
  {
    grpc::ClientContext context;
    Server(context);
    v1::UpdateTeamRequest request;
    request.set_team_id(team);
    request.mutable_server_metadata()->set_string_value("plan-enterprise");
    request.mutable_client_read_only_metadata()->set_string_value("ro");
    v1::Team out;
    grpc::Status status = teams().UpdateTeam(&context, request, &out);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  const std::string token = TokenOf(ann);
  for (const char* name : {"server_metadata", "client_read_only_metadata"}) {
    SCOPED_TRACE(name);
    grpc::ClientContext context;
    Client(context, token);
    v1::UpdateTeamRequest request;
    request.set_team_id(team);
    request.mutable_update_mask()->add_paths(name);
    v1::Team out;
    WireError error = ErrorOf(teams().UpdateTeam(&context, request, &out));
    EXPECT_EQ(error.code, grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(error.reason, "SCHEMA_ERROR");
    EXPECT_EQ(error.details["message"], RefusalText(name));
  }
  v1::Team after = ServerTeam(team);
  EXPECT_EQ(after.server_metadata().string_value(), "plan-enterprise");
  EXPECT_EQ(after.client_read_only_metadata().string_value(), "ro");

  // The team admin's own fields still follow the mask.
  grpc::ClientContext context;
  Client(context, token);
  v1::UpdateTeamRequest request;
  request.set_team_id(team);
  request.set_display_name("Renamed");
  request.mutable_update_mask()->add_paths("display_name");
  v1::Team out;
  grpc::Status status = teams().UpdateTeam(&context, request, &out);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(out.display_name(), "Renamed");
  EXPECT_EQ(ServerTeam(team).server_metadata().string_value(),
            "plan-enterprise");
}

}  // namespace
}  // namespace latchkey::testing
