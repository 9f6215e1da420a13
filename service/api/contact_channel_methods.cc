#include "service/api/contact_channel_methods.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/status_macros.h"
#include "identity/v1/user.pb.h"
#include "service/api/auth_common.h"
#include "service/api/caller_rules.h"
#include "service/core/contact_channels.h"
#include "service/mail/email_templates.h"
#include "service/pipeline/service_binder.h"

namespace latchkey::service::api {
namespace {

using identity::v1::ContactChannel;
using identity::v1::CreateContactChannelRequest;
using identity::v1::DeleteContactChannelRequest;
using identity::v1::GetContactChannelRequest;
using identity::v1::ListContactChannelsRequest;
using identity::v1::ListContactChannelsResponse;
using identity::v1::SendContactChannelVerificationCodeRequest;
using identity::v1::SuccessResponse;
using identity::v1::UpdateContactChannelRequest;

ContactChannel ToProto(const storage::ContactChannelRecord& record) {
  ContactChannel channel;
  channel.set_user_id(record.user_id);
  channel.set_id(record.id);
  channel.set_type(record.type);
  channel.set_value(record.value);
  channel.set_is_primary(record.is_primary);
  channel.set_is_verified(record.is_verified);
  channel.set_used_for_auth(record.used_for_auth);
  return channel;
}

core::ChannelActor ActorOf(const Caller& caller) {
  core::ChannelActor actor;
  actor.client = IsClient(caller);
  if (caller.user.has_value()) actor.user_id = caller.user->sub();
  return actor;
}

template <typename T>
std::optional<T> OptionalOf(bool has, const T& value) {
  return has ? std::optional<T>(value) : std::nullopt;
}

class ContactChannelMethods {
 public:
  explicit ContactChannelMethods(AppContext& context)
      : context_(context), channels_(SignInServicesOf(context)) {}

  absl::StatusOr<ListContactChannelsResponse> ListContactChannels(
      CallContext& call, const ListContactChannelsRequest& request) {
    const Caller& caller = call.caller();
    LATCHKEY_ASSIGN_OR_RETURN(
        std::vector<storage::ContactChannelRecord> channels,
        channels_.List(*caller.project, ActorOf(caller),
                       OptionalOf(request.has_user_id(), request.user_id()),
                       OptionalOf(request.has_contact_channel_id(),
                                  request.contact_channel_id())));
    ListContactChannelsResponse response;
    for (const storage::ContactChannelRecord& channel : channels) {
      *response.add_items() = ToProto(channel);
    }
    response.set_is_paginated(false);
    return response;
  }

  absl::StatusOr<ContactChannel> CreateContactChannel(
      CallContext& call, const CreateContactChannelRequest& request) {
    const Caller& caller = call.caller();
    core::ContactChannels::CreateInput input;
    input.user_id = request.user_id();
    input.value = request.value();
    input.type = request.type();
    input.used_for_auth =
        OptionalOf(request.has_used_for_auth(), request.used_for_auth());
    input.is_primary = request.is_primary();
    input.is_verified = request.is_verified();
    LATCHKEY_ASSIGN_OR_RETURN(
        storage::ContactChannelRecord channel,
        channels_.Create(*caller.project, ActorOf(caller), input));
    return ToProto(channel);
  }

  absl::StatusOr<ContactChannel> GetContactChannel(
      CallContext& call, const GetContactChannelRequest& request) {
    const Caller& caller = call.caller();
    LATCHKEY_ASSIGN_OR_RETURN(
        storage::ContactChannelRecord channel,
        channels_.Get(*caller.project, ActorOf(caller), request.user_id(),
                      request.contact_channel_id()));
    return ToProto(channel);
  }

  absl::StatusOr<ContactChannel> UpdateContactChannel(
      CallContext& call, const UpdateContactChannelRequest& request) {
    const Caller& caller = call.caller();
    core::ContactChannels::Changes changes;
    changes.value = OptionalOf(request.has_value(), request.value());
    changes.type = OptionalOf(request.has_type(), request.type());
    changes.used_for_auth =
        OptionalOf(request.has_used_for_auth(), request.used_for_auth());
    changes.is_primary =
        OptionalOf(request.has_is_primary(), request.is_primary());
    changes.is_verified =
        OptionalOf(request.has_is_verified(), request.is_verified());
    LATCHKEY_ASSIGN_OR_RETURN(
        storage::ContactChannelRecord channel,
        channels_.Update(*caller.project, ActorOf(caller), request.user_id(),
                         request.contact_channel_id(), changes));
    return ToProto(channel);
  }

  absl::StatusOr<SuccessResponse> DeleteContactChannel(
      CallContext& call, const DeleteContactChannelRequest& request) {
    const Caller& caller = call.caller();
    LATCHKEY_RETURN_IF_ERROR(channels_.Delete(*caller.project, ActorOf(caller),
                                              request.user_id(),
                                              request.contact_channel_id()));
    return Success();
  }

  absl::StatusOr<SuccessResponse> SendContactChannelVerificationCode(
      CallContext& call,
      const SendContactChannelVerificationCodeRequest& request) {
    const Caller& caller = call.caller();
    LATCHKEY_ASSIGN_OR_RETURN(
        core::CodeMail code,
        channels_.SendVerificationCode(
            *caller.project, ActorOf(caller), request.user_id(),
            request.contact_channel_id(), request.callback_url()));
    SendCodeMail(context_, *caller.project, mail::kEmailVerification,
                 request.callback_url(), code, /*show_otp=*/false);
    return Success();
  }

 private:
  AppContext& context_;
  const core::ContactChannels channels_;
};

}  // namespace

absl::Status RegisterContactChannelMethods(MethodRegistry& registry,
                                           AppContext& context) {
  using Methods = ContactChannelMethods;
  ServiceBinder<Methods> bind(registry, "identity.v1.UserService",
                              std::make_shared<Methods>(context));
  bind("ListContactChannels", &Methods::ListContactChannels);
  bind("CreateContactChannel", &Methods::CreateContactChannel);
  bind("GetContactChannel", &Methods::GetContactChannel);
  bind("UpdateContactChannel", &Methods::UpdateContactChannel);
  bind("DeleteContactChannel", &Methods::DeleteContactChannel);
  bind("SendContactChannelVerificationCode",
       &Methods::SendContactChannelVerificationCode);
  return bind.status();
}

}  // namespace latchkey::service::api
