#include "service/core/profile_images.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/string_views.h"
#include "crypto/encoding.h"
#include "gtest/gtest.h"
#include "service/errors/error_matchers.h"
#include "storage/testing/test_database.h"

namespace latchkey::service::core {
namespace {

constexpr char kProject[] = "11111111-0000-4000-8000-000000000001";
constexpr char kTeam[] = "22222222-0000-4000-8000-000000000001";
constexpr char kAnn[] = "33333333-0000-4000-8000-000000000001";
constexpr char kBob[] = "33333333-0000-4000-8000-000000000002";

std::string GifUrl(char variant) {
  return absl::StrCat("data:image/gif;base64,",
                      crypto::Base64Encode(std::string("GIF89a") + variant));
}

class ProfileImagesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    scratch_ = std::move(*storage::testing::ScratchDatabase::Create(
        storage::testing::TestBackend::kSqlite));
    db_ = std::move(*storage::OpenDatabase(scratch_->url()));
    const absl::Time now = absl::FromUnixSeconds(1'700'000'000);
    ASSERT_TRUE(
        db_->RunInTransaction(
               [&](storage::Repositories& repos) -> absl::Status {
                 storage::ProjectRecord project{kProject, "P", {}, now, {}};
                 if (auto s = repos.projects().Create(project); !s.ok()) {
                   return s;
                 }
                 storage::UserRecord ann;
                 ann.id = kAnn;
                 ann.project_id = kProject;
                 ann.profile_image_url = GifUrl('a');
                 ann.signed_up_at = ann.last_active_at = now;
                 if (auto s = repos.users().Create(ann); !s.ok()) return s;
                 storage::UserRecord bob = ann;
                 bob.id = kBob;
                 bob.profile_image_url = "https://cdn.example.com/b.png";
                 if (auto s = repos.users().Create(bob); !s.ok()) return s;
                 storage::TeamRecord team;
                 team.id = kTeam;
                 team.project_id = kProject;
                 team.display_name = "T";
                 team.profile_image_url = GifUrl('t');
                 team.created_at = now;
                 if (auto s = repos.teams().Create(team); !s.ok()) return s;
                 // Ann has no image of her own in the team; Bob does.
                 if (auto s = repos.teams().AddMember(
                         {kProject, kTeam, kAnn, {}, {}, now});
                     !s.ok()) {
                   return s;
                 }
                 return repos.teams().AddMember(
                     {kProject, kTeam, kBob, {}, GifUrl('m'), now});
               })
            .ok());
    images_ = std::make_unique<ProfileImages>(*db_);
  }

  std::unique_ptr<storage::testing::ScratchDatabase> scratch_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<ProfileImages> images_;
};

TEST_F(ProfileImagesTest, ServesEachKindOfOwnersImage) {
  auto user =
      images_->Get(kProject, kUserImage, kAnn, ImageDigest(GifUrl('a')));
  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_EQ(user->media_type, "image/gif");
  EXPECT_EQ(user->bytes, "GIF89aa");
  auto team =
      images_->Get(kProject, kTeamImage, kTeam, ImageDigest(GifUrl('t')));
  ASSERT_TRUE(team.ok()) << team.status();
  EXPECT_EQ(team->bytes, "GIF89at");
  auto own =
      images_->Get(kProject, kTeamMemberImage,
                   TeamMemberImageOwner(kTeam, kBob), ImageDigest(GifUrl('m')));
  ASSERT_TRUE(own.ok()) << own.status();
  EXPECT_EQ(own->bytes, "GIF89am");
  // A member without an image of their own shows their user's.
  auto fallback =
      images_->Get(kProject, kTeamMemberImage,
                   TeamMemberImageOwner(kTeam, kAnn), ImageDigest(GifUrl('a')));
  ASSERT_TRUE(fallback.ok()) << fallback.status();
  EXPECT_EQ(fallback->bytes, "GIF89aa");
}

TEST_F(ProfileImagesTest, AnythingElseIsNotFound) {
  const std::string digest = ImageDigest(GifUrl('a'));
  const auto not_found = [&](const std::string& project, absl::string_view kind,
                             const std::string& owner, absl::string_view d) {
    EXPECT_THAT(images_->Get(project, kind, owner, d).status(),
                HasErrorCode(identity::v1::PROFILE_IMAGE_NOT_FOUND))
        << project << " " << kind << " " << owner << " " << d;
  };
  not_found(kProject, kUserImage, kAnn, ImageDigest(GifUrl('b')));  // replaced
  not_found(kProject, kUserImage, kAnn, "");
  not_found("other-project", kUserImage, kAnn, digest);
  not_found(kProject, kUserImage, "33333333-0000-4000-8000-0000000000ff",
            digest);
  not_found(kProject, "project", kAnn, digest);
  not_found(kProject, kTeamImage, kAnn, digest);        // Ann is not a team
  not_found(kProject, kTeamMemberImage, kAnn, digest);  // no team part
  // An ordinary URL is the client's to fetch, not latchkeyd's to serve.
  not_found(kProject, kUserImage, kBob,
            ImageDigest("https://cdn.example.com/b.png"));
}

}  // namespace
}  // namespace latchkey::service::core
