#include "service/api/user_service.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/string_views.h"
#include "crypto/encoding.h"
#include "crypto/random.h"
#include "google/protobuf/descriptor.h"
#include "identity/v1/auth.pb.h"
#include "identity/v1/user.pb.h"
#include "service/api/caller_rules.h"
#include "service/api/protos.h"
#include "service/api/user_import.h"
#include "service/core/emails.h"
#include "service/core/passwords.h"
#include "service/core/totp_secrets.h"
#include "service/core/users.h"
#include "service/errors/api_error.h"
#include "service/json/json_writer.h"
#include "storage/errors.h"

namespace latchkey::service::api {
namespace {

using google::protobuf::FieldDescriptor;
using identity::v1::CreateUserRequest;
using identity::v1::DeleteUserRequest;
using identity::v1::GetUserRequest;
using identity::v1::ListUsersRequest;
using identity::v1::ListUsersResponse;
using identity::v1::SuccessResponse;
using identity::v1::UpdateUserRequest;
using identity::v1::User;

using common::Std;

// What the handlers share besides the AppContext: the TOTP seed box.
// Thread-safe.
struct UserServiceState {
  crypto::SecretBox totp_box;
};

absl::Status CheckCountryCode(const std::string& code,
                              absl::string_view field) {
  if (code.size() != 2 || !absl::ascii_isupper(code[0]) ||
      !absl::ascii_isupper(code[1])) {
    return SchemaError(absl::StrCat(
        field, " must be an ISO 3166-1 alpha-2 code in capitals, e.g. \"DE\""));
  }
  return absl::OkStatus();
}

// The password part of a create or update: policy and argon2id for a
// password, a shape check for an imported hash. Runs outside any
// transaction (hashing takes tens of milliseconds).
absl::StatusOr<std::optional<core::PasswordHash>> PreparePassword(
    AppContext& context, const identity::v1::ProjectConfig& config,
    absl::string_view project_id, const std::optional<std::string>& password,
    const std::optional<std::string>& password_hash) {
  if (password.has_value() && password_hash.has_value()) {
    return SchemaError(
        "password and password_hash cannot both be set in one request");
  }
  if (password.has_value()) {
    LATCHKEY_RETURN_IF_ERROR(core::CheckPasswordPolicy(*password, config));
    LATCHKEY_ASSIGN_OR_RETURN(
        std::string hash,
        context.passwords.Hash(*password, config, project_id));
    return core::PasswordHash{std::move(hash),
                              core::PasswordAlgorithm::kArgon2id};
  }
  if (password_hash.has_value()) {
    LATCHKEY_ASSIGN_OR_RETURN(core::PasswordAlgorithm algorithm,
                              core::ClassifyImportedPasswordHash(
                                  *password_hash, "body.password_hash"));
    return core::PasswordHash{*password_hash, algorithm};
  }
  return std::nullopt;
}

absl::StatusOr<std::string> SealTotp(UserServiceState& state,
                                     const std::string& project_id,
                                     const std::string& user_id,
                                     const std::string& base64) {
  absl::StatusOr<std::string> seed = crypto::Base64Decode(Std(base64));
  if (!seed.ok() || seed->size() < core::kMinTotpSecretBytes ||
      seed->size() > core::kMaxTotpSecretBytes) {
    return SchemaError(absl::StrCat(
        "body.totp_secret_base64 must be base64 of ", core::kMinTotpSecretBytes,
        " to ", core::kMaxTotpSecretBytes, " bytes"));
  }
  return core::SealTotpSecret(state.totp_box, project_id, user_id, *seed);
}

absl::StatusOr<User> ReadUser(storage::Repositories& repos,
                              const Caller& caller,
                              const std::string& user_id) {
  absl::StatusOr<storage::UserView> view =
      repos.users().Get(caller.project_id, user_id);
  if (!view.ok()) return core::UserNotFoundOr(view.status());
  return UserToProto(repos, *view, caller.project->config);
}

absl::Status ExternalIdTakenOr(const absl::Status& status) {
  if (storage::ViolatedConstraint(status) == "users_external_id_unique") {
    return SchemaError("external_id is already used by another user");
  }
  return status;
}

absl::StatusOr<User> CreateUser(AppContext& context, CallContext& call,
                                const CreateUserRequest& request) {
  const Caller& caller = call.caller();
  const identity::v1::ProjectConfig& config = caller.project->config;
  const absl::Time now = context.clock.Now();
  core::NewUser user;
  storage::UserRecord& record = user.user;
  LATCHKEY_ASSIGN_OR_RETURN(record.id, crypto::RandomUuidV4());
  record.project_id = caller.project_id;
  if (request.has_display_name()) record.display_name = request.display_name();
  if (request.has_profile_image_url()) {
    record.profile_image_url = request.profile_image_url();
  }
  if (request.has_client_metadata()) {
    record.client_metadata_json = ValueToJsonText(request.client_metadata());
  }
  if (request.has_client_read_only_metadata()) {
    record.client_read_only_metadata_json =
        ValueToJsonText(request.client_read_only_metadata());
  }
  if (request.has_server_metadata()) {
    record.server_metadata_json = ValueToJsonText(request.server_metadata());
  }
  record.is_anonymous = request.is_anonymous();
  record.otp_auth_enabled = request.otp_auth_enabled();
  if (request.has_external_id()) record.external_id = request.external_id();
  if (request.has_country_code()) {
    LATCHKEY_RETURN_IF_ERROR(
        CheckCountryCode(request.country_code(), "body.country_code"));
    record.country_code = request.country_code();
  }
  record.signed_up_at = record.last_active_at = now;

  if (request.has_primary_email()) {
    LATCHKEY_ASSIGN_OR_RETURN(
        user.primary_email,
        core::NormalizeEmail(request.primary_email(), "body.primary_email"));
  }
  user.primary_email_verified = request.primary_email_verified();
  if (request.has_primary_email_auth_enabled()) {
    user.primary_email_auth_enabled = request.primary_email_auth_enabled();
  }
  if (record.is_anonymous &&
      (user.primary_email.has_value() || request.has_password() ||
       request.has_password_hash())) {
    return SchemaError(
        "an anonymous user cannot have a primary_email or a password");
  }
  LATCHKEY_ASSIGN_OR_RETURN(
      user.password,
      PreparePassword(context, config, caller.project_id,
                      request.has_password()
                          ? std::optional<std::string>(request.password())
                          : std::nullopt,
                      request.has_password_hash()
                          ? std::optional<std::string>(request.password_hash())
                          : std::nullopt));

  absl::StatusOr<User> out;
  LATCHKEY_RETURN_IF_ERROR(ExternalIdTakenOr(context.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_RETURN_IF_ERROR(core::CreateUser(repos, user, now));
        out = ReadUser(repos, caller, record.id);
        return out.status();
      })));
  return out;
}

