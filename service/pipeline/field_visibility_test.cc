#include "service/pipeline/field_visibility.h"

#include "gtest/gtest.h"
#include "identity/v1/team_permission.pb.h"

namespace latchkey::service {
namespace {

TEST(ClearServerOnlyFields, ClearsNestedAndRepeatedServerFields) {
  identity::v1::ListTeamMemberProfilesResponse response;
  identity::v1::TeamMemberProfile* profile = response.add_items();
  profile->set_display_name("Ann");
  profile->mutable_user()->set_id("u");  // server_only
  identity::v1::User user;
  user.set_id("u");
  user.mutable_server_metadata()->set_string_value("secret");
  user.set_last_active_at_millis(5);
  user.mutable_selected_team()->mutable_server_metadata()->set_bool_value(true);
  user.mutable_selected_team()->set_display_name("T");

  ClearServerOnlyFields(response);
  ClearServerOnlyFields(user);

  EXPECT_FALSE(response.items(0).has_user());
  EXPECT_EQ(response.items(0).display_name(), "Ann");
  EXPECT_FALSE(user.has_server_metadata());
  EXPECT_EQ(user.last_active_at_millis(), 0);
  EXPECT_FALSE(user.selected_team().has_server_metadata());
  EXPECT_EQ(user.selected_team().display_name(), "T");
  EXPECT_EQ(user.id(), "u");
}

}  // namespace
}  // namespace latchkey::service
