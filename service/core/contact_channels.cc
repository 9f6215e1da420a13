#include "service/core/contact_channels.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "crypto/random.h"
#include "service/core/emails.h"
#include "service/core/verification_codes.h"
#include "service/errors/api_error.h"
#include "storage/errors.h"

namespace latchkey::service::core {
namespace {

using storage::ContactChannelRecord;

constexpr char kEmail[] = "email";

// The user the call names: "me" is the actor's own. A client must have a
// user of its own whatever it names, and may name only that one;
// `other_user` is its error for naming someone else.
absl::StatusOr<std::string> ResolveUser(const ChannelActor& actor,
                                        const std::string& requested,
                                        identity::v1::ErrorCode other_user) {
  if ((actor.client || requested == "me") && actor.user_id.empty()) {
    return ApiError(identity::v1::CANNOT_GET_OWN_USER_WITHOUT_USER);
  }
  std::string user_id = requested == "me" ? actor.user_id : requested;
  if (actor.client && user_id != actor.user_id) return ApiError(other_user);
  return user_id;
}

absl::StatusOr<std::string> ResolveUser(const ChannelActor& actor,
                                        const std::string& requested) {
  return ResolveUser(actor, requested,
                     identity::v1::CLIENT_CANNOT_ACCESS_OTHER_USERS);
}

absl::Status CheckType(const std::string& type, const char* field) {
  if (type == kEmail) return absl::OkStatus();
  return SchemaError(absl::StrCat(field, " must be \"email\""));
}

// The used-for-auth conflict; Stack names the value on create only.
absl::Status UsedBySomeoneElse(const std::optional<std::string>& value) {
  ErrorDetails details = {{"type", kEmail},
                          {"would_work_if_email_was_verified", "false"}};
  if (value.has_value()) details["contact_channel_value"] = *value;
  return ApiError(
      identity::v1::CONTACT_CHANNEL_ALREADY_USED_FOR_AUTH_BY_SOMEONE_ELSE,
      std::move(details));
}

// A write's unique-index violation as the API's error; other statuses
// unchanged. The checks before each write make these rare (a concurrent
// write won).
absl::Status ConflictOr(const absl::Status& status,
                        const std::optional<std::string>& value) {
  const std::optional<std::string> constraint =
      storage::ViolatedConstraint(status);
  if (constraint == "contact_channels_auth_unique") {
    return UsedBySomeoneElse(value);
  }
  if (constraint == "contact_channels_user_value_unique") {
    return ApiError(identity::v1::CONTACT_CHANNEL_ALREADY_EXISTS);
  }
  return status;
}

// Whether another channel (not `self_id`) signs in with `value`.
absl::StatusOr<bool> UsedForAuthElsewhere(storage::Repositories& repos,
                                          const std::string& project_id,
                                          const std::string& value,
                                          const std::string& self_id) {
  absl::StatusOr<ContactChannelRecord> other =
      repos.contact_channels().FindAuthChannel(project_id, kEmail, value);
  if (other.status().code() == absl::StatusCode::kNotFound) return false;
  if (!other.ok()) return other.status();
  return other->id != self_id;
}

// Clears is_primary on the user's channels other than `keep_id`, before
// another becomes primary (the index allows one primary per user).
absl::Status DemotePrimaries(storage::Repositories& repos,
                             const std::string& project_id,
                             const std::string& user_id,
                             const std::string& keep_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      std::vector<ContactChannelRecord> channels,
      repos.contact_channels().ListForUser(project_id, user_id));
  for (ContactChannelRecord& channel : channels) {
    if (!channel.is_primary || channel.id == keep_id) continue;
    channel.is_primary = false;
    LATCHKEY_RETURN_IF_ERROR(repos.contact_channels().Update(channel));
  }
  return absl::OkStatus();
}

// The user's channel `channel_id`, or NOT_FOUND (also for another user's).
absl::StatusOr<ContactChannelRecord> ChannelOf(storage::Repositories& repos,
                                               const std::string& project_id,
                                               const std::string& user_id,
                                               const std::string& channel_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      ContactChannelRecord channel,
      repos.contact_channels().Get(project_id, channel_id));
  if (channel.user_id != user_id) {
    return absl::NotFoundError("the contact channel is another user's");
  }
  return channel;
}