// Whether an update touches `name`: named by a non-empty mask, or set
// (for an empty mask).
class Touched {
 public:
  explicit Touched(const UpdateUserRequest& request) : request_(request) {}

  absl::Status CheckMask() const {
    for (const std::string& path : request_.update_mask().paths()) {
      const FieldDescriptor* field =
          request_.GetDescriptor()->FindFieldByName(path);
      if (field == nullptr || path == "user_id" || path == "update_mask") {
        return SchemaError(absl::StrCat("update_mask names an unknown field \"",
                                        path.substr(0, 64), "\""));
      }
    }
    return absl::OkStatus();
  }

  bool operator()(const std::string& name) const {
    const FieldDescriptor* field =
        request_.GetDescriptor()->FindFieldByName(name);
    if (request_.update_mask().paths_size() == 0) {
      return request_.GetReflection()->HasField(request_, field);
    }
    for (const std::string& path : request_.update_mask().paths()) {
      if (path == name) return true;
    }
    return false;
  }

 private:
  const UpdateUserRequest& request_;
};

template <typename T>
core::Change<T> ChangeOf(bool touched, bool has, const T& value) {
  if (!touched) return std::nullopt;
  if (!has) return std::optional<T>();
  return std::optional<T>(value);
}

absl::StatusOr<User> UpdateUser(AppContext& context, UserServiceState& state,
                                CallContext& call,
                                const UpdateUserRequest& request) {
  const Caller& caller = call.caller();
  const identity::v1::ProjectConfig& config = caller.project->config;
  LATCHKEY_ASSIGN_OR_RETURN(std::string user_id,
                            ResolveUserId(caller, request.user_id()));
  const Touched touched(request);
  LATCHKEY_RETURN_IF_ERROR(touched.CheckMask());

  core::UserChanges changes;
  const UpdateUserRequest& r = request;
  changes.display_name =
      ChangeOf(touched("display_name"), r.has_display_name(), r.display_name());
  changes.profile_image_url =
      ChangeOf(touched("profile_image_url"), r.has_profile_image_url(),
               r.profile_image_url());
  if (touched("client_metadata")) {
    changes.client_metadata_json = ValueToJsonText(r.client_metadata());
  }
  if (touched("client_read_only_metadata")) {
    changes.client_read_only_metadata_json =
        ValueToJsonText(r.client_read_only_metadata());
  }
  if (touched("server_metadata")) {
    changes.server_metadata_json = ValueToJsonText(r.server_metadata());
  }
  if (touched("primary_email")) {
    changes.primary_email = std::optional<std::string>();
    if (r.has_primary_email()) {
      LATCHKEY_ASSIGN_OR_RETURN(
          *changes.primary_email,
          core::NormalizeEmail(r.primary_email(), "body.primary_email"));
    }
  }
  // A null boolean is false.
  if (touched("primary_email_verified")) {
    changes.primary_email_verified = r.primary_email_verified();
  }
  if (touched("primary_email_auth_enabled")) {
    changes.primary_email_auth_enabled = r.primary_email_auth_enabled();
  }
  if (touched("otp_auth_enabled"))
    changes.otp_auth_enabled = r.otp_auth_enabled();
  if (touched("passkey_auth_enabled")) {
    changes.passkey_auth_enabled = r.passkey_auth_enabled();
  }
  if (touched("restricted_by_admin")) {
    changes.restricted_by_admin = r.restricted_by_admin();
  }
  changes.restricted_by_admin_reason = ChangeOf(
      touched("restricted_by_admin_reason"), r.has_restricted_by_admin_reason(),
      r.restricted_by_admin_reason());
  changes.restricted_by_admin_private_details =
      ChangeOf(touched("restricted_by_admin_private_details"),
               r.has_restricted_by_admin_private_details(),
               r.restricted_by_admin_private_details());
  changes.selected_team_id =
      ChangeOf(touched("selected_team_id"), r.has_selected_team_id(),
               r.selected_team_id());
  if (touched("country_code") && r.has_country_code()) {
    LATCHKEY_RETURN_IF_ERROR(
        CheckCountryCode(r.country_code(), "body.country_code"));
  }
  changes.country_code =
      ChangeOf(touched("country_code"), r.has_country_code(), r.country_code());
  if (touched("totp_secret_base64")) {
    changes.totp_secret_sealed = std::optional<std::string>();
    if (r.has_totp_secret_base64()) {
      LATCHKEY_ASSIGN_OR_RETURN(
          *changes.totp_secret_sealed,
          SealTotp(state, caller.project_id, user_id, r.totp_secret_base64()));
    }
  }
  const bool password_touched = touched("password");
  const bool hash_touched = touched("password_hash");
  if (password_touched || hash_touched) {
    LATCHKEY_ASSIGN_OR_RETURN(
        std::optional<core::PasswordHash> hash,
        PreparePassword(context, config, caller.project_id,
                        password_touched && r.has_password()
                            ? std::optional<std::string>(r.password())
                            : std::nullopt,
                        hash_touched && r.has_password_hash()
                            ? std::optional<std::string>(r.password_hash())
                            : std::nullopt));
    // Null for either removes the password.
    changes.password = std::move(hash);
  }

  absl::StatusOr<User> out;
  LATCHKEY_RETURN_IF_ERROR(ExternalIdTakenOr(context.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_RETURN_IF_ERROR(core::UpdateUser(
            repos, caller.project_id, user_id, changes, context.clock.Now()));
        out = ReadUser(repos, caller, user_id);
        return out.status();
      })));
  return out;
}

