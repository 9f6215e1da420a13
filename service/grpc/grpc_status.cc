#include "service/grpc/grpc_status.h"

#include <string>

#include "absl/strings/cord.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "service/errors/api_error.h"

namespace latchkey::service {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  absl::Status public_status = ToPublicError(status);
  google::rpc::Status rich;
  rich.set_code(static_cast<int>(public_status.code()));
  rich.set_message(std::string(public_status.message()));
  if (absl::optional<absl::Cord> info =
          public_status.GetPayload(kErrorInfoTypeUrl);
      info.has_value()) {
    google::protobuf::Any* any = rich.add_details();
    any->set_type_url(std::string(kErrorInfoTypeUrl));
    any->set_value(std::string(*info));
  }
  return grpc::Status(static_cast<grpc::StatusCode>(public_status.code()),
                      std::string(public_status.message()),
                      rich.SerializeAsString());
}

}  // namespace latchkey::service
