#ifndef SERVICE_CORE_CONTACT_CHANNELS_H_
#define SERVICE_CORE_CONTACT_CHANNELS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "service/core/mail_admission.h"
#include "service/core/project_directory.h"
#include "service/core/sign_in_services.h"
#include "storage/records.h"

namespace latchkey::service::core {

// Who acts on contact channels. Server and admin callers may act on any
// user of the project; a client only on its own signed-in user. Plain data.
struct ChannelActor {
  // Client access (a publishable key, or none).
  bool client = false;
  // The signed-in user's id, "" when the call carries none.
  std::string user_id;
};

// A user's contact channels (emails) as Stack's contact-channels API sees
// them: listing, adding, changing, deleting, and mailing a verification
// link for one of them. The user's primary email is the channel marked
// primary, so these writes are also how it changes. Each change runs in one
// transaction. Stateless apart from the injected services; thread-safe.
//
// User ids may be "me": the actor's own user, or
// CANNOT_GET_OWN_USER_WITHOUT_USER when it has none. A client naming
// another user gets CLIENT_CANNOT_ACCESS_OTHER_USERS (403).
class ContactChannels {
 public:
  struct CreateInput {
    std::string user_id;
    // As sent; trimmed and lower-cased here.
    std::string value;
    std::string type;
    // Required (SCHEMA_ERROR when unset).
    std::optional<bool> used_for_auth;
    bool is_primary = false;
    // Only server callers may set it (the contract refuses it from
    // clients).
    bool is_verified = false;
  };

  struct Changes {
    std::optional<std::string> value;
    std::optional<std::string> type;
    std::optional<bool> used_for_auth;
    std::optional<bool> is_primary;
    std::optional<bool> is_verified;
  };

  explicit ContactChannels(SignInServices services) : services_(services) {}

  // The user's channels, or with no user_id (servers only) every channel in
  // the project; oldest first. `channel_id` narrows the list to that one.
  absl::StatusOr<std::vector<storage::ContactChannelRecord>> List(
      const ProjectSnapshot& project, const ChannelActor& actor,
      const std::optional<std::string>& user_id,
      const std::optional<std::string>& channel_id) const;

  // SCHEMA_ERROR (type other than "email", bad address, used_for_auth
  // unset), USER_ID_DOES_NOT_EXIST, CONTACT_CHANNEL_ALREADY_EXISTS (the user
  // has it), CONTACT_CHANNEL_ALREADY_USED_FOR_AUTH_BY_SOMEONE_ELSE {type,
  // contact_channel_value}. A primary channel demotes the old primary.
  absl::StatusOr<storage::ContactChannelRecord> Create(
      const ProjectSnapshot& project, const ChannelActor& actor,
      const CreateInput& input) const;

  // CONTACT_CHANNEL_NOT_FOUND (404) when the user has no such channel.
  // Channel ids that are not UUIDs are a SCHEMA_ERROR in every method.
  absl::StatusOr<storage::ContactChannelRecord> Get(
      const ProjectSnapshot& project, const ChannelActor& actor,
      const std::string& user_id, const std::string& channel_id) const;

  // UNKNOWN_CONTACT_CHANNEL (400) when the user has no such channel; the
  // errors of Create (the used-for-auth conflict names no value). A new
  // value is unverified unless `is_verified` says otherwise; is_primary
  // true demotes the user's other channels, false leaves no primary.
  absl::StatusOr<storage::ContactChannelRecord> Update(
      const ProjectSnapshot& project, const ChannelActor& actor,
      const std::string& user_id, const std::string& channel_id,
      const Changes& changes) const;

  // UNKNOWN_CONTACT_CHANNEL (400) when the user has no such channel.
  absl::Status Delete(const ProjectSnapshot& project, const ChannelActor& actor,
                      const std::string& user_id,
                      const std::string& channel_id) const;

  // A code for the channel's address, to be verified with
  // EmailVerification::Verify. A client naming another user gets
  // CLIENT_CANNOT_VERIFY_OTHER_USERS (400); then USER_ID_DOES_NOT_EXIST,
  // CONTACT_CHANNEL_NOT_FOUND (404), EMAIL_ALREADY_VERIFIED, and the mail
  // admission checks (mail_admission.h). Returns the mail to send.
  absl::StatusOr<CodeMail> SendVerificationCode(
      const ProjectSnapshot& project, const ChannelActor& actor,
      const std::string& user_id, const std::string& channel_id,
      const std::string& callback_url) const;

 private:
  const SignInServices services_;
};

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_CONTACT_CHANNELS_H_