absl::StatusOr<User> GetUser(AppContext& context, CallContext& call,
                             const GetUserRequest& request) {
  const Caller& caller = call.caller();
  LATCHKEY_ASSIGN_OR_RETURN(std::string user_id,
                            ResolveUserId(caller, request.user_id()));
  absl::StatusOr<User> out;
  LATCHKEY_RETURN_IF_ERROR(
      context.database.Run([&](storage::Repositories& repos) {
        out = ReadUser(repos, caller, user_id);
        return out.status();
      }));
  return out;
}

absl::StatusOr<SuccessResponse> DeleteUser(AppContext& context,
                                           CallContext& call,
                                           const DeleteUserRequest& request) {
  const Caller& caller = call.caller();
  LATCHKEY_ASSIGN_OR_RETURN(std::string user_id,
                            ResolveUserId(caller, request.user_id()));
  // Sessions, channels, credentials, memberships and grants go with the
  // row (ON DELETE CASCADE): every refresh token stops working at once.
  LATCHKEY_RETURN_IF_ERROR(
      context.database.RunInTransaction([&](storage::Repositories& repos) {
        return core::UserNotFoundOr(
            repos.users().Delete(caller.project_id, user_id));
      }));
  SuccessResponse out;
  out.set_success(true);
  return out;
}

