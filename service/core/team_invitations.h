#ifndef SERVICE_CORE_TEAM_INVITATIONS_H_
#define SERVICE_CORE_TEAM_INVITATIONS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "service/core/permission_catalog.h"
#include "service/core/project_directory.h"
#include "service/core/rate_limiter.h"
#include "service/core/team_actor.h"
#include "storage/database.h"
#include "storage/records.h"

namespace latchkey::service::core {

// Team invitations. An invitation is its own one-time code: 45 lowercase
// Crockford-base32 characters, stored only as a hash, valid 7 days, used
// once; its email links to `<callback_url>?code=<code>`.
//  - Send: the email normalised (SCHEMA_ERROR naming body.email); the
//    callback URL on the project's trusted domains
//    (REDIRECT_URL_NOT_WHITELISTED); a client needs $invite_members;
//    TEAM_NOT_FOUND; then the recipient's mail limit (email_per_address,
//    RATE_LIMITED), counted only once the caller may invite and before
//    anything is stored. Returns the mail to send once this has returned.
//  - Codes are checked in Stack's order: VERIFICATION_CODE_NOT_FOUND (also
//    for a revoked one, or another project's), _EXPIRED, _ALREADY_USED;
//    compared case-insensitively.
//  - Accept: restricted users may not join (RESTRICTED_USER_NOT_ALLOWED).
//    The code is used in the accepting transaction, so of two concurrent
//    accepts one wins; a user who is already a member uses it and
//    succeeds (Stack); a new member gets team_member_default_permissions.
//  - List needs $read_members and $invite_members from a client, Revoke
//    $remove_members (both: membership first); TEAM_NOT_FOUND for others.
//    Revoking an unknown invitation is TEAM_INVITATION_NOT_FOUND.
// Thread-safe; the references must outlive this object.
class TeamInvitations {
 public:
  static constexpr absl::Duration kLifetime = absl::Hours(24 * 7);

  struct SendInput {
    const TeamActor& actor;
    const ProjectSnapshot& project;
    std::string team_id;
    // As sent; normalised here.
    std::string email;
    std::string callback_url;
  };

  // The invitation made, and what its email needs.
  struct Sent {
    std::string invitation_id;
    // Normalised.
    std::string email;
    std::string team_display_name;
    // The callback URL with the code added.
    std::string link;
  };

  struct AcceptInput {
    const TeamActor& actor;
    const identity::v1::ProjectConfig& config;
    std::string code;
    // Set when the accepting user is restricted: the reason's type.
    std::optional<std::string> restricted_reason_type;
  };

  struct Details {
    std::string team_id;
    std::string team_display_name;
  };

  TeamInvitations(storage::Database& database, const common::Clock& clock,
                  const RateLimiter& rate_limiter, PermissionCatalog& catalog)
      : database_(database),
        clock_(clock),
        rate_limiter_(rate_limiter),
        catalog_(catalog) {}

  absl::StatusOr<Sent> Send(const SendInput& input) const;

  // The team joined.
  absl::StatusOr<std::string> Accept(const AcceptInput& input) const;

  // OK when the code could be accepted now.
  absl::Status Check(const std::string& project_id,
                     const std::string& code) const;

  absl::StatusOr<Details> GetDetails(const std::string& project_id,
                                     const std::string& code) const;

  // A team's pending (unused, unexpired) invitations, with the team's name
  // (every invitation object carries it).
  struct Pending {
    std::string team_display_name;
    std::vector<storage::TeamInvitationRecord> invitations;
  };

  absl::StatusOr<Pending> List(const TeamActor& actor,
                               const std::string& team_id) const;

  absl::Status Revoke(const TeamActor& actor, const std::string& team_id,
                      const std::string& invitation_id) const;

 private:
  storage::Database& database_;
  const common::Clock& clock_;
  const RateLimiter& rate_limiter_;
  PermissionCatalog& catalog_;
};

// `<callback_url>?code=<code>`, keeping the URL's own query and fragment.
std::string InvitationLink(absl::string_view callback_url,
                           absl::string_view code);

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_TEAM_INVITATIONS_H_