// Channel ids are UUIDs (lower-case, as Latchkey makes them); anything else
// is a malformed request rather than an unknown channel.
absl::Status CheckChannelId(const std::string& id, const char* field) {
  if (crypto::IsUuid(id)) return absl::OkStatus();
  return SchemaError(absl::StrCat(field, " must be a UUID"));
}

absl::Status ErrorIfNotFound(const absl::Status& status,
                             identity::v1::ErrorCode code) {
  if (status.code() == absl::StatusCode::kNotFound) return ApiError(code);
  return status;
}

void SortOldestFirst(std::vector<ContactChannelRecord>& channels) {
  std::stable_sort(
      channels.begin(), channels.end(),
      [](const ContactChannelRecord& a, const ContactChannelRecord& b) {
        if (a.created_at != b.created_at) return a.created_at < b.created_at;
        return a.id < b.id;
      });
}

}  // namespace

absl::StatusOr<std::vector<ContactChannelRecord>> ContactChannels::List(
    const ProjectSnapshot& project, const ChannelActor& actor,
    const std::optional<std::string>& user_id,
    const std::optional<std::string>& channel_id) const {
  if (channel_id.has_value()) {
    LATCHKEY_RETURN_IF_ERROR(
        CheckChannelId(*channel_id, "query.contact_channel_id"));
  }
  std::optional<std::string> owner;
  if (user_id.has_value()) {
    LATCHKEY_ASSIGN_OR_RETURN(owner, ResolveUser(actor, *user_id));
  } else if (actor.client) {
    // A client may list only its own channels, and must say so.
    if (actor.user_id.empty()) {
      return ApiError(identity::v1::CANNOT_GET_OWN_USER_WITHOUT_USER);
    }
    return ApiError(identity::v1::CLIENT_CANNOT_ACCESS_OTHER_USERS);
  }
  const std::string& project_id = project.project.id;
  std::vector<ContactChannelRecord> channels;
  LATCHKEY_RETURN_IF_ERROR(
      services_.database.Run([&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_ASSIGN_OR_RETURN(
            channels,
            owner.has_value()
                ? repos.contact_channels().ListForUser(project_id, *owner)
                : repos.contact_channels().ListForProject(project_id));
        return absl::OkStatus();
      }));
  if (channel_id.has_value()) {
    std::erase_if(channels, [&](const ContactChannelRecord& channel) {
      return channel.id != *channel_id;
    });
  }
  SortOldestFirst(channels);
  return channels;
}

absl::StatusOr<ContactChannelRecord> ContactChannels::Create(
    const ProjectSnapshot& project, const ChannelActor& actor,
    const CreateInput& input) const {
  LATCHKEY_ASSIGN_OR_RETURN(std::string user_id,
                            ResolveUser(actor, input.user_id));
  LATCHKEY_RETURN_IF_ERROR(CheckType(input.type, "body.type"));
  if (!input.used_for_auth.has_value()) {
    return SchemaError("body.used_for_auth is required");
  }
  LATCHKEY_ASSIGN_OR_RETURN(std::string value,
                            NormalizeEmail(input.value, "body.value"));
  const std::string& project_id = project.project.id;
  ContactChannelRecord channel;
  LATCHKEY_ASSIGN_OR_RETURN(channel.id, crypto::RandomUuidV4());
  channel.project_id = project_id;
  channel.user_id = user_id;
  channel.type = kEmail;
  channel.value = value;
  channel.is_primary = input.is_primary;
  channel.is_verified = input.is_verified;
  channel.used_for_auth = *input.used_for_auth;
  channel.created_at = services_.clock.Now();
  LATCHKEY_RETURN_IF_ERROR(services_.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        absl::Status user = repos.users().Get(project_id, user_id).status();
        if (user.code() == absl::StatusCode::kNotFound) {
          return ApiError(identity::v1::USER_ID_DOES_NOT_EXIST,
                          {{"user_id", user_id}});
        }
        LATCHKEY_RETURN_IF_ERROR(user);
        LATCHKEY_ASSIGN_OR_RETURN(
            std::vector<ContactChannelRecord> own,
            repos.contact_channels().ListForUser(project_id, user_id));
        for (const ContactChannelRecord& existing : own) {
          if (existing.type == kEmail && existing.value == value) {
            return ApiError(identity::v1::CONTACT_CHANNEL_ALREADY_EXISTS);
          }
        }
        if (channel.used_for_auth) {
          LATCHKEY_ASSIGN_OR_RETURN(
              bool taken,
              UsedForAuthElsewhere(repos, project_id, value, channel.id));
          if (taken) return UsedBySomeoneElse(value);
        }
        if (channel.is_primary) {
          LATCHKEY_RETURN_IF_ERROR(
              DemotePrimaries(repos, project_id, user_id, channel.id));
        }
        return ConflictOr(repos.contact_channels().Create(channel), value);
      }));
  return channel;
}

