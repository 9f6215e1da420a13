#include "storage/team_invitation_repository.h"

#include "common/status_macros.h"
#include "storage/repository_util.h"

namespace latchkey::storage {
namespace {

#define LK_INVITATION_COLUMNS                            \
  "id, project_id, team_id, recipient_email, code_hash," \
  " invited_by_user_id, created_at_us, expires_at_us, accepted_at_us"

TeamInvitationRecord ReadInvitation(const SqlRow& row) {
  TeamInvitationRecord i;
  i.id = row.Text(0);
  i.project_id = row.Text(1);
  i.team_id = row.Text(2);
  i.recipient_email = row.Text(3);
  i.code_hash = row.Text(4);
  i.invited_by_user_id = row.OptionalText(5);
  i.created_at = row.Time(6);
  i.expires_at = row.Time(7);
  i.accepted_at = row.OptionalTime(8);
  return i;
}

}  // namespace

absl::Status TeamInvitationRepository::Create(const TeamInvitationRecord& i) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute(
          "INSERT INTO team_invitations (" LK_INVITATION_COLUMNS
          ") SELECT $1, project_id, id, $4, $5, $6, $7, $8, $9"
          " FROM teams WHERE project_id = $2 AND id = $3",
          {i.id, i.project_id, i.team_id, i.recipient_email, i.code_hash,
           i.invited_by_user_id, i.created_at, i.expires_at, i.accepted_at}));
  return RequireAffected(result, "team", i.team_id);
}

absl::StatusOr<TeamInvitationRecord> TeamInvitationRepository::FindByCodeHash(
    std::string_view project_id, std::string_view code_hash) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("SELECT " LK_INVITATION_COLUMNS " FROM team_invitations"
                  " WHERE project_id = $1 AND code_hash = $2",
                  {project_id, code_hash}));
  if (result.rows.empty()) {
    return absl::NotFoundError("no team invitation has this code");
  }
  return ReadInvitation(result.rows[0]);
}

absl::StatusOr<std::vector<TeamInvitationRecord>>
TeamInvitationRepository::ListPending(std::string_view project_id,
                                      std::string_view team_id,
                                      absl::Time now) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("SELECT " LK_INVITATION_COLUMNS " FROM team_invitations"
                  " WHERE project_id = $1 AND team_id = $2"
                  " AND accepted_at_us IS NULL AND expires_at_us > $3"
                  " ORDER BY created_at_us, id",
                  {project_id, team_id, now}));
  std::vector<TeamInvitationRecord> out;
  for (const SqlRow& row : result.rows) out.push_back(ReadInvitation(row));
  return out;
}

absl::Status TeamInvitationRepository::MarkAccepted(
    std::string_view project_id, std::string_view invitation_id,
    absl::Time at) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("UPDATE team_invitations SET accepted_at_us = $3"
                  " WHERE project_id = $1 AND id = $2"
                  " AND accepted_at_us IS NULL",
                  {project_id, invitation_id, at}));
  if (result.affected_rows > 0) return absl::OkStatus();
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult exists,
      ex_.Execute("SELECT 1 FROM team_invitations WHERE project_id = $1"
                  " AND id = $2",
                  {project_id, invitation_id}));
  if (exists.rows.empty()) return NotFound("team invitation", invitation_id);
  return absl::FailedPreconditionError(
      "the team invitation was accepted already");
}

absl::Status TeamInvitationRepository::Delete(std::string_view project_id,
                                              std::string_view team_id,
                                              std::string_view invitation_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("DELETE FROM team_invitations WHERE project_id = $1"
                  " AND team_id = $2 AND id = $3",
                  {project_id, team_id, invitation_id}));
  return RequireAffected(result, "team invitation", invitation_id);
}

}  // namespace latchkey::storage
