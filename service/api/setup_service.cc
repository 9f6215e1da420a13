#include "service/api/setup_service.h"

#include <memory>
#include <utility>

#include "common/status_macros.h"
#include "identity/v1/auth.pb.h"
#include "service/api/auth_common.h"
#include "service/core/admin_setup.h"
#include "service/pipeline/service_binder.h"

namespace latchkey::service::api {
namespace {

using identity::v1::RecoverAdminPasswordRequest;
using identity::v1::SetupFirstAdminRequest;
using identity::v1::SignInResponse;
using identity::v1::SuccessResponse;

class SetupMethods {
 public:
  explicit SetupMethods(AppContext& context)
      : setup_(SignInServicesOf(context), context.projects,
               context.config.admin_recovery_key) {}

  absl::StatusOr<SignInResponse> SetupFirstAdmin(
      CallContext&, const SetupFirstAdminRequest& request) {
    LATCHKEY_ASSIGN_OR_RETURN(
        core::SignedIn signed_in,
        setup_.Setup(
            {request.display_name(), request.email(), request.password()}));
    return ToSignInResponse(std::move(signed_in));
  }

  absl::StatusOr<SuccessResponse> RecoverAdminPassword(
      CallContext& call, const RecoverAdminPasswordRequest& request) {
    LATCHKEY_RETURN_IF_ERROR(
        setup_.Recover({request.recovery_key(), request.email(),
                        request.new_password(), call.client_ip()}));
    return Success();
  }

 private:
  const core::AdminSetup setup_;
};

}  // namespace

absl::Status RegisterSetupService(MethodRegistry& registry,
                                  AppContext& context) {
  using Methods = SetupMethods;
  ServiceBinder<Methods> bind(registry, "identity.v1.AuthService",
                              std::make_shared<Methods>(context));
  bind("SetupFirstAdmin", &Methods::SetupFirstAdmin);
  bind("RecoverAdminPassword", &Methods::RecoverAdminPassword);
  return bind.status();
}

}  // namespace latchkey::service::api