absl::StatusOr<ListUsersResponse> ListUsers(AppContext& context,
                                            CallContext& call,
                                            const ListUsersRequest& request) {
  const Caller& caller = call.caller();
  const identity::v1::ProjectConfig& config = caller.project->config;
  if (request.has_order_by() && request.order_by() != "signed_up_at") {
    return SchemaError("query.order_by must be signed_up_at");
  }
  storage::UserListQuery query;
  query.limit = request.has_limit() ? request.limit() : 100;
  if (request.has_cursor() && !request.cursor().empty()) {
    query.cursor = request.cursor();
  }
  query.descending = request.desc();
  if (request.has_query() && !request.query().empty()) {
    query.search = request.query();
  }
  query.include_anonymous = request.include_anonymous();
  // Anonymous users are restricted: asking for them asks for restricted
  // users too, as in Stack.
  const bool include_restricted = request.include_anonymous() ||
                                  !request.has_include_restricted() ||
                                  request.include_restricted();
  query.include_restricted_by_admin = include_restricted;
  query.require_verified_primary_email =
      !include_restricted && config.require_email_verification();
  if (request.has_team_id() && !request.team_id().empty()) {
    query.team_id = request.team_id();
  }

  ListUsersResponse out;
  absl::Status status =
      context.database.Run([&](storage::Repositories& repos) -> absl::Status {
        absl::StatusOr<storage::UserPage> page =
            repos.users().List(caller.project_id, query);
        if (!page.ok()) {
          if (page.status().code() == absl::StatusCode::kInvalidArgument) {
            return SchemaError(
                "query.cursor is not a cursor this list handed out for this "
                "order");
          }
          return page.status();
        }
        for (const storage::UserView& view : page->users) {
          LATCHKEY_ASSIGN_OR_RETURN(*out.add_items(),
                                    UserToProto(repos, view, config));
        }
        if (page->next_cursor.has_value()) {
          out.mutable_pagination()->set_next_cursor(*page->next_cursor);
        }
        return absl::OkStatus();
      });
  LATCHKEY_RETURN_IF_ERROR(status);
  out.set_is_paginated(true);
  out.mutable_pagination();  // Present even on the last page.
  return out;
}

}  // namespace

