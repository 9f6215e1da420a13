#ifndef SERVICE_GRPC_GRPC_STATUS_H_
#define SERVICE_GRPC_GRPC_STATUS_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace latchkey::service {

// The gRPC status a client receives for `status`: its public form
// (ToPublicError), with the catalogue code as google.rpc.ErrorInfo inside
// google.rpc.Status in the grpc-status-details-bin trailer, the rich error
// model gRPC clients decode.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace latchkey::service

#endif  // SERVICE_GRPC_GRPC_STATUS_H_