absl::StatusOr<ContactChannelRecord> ContactChannels::Get(
    const ProjectSnapshot& project, const ChannelActor& actor,
    const std::string& user_id, const std::string& channel_id) const {
  LATCHKEY_ASSIGN_OR_RETURN(std::string owner, ResolveUser(actor, user_id));
  LATCHKEY_RETURN_IF_ERROR(
      CheckChannelId(channel_id, "params.contact_channel_id"));
  std::optional<ContactChannelRecord> channel;
  LATCHKEY_RETURN_IF_ERROR(
      services_.database.Run([&](storage::Repositories& repos) -> absl::Status {
        absl::StatusOr<ContactChannelRecord> found =
            ChannelOf(repos, project.project.id, owner, channel_id);
        if (!found.ok()) {
          return ErrorIfNotFound(found.status(),
                                 identity::v1::CONTACT_CHANNEL_NOT_FOUND);
        }
        channel = *std::move(found);
        return absl::OkStatus();
      }));
  return *std::move(channel);
}

absl::StatusOr<ContactChannelRecord> ContactChannels::Update(
    const ProjectSnapshot& project, const ChannelActor& actor,
    const std::string& user_id, const std::string& channel_id,
    const Changes& changes) const {
  LATCHKEY_ASSIGN_OR_RETURN(std::string owner, ResolveUser(actor, user_id));
  LATCHKEY_RETURN_IF_ERROR(
      CheckChannelId(channel_id, "params.contact_channel_id"));
  if (changes.type.has_value()) {
    LATCHKEY_RETURN_IF_ERROR(CheckType(*changes.type, "body.type"));
  }
  std::optional<std::string> value;
  if (changes.value.has_value()) {
    LATCHKEY_ASSIGN_OR_RETURN(value,
                              NormalizeEmail(*changes.value, "body.value"));
  }
  const std::string& project_id = project.project.id;
  std::optional<ContactChannelRecord> result;
  LATCHKEY_RETURN_IF_ERROR(services_.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        absl::StatusOr<ContactChannelRecord> found =
            ChannelOf(repos, project_id, owner, channel_id);
        if (!found.ok()) {
          return ErrorIfNotFound(found.status(),
                                 identity::v1::UNKNOWN_CONTACT_CHANNEL);
        }
        ContactChannelRecord channel = *std::move(found);
        if (value.has_value()) {
          channel.value = *value;
          // Proof of the old address says nothing about the new one.
          channel.is_verified = false;
        }
        if (changes.is_verified.has_value()) {
          channel.is_verified = *changes.is_verified;
        }
        if (changes.used_for_auth.has_value()) {
          channel.used_for_auth = *changes.used_for_auth;
        }
        if (channel.used_for_auth) {
          LATCHKEY_ASSIGN_OR_RETURN(
              bool taken, UsedForAuthElsewhere(repos, project_id, channel.value,
                                               channel.id));
          if (taken) return UsedBySomeoneElse(std::nullopt);
        }
        if (changes.is_primary.has_value()) {
          if (*changes.is_primary) {
            LATCHKEY_RETURN_IF_ERROR(
                DemotePrimaries(repos, project_id, owner, channel.id));
          }
          channel.is_primary = *changes.is_primary;
        }
        LATCHKEY_RETURN_IF_ERROR(
            ConflictOr(repos.contact_channels().Update(channel), std::nullopt));
        result = std::move(channel);
        return absl::OkStatus();
      }));
  return *std::move(result);
}