absl::StatusOr<UpdateUserRequest> AsUpdateOfMe(
    const identity::v1::UpdateCurrentUserRequest& current) {
  using google::protobuf::FieldDescriptor;
  UpdateUserRequest request;
  request.set_user_id("me");
  const google::protobuf::Reflection* from = current.GetReflection();
  const google::protobuf::Reflection* to = request.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  from->ListFields(current, &fields);
  for (const FieldDescriptor* field : fields) {
    const FieldDescriptor* target =
        UpdateUserRequest::descriptor()->FindFieldByName(field->name());
    if (target == nullptr || target->type() != field->type() ||
        target->is_repeated() != field->is_repeated()) {
      return absl::InternalError(
          absl::StrCat("UpdateCurrentUserRequest.", field->name(),
                       " has no twin in UpdateUserRequest"));
    }
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        to->SetString(&request, target, from->GetString(current, field));
        break;
      case FieldDescriptor::CPPTYPE_BOOL:
        to->SetBool(&request, target, from->GetBool(current, field));
        break;
      case FieldDescriptor::CPPTYPE_MESSAGE:
        to->MutableMessage(&request, target)
            ->CopyFrom(from->GetMessage(current, field));
        break;
      default:
        return absl::InternalError(absl::StrCat(
            "UpdateCurrentUserRequest.", field->name(), " is not copied"));
    }
  }
  return request;
}

absl::Status RegisterUserService(MethodRegistry& registry,
                                 AppContext& context) {
  constexpr char kService[] = "identity.v1.UserService.";
  LATCHKEY_ASSIGN_OR_RETURN(
      crypto::SecretBox totp_box,
      core::TotpSecretBox(context.config.server_secret,
                          context.config.previous_server_secret));
  auto state = std::shared_ptr<UserServiceState>(
      new UserServiceState{std::move(totp_box)});
  AppContext* ctx = &context;
  LATCHKEY_RETURN_IF_ERROR((registry.Register<CreateUserRequest, User>(
      absl::StrCat(kService, "CreateUser"),
      [ctx](CallContext& call, const CreateUserRequest& request) {
        return CreateUser(*ctx, call, request);
      })));
  LATCHKEY_RETURN_IF_ERROR((registry.Register<GetUserRequest, User>(
      absl::StrCat(kService, "GetUser"),
      [ctx](CallContext& call, const GetUserRequest& request) {
        return GetUser(*ctx, call, request);
      })));
  LATCHKEY_RETURN_IF_ERROR((registry.Register<UpdateUserRequest, User>(
      absl::StrCat(kService, "UpdateUser"),
      [ctx, state](CallContext& call, const UpdateUserRequest& request) {
        return UpdateUser(*ctx, *state, call, request);
      })));
  // AuthService.UpdateCurrentUser is UpdateUser on "me": one set of rules.
  // Clients reach only the fields UpdateCurrentUserRequest has, and of
  // those not the server_only ones (refused before any handler runs).
  LATCHKEY_RETURN_IF_ERROR(
      (registry.Register<identity::v1::UpdateCurrentUserRequest, User>(
          "identity.v1.AuthService.UpdateCurrentUser",
          [ctx, state](CallContext& call,
                       const identity::v1::UpdateCurrentUserRequest& current)
              -> absl::StatusOr<User> {
            LATCHKEY_ASSIGN_OR_RETURN(UpdateUserRequest request,
                                      AsUpdateOfMe(current));
            return UpdateUser(*ctx, *state, call, request);
          })));
  LATCHKEY_RETURN_IF_ERROR(
      (registry.Register<DeleteUserRequest, SuccessResponse>(
          absl::StrCat(kService, "DeleteUser"),
          [ctx](CallContext& call, const DeleteUserRequest& request) {
            return DeleteUser(*ctx, call, request);
          })));
  LATCHKEY_RETURN_IF_ERROR(
      (registry.Register<ListUsersRequest, ListUsersResponse>(
          absl::StrCat(kService, "ListUsers"),
          [ctx](CallContext& call, const ListUsersRequest& request) {
            return ListUsers(*ctx, call, request);
          })));
  LATCHKEY_RETURN_IF_ERROR(
      (registry.Register<identity::v1::ImportUsersRequest,
                         identity::v1::ImportUsersResponse>(
          absl::StrCat(kService, "ImportUsers"),
          [ctx](CallContext& call,
                const identity::v1::ImportUsersRequest& request) {
            return ImportUsers(*ctx, call, request);
          })));
  return absl::OkStatus();
}

}  // namespace latchkey::service::api
