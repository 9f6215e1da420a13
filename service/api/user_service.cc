#include "service/api/user_service.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "google/protobuf/descriptor.h"
#include "identity/v1/auth.pb.h"
#include "identity/v1/user.pb.h"
#include "service/api/caller_rules.h"
#include "service/api/protos.h"
#include "service/api/touched_fields.h"
#include "service/api/user_import.h"
#include "service/core/profile_images.h"
#include "service/core/totp_secrets.h"
#include "service/core/user_admin.h"
#include "service/core/user_import.h"
#include "service/errors/api_error.h"
#include "service/json/json_writer.h"
#include "service/pipeline/service_binder.h"

namespace latchkey::service::api {
namespace {

using google::protobuf::FieldDescriptor;
using identity::v1::CreateUserRequest;
using identity::v1::DeleteUserRequest;
using identity::v1::GetProfileImageRequest;
using identity::v1::GetUserRequest;
using identity::v1::ImportUsersRequest;
using identity::v1::ImportUsersResponse;
using identity::v1::ListUsersRequest;
using identity::v1::ListUsersResponse;
using identity::v1::ProfileImage;
using identity::v1::SuccessResponse;
using identity::v1::UpdateCurrentUserRequest;
using identity::v1::UpdateUserRequest;
using identity::v1::User;

template <typename T>
std::optional<T> OptionalOf(bool has, const T& value) {
  return has ? std::optional<T>(value) : std::nullopt;
}

template <typename T>
core::Change<T> ChangeOf(bool touched, bool has, const T& value) {
  if (!touched) return std::nullopt;
  if (!has) return std::optional<T>();
  return std::optional<T>(value);
}

// AuthService.UpdateCurrentUser's request as UpdateUser's on "me": one set
// of rules. Clients reach only the fields UpdateCurrentUserRequest has, and
// of those not the server_only ones (refused before any handler runs).
absl::StatusOr<UpdateUserRequest> AsUpdateOfMe(
    const UpdateCurrentUserRequest& current) {
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

// The UserService RPCs (and AuthService.UpdateCurrentUser): each turns the
// request into core::UserAdmin's or core::UserImport's input and the result
// back.
class UserMethods {
 public:
  UserMethods(AppContext& context, crypto::SecretBox totp_box)
      : public_url_(context.config.public_url),
        users_(context.database, context.passwords, context.clock,
               std::move(totp_box)),
        import_(context.database, context.clock),
        images_(context.database) {}

  // Public: serves an image a user, team or member was given as a data URL.
  absl::StatusOr<ProfileImage> GetProfileImage(
      CallContext&, const GetProfileImageRequest& request) {
    LATCHKEY_ASSIGN_OR_RETURN(
        core::ServedImage image,
        images_.Get(request.project_id(), request.owner_type(),
                    request.owner_id(), request.digest()));
    ProfileImage out;
    out.set_content_type(image.media_type);
    out.set_body(std::move(image.bytes));
    return out;
  }

  absl::StatusOr<User> CreateUser(CallContext& call,
                                  const CreateUserRequest& request) {
    const Caller& caller = call.caller();
    const CreateUserRequest& r = request;
    core::CreateUserInput input;
    input.project_id = caller.project_id;
    input.config = &caller.project->config;
    input.display_name = OptionalOf(r.has_display_name(), r.display_name());
    input.profile_image_url =
        OptionalOf(r.has_profile_image_url(), r.profile_image_url());
    if (r.has_client_metadata()) {
      input.client_metadata_json = ValueToJsonText(r.client_metadata());
    }
    if (r.has_client_read_only_metadata()) {
      input.client_read_only_metadata_json =
          ValueToJsonText(r.client_read_only_metadata());
    }
    if (r.has_server_metadata()) {
      input.server_metadata_json = ValueToJsonText(r.server_metadata());
    }
    input.is_anonymous = r.is_anonymous();
    input.otp_auth_enabled = r.otp_auth_enabled();
    input.external_id = OptionalOf(r.has_external_id(), r.external_id());
    input.country_code = OptionalOf(r.has_country_code(), r.country_code());
    input.primary_email = OptionalOf(r.has_primary_email(), r.primary_email());
    input.primary_email_verified = r.primary_email_verified();
    input.primary_email_auth_enabled = OptionalOf(
        r.has_primary_email_auth_enabled(), r.primary_email_auth_enabled());
    input.password = OptionalOf(r.has_password(), r.password());
    input.password_hash = OptionalOf(r.has_password_hash(), r.password_hash());
    LATCHKEY_ASSIGN_OR_RETURN(core::UserDetails user, users_.Create(input));
    return UserToProto(user, caller.project->config, ImagesFor(caller));
  }

  absl::StatusOr<User> GetUser(CallContext& call,
                               const GetUserRequest& request) {
    const Caller& caller = call.caller();
    LATCHKEY_ASSIGN_OR_RETURN(std::string user_id,
                              ResolveUserId(caller, request.user_id()));
    LATCHKEY_ASSIGN_OR_RETURN(core::UserDetails user,
                              users_.Get(caller.project_id, user_id));
    return UserToProto(user, caller.project->config, ImagesFor(caller));
  }

  absl::StatusOr<User> UpdateUser(CallContext& call,
                                  const UpdateUserRequest& request) {
    const Caller& caller = call.caller();
    core::UpdateUserInput input;
    input.project_id = caller.project_id;
    input.config = &caller.project->config;
    LATCHKEY_ASSIGN_OR_RETURN(input.user_id,
                              ResolveUserId(caller, request.user_id()));
    const Touched touched(request, request.update_mask());
    LATCHKEY_RETURN_IF_ERROR(touched.Check({"user_id"}));

    const UpdateUserRequest& r = request;
    core::UserChanges& changes = input.changes;
    changes.display_name = ChangeOf(touched("display_name"),
                                    r.has_display_name(), r.display_name());
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
    input.primary_email = ChangeOf(touched("primary_email"),
                                   r.has_primary_email(), r.primary_email());
    // A null boolean is false.
    if (touched("primary_email_verified")) {
      changes.primary_email_verified = r.primary_email_verified();
    }
    if (touched("primary_email_auth_enabled")) {
      changes.primary_email_auth_enabled = r.primary_email_auth_enabled();
    }
    if (touched("otp_auth_enabled")) {
      changes.otp_auth_enabled = r.otp_auth_enabled();
    }
    if (touched("passkey_auth_enabled")) {
      changes.passkey_auth_enabled = r.passkey_auth_enabled();
    }
    if (touched("restricted_by_admin")) {
      changes.restricted_by_admin = r.restricted_by_admin();
    }
    changes.restricted_by_admin_reason = ChangeOf(
        touched("restricted_by_admin_reason"),
        r.has_restricted_by_admin_reason(), r.restricted_by_admin_reason());
    changes.restricted_by_admin_private_details =
        ChangeOf(touched("restricted_by_admin_private_details"),
                 r.has_restricted_by_admin_private_details(),
                 r.restricted_by_admin_private_details());
    changes.selected_team_id =
        ChangeOf(touched("selected_team_id"), r.has_selected_team_id(),
                 r.selected_team_id());
    changes.country_code = ChangeOf(touched("country_code"),
                                    r.has_country_code(), r.country_code());
    if (touched("is_anonymous") && r.has_is_anonymous()) {
      changes.is_anonymous = r.is_anonymous();
    }
    input.totp_secret_base64 =
        ChangeOf(touched("totp_secret_base64"), r.has_totp_secret_base64(),
                 r.totp_secret_base64());
    const bool password_touched = touched("password");
    const bool hash_touched = touched("password_hash");
    if (password_touched || hash_touched) {
      // Null for either removes the password.
      input.password = core::PasswordChange{
          OptionalOf(password_touched && r.has_password(), r.password()),
          OptionalOf(hash_touched && r.has_password_hash(), r.password_hash())};
    }
    LATCHKEY_ASSIGN_OR_RETURN(core::UserDetails user, users_.Update(input));
    return UserToProto(user, caller.project->config, ImagesFor(caller));
  }

  absl::StatusOr<User> UpdateCurrentUser(
      CallContext& call, const UpdateCurrentUserRequest& current) {
    LATCHKEY_ASSIGN_OR_RETURN(UpdateUserRequest request, AsUpdateOfMe(current));
    return UpdateUser(call, request);
  }

  absl::StatusOr<SuccessResponse> DeleteUser(CallContext& call,
                                             const DeleteUserRequest& request) {
    const Caller& caller = call.caller();
    LATCHKEY_ASSIGN_OR_RETURN(std::string user_id,
                              ResolveUserId(caller, request.user_id()));
    LATCHKEY_RETURN_IF_ERROR(users_.Delete(caller.project_id, user_id));
    SuccessResponse out;
    out.set_success(true);
    return out;
  }

  absl::StatusOr<ListUsersResponse> ListUsers(CallContext& call,
                                              const ListUsersRequest& request) {
    const Caller& caller = call.caller();
    const ListUsersRequest& r = request;
    core::UserListInput input;
    input.project_id = caller.project_id;
    input.config = &caller.project->config;
    input.order_by = OptionalOf(r.has_order_by(), r.order_by());
    if (r.has_limit()) input.limit = r.limit();
    input.cursor = OptionalOf(r.has_cursor(), r.cursor());
    input.descending = r.desc();
    input.search = OptionalOf(r.has_query(), r.query());
    input.include_anonymous = r.include_anonymous();
    input.include_restricted =
        OptionalOf(r.has_include_restricted(), r.include_restricted());
    input.team_id = OptionalOf(r.has_team_id(), r.team_id());
    LATCHKEY_ASSIGN_OR_RETURN(core::UserList list, users_.List(input));
    ListUsersResponse out;
    for (const core::UserDetails& user : list.users) {
      LATCHKEY_ASSIGN_OR_RETURN(
          *out.add_items(),
          UserToProto(user, caller.project->config, ImagesFor(caller)));
    }
    if (list.next_cursor.has_value()) {
      out.mutable_pagination()->set_next_cursor(*list.next_cursor);
    }
    out.set_is_paginated(true);
    out.mutable_pagination();  // Present even on the last page.
    return out;
  }

  absl::StatusOr<ImportUsersResponse> ImportUsers(
      CallContext& call, const ImportUsersRequest& request) {
    LATCHKEY_ASSIGN_OR_RETURN(
        core::ImportResult result,
        import_.Run(call.caller().project_id, ImportRowsOf(request)));
    return ImportResponseOf(result);
  }

 private:
  ImageLinks ImagesFor(const Caller& caller) const {
    return ImageLinksFor(public_url_, caller.project_id);
  }

  const std::string public_url_;
  const core::UserAdmin users_;
  const core::UserImport import_;
  const core::ProfileImages images_;
};

}  // namespace

absl::Status RegisterUserService(MethodRegistry& registry,
                                 AppContext& context) {
  LATCHKEY_ASSIGN_OR_RETURN(
      crypto::SecretBox totp_box,
      core::TotpSecretBox(context.config.server_secret,
                          context.config.previous_server_secret));
  auto methods = std::make_shared<UserMethods>(context, std::move(totp_box));
  ServiceBinder<UserMethods> bind(registry, "identity.v1.UserService", methods);
  bind("CreateUser", &UserMethods::CreateUser);
  bind("GetUser", &UserMethods::GetUser);
  bind("UpdateUser", &UserMethods::UpdateUser);
  bind("DeleteUser", &UserMethods::DeleteUser);
  bind("ListUsers", &UserMethods::ListUsers);
  bind("ImportUsers", &UserMethods::ImportUsers);
  bind("GetProfileImage", &UserMethods::GetProfileImage);
  LATCHKEY_RETURN_IF_ERROR(bind.status());
  ServiceBinder<UserMethods> auth(registry, "identity.v1.AuthService", methods);
  auth("UpdateCurrentUser", &UserMethods::UpdateCurrentUser);
  return auth.status();
}

}  // namespace latchkey::service::api