absl::Status ContactChannels::Delete(const ProjectSnapshot& project,
                                     const ChannelActor& actor,
                                     const std::string& user_id,
                                     const std::string& channel_id) const {
  LATCHKEY_ASSIGN_OR_RETURN(std::string owner, ResolveUser(actor, user_id));
  LATCHKEY_RETURN_IF_ERROR(
      CheckChannelId(channel_id, "params.contact_channel_id"));
  const std::string& project_id = project.project.id;
  return services_.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        absl::StatusOr<ContactChannelRecord> found =
            ChannelOf(repos, project_id, owner, channel_id);
        if (!found.ok()) {
          return ErrorIfNotFound(found.status(),
                                 identity::v1::UNKNOWN_CONTACT_CHANNEL);
        }
        return ErrorIfNotFound(
            repos.contact_channels().Delete(project_id, channel_id),
            identity::v1::UNKNOWN_CONTACT_CHANNEL);
      });
}

absl::StatusOr<CodeMail> ContactChannels::SendVerificationCode(
    const ProjectSnapshot& project, const ChannelActor& actor,
    const std::string& user_id, const std::string& channel_id,
    const std::string& callback_url) const {
  LATCHKEY_ASSIGN_OR_RETURN(
      std::string owner,
      ResolveUser(actor, user_id,
                  identity::v1::CLIENT_CANNOT_VERIFY_OTHER_USERS));
  LATCHKEY_RETURN_IF_ERROR(
      CheckChannelId(channel_id, "params.contact_channel_id"));
  const std::string& project_id = project.project.id;
  // The channel's checks come before the mail admission, which spends the
  // address's mail budget.
  auto check = [&](storage::Repositories& repos)
      -> absl::StatusOr<ContactChannelRecord> {
    absl::Status user = repos.users().Get(project_id, owner).status();
    if (user.code() == absl::StatusCode::kNotFound) {
      return ApiError(identity::v1::USER_ID_DOES_NOT_EXIST,
                      {{"user_id", owner}});
    }
    LATCHKEY_RETURN_IF_ERROR(user);
    absl::StatusOr<ContactChannelRecord> found =
        ChannelOf(repos, project_id, owner, channel_id);
    if (!found.ok()) {
      return ErrorIfNotFound(found.status(),
                             identity::v1::CONTACT_CHANNEL_NOT_FOUND);
    }
    if (found->type != kEmail) {
      return ApiError(identity::v1::CONTACT_CHANNEL_NOT_FOUND);
    }
    if (found->is_verified) {
      return ApiError(identity::v1::EMAIL_ALREADY_VERIFIED);
    }
    return found;
  };
  std::optional<ContactChannelRecord> channel;
  LATCHKEY_RETURN_IF_ERROR(
      services_.database.Run([&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_ASSIGN_OR_RETURN(channel, check(repos));
        return absl::OkStatus();
      }));
  LATCHKEY_ASSIGN_OR_RETURN(std::string email,
                            AdmitMailTo(services_.rate_limiter, project,
                                        channel->value, callback_url));
  std::optional<NewVerificationCode> code;
  LATCHKEY_RETURN_IF_ERROR(services_.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        // Still there and unverified now that the code is stored.
        LATCHKEY_RETURN_IF_ERROR(check(repos).status());
        VerificationCodes::Spec spec;
        spec.purpose = std::string(kEmailVerificationPurpose);
        spec.user_id = owner;
        spec.email = email;
        LATCHKEY_ASSIGN_OR_RETURN(
            code, services_.codes.Create(repos, project_id, spec));
        return absl::OkStatus();
      }));
  return CodeMailFor(std::move(email), *code);
}

}  // namespace latchkey::service::core
