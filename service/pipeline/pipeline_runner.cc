#include "service/pipeline/pipeline_runner.h"

#include <exception>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/arena.h"
#include "service/errors/api_error.h"
#include "service/runtime/json_log.h"

namespace latchkey::service {
namespace {

const char* TransportName(Transport transport) {
  return transport == Transport::kRest ? "rest" : "grpc";
}

// The one line every call leaves, whatever happened to it.
void LogCall(const std::string& grpc_path, const CallContext& context,
             Transport transport, absl::Time start, const absl::Status& status,
             const absl::Status& public_status) {
  nlohmann::json fields = {
      {"method", grpc_path},
      {"code", static_cast<int>(public_status.code())},
      {"latency_ms", absl::ToDoubleMilliseconds(absl::Now() - start)},
      {"request_id", context.request_id()},
      {"transport", TransportName(transport)},
  };
  if (std::optional<ApiErrorView> error = ReadApiError(public_status);
      error.has_value()) {
    fields["error_code"] = ErrorCodeName(error->code);
  }
  if (!context.caller().project_id.empty()) {
    fields["project_id"] = context.caller().project_id;
  }
  if (!status.ok() && !ReadApiError(status).has_value()) {
    // An internal failure: its text stays in the log, never in the answer.
    fields["internal_error"] = std::string(status.message());
    LogJson(LogLevel::kError, "request", std::move(fields));
  } else {
    LogJson(LogLevel::kInfo, "request", std::move(fields));
  }
}

}  // namespace

void PipelineRunner::Submit(const google::protobuf::MethodDescriptor& method,
                            CallEnvelope envelope,
                            std::unique_ptr<PendingCall> call) {
  const MethodBinding* binding = registry_.Find(method);
  if (binding == nullptr) {
    // Not one of the contract's methods: nothing to authenticate against.
    call->Finish(
        ApiError(identity::v1::NOT_IMPLEMENTED),
        *google::protobuf::MessageFactory::generated_factory()->GetPrototype(
            method.output_type()));
    return;
  }
  // std::function must be copyable; the call is owned by whichever copy
  // runs (the pool runs each task once, or drops it unrun on refusal).
  auto shared =
      std::make_shared<std::pair<CallEnvelope, std::unique_ptr<PendingCall>>>(
          std::move(envelope), std::move(call));
  const bool queued = workers_.TrySubmit([this, binding, shared] {
    Run(*binding, shared->first, *shared->second);
  });
  if (!queued) {
    shared->second->Finish(ApiError(identity::v1::SERVICE_UNAVAILABLE, {},
                                    "The server is overloaded; try again."),
                           *binding->response_prototype);
  }
}

void PipelineRunner::Run(const MethodBinding& method, CallEnvelope& envelope,
                         PendingCall& call) const {
  const absl::Time start = absl::Now();
  CallContext context(std::move(envelope.request_id),
                      std::move(envelope.metadata),
                      std::move(envelope.client_ip), envelope.deadline);
  context.set_cookie_header(std::move(envelope.cookie_header));
  google::protobuf::Arena arena;
  google::protobuf::Message* request = method.request_prototype->New(&arena);
  google::protobuf::Message* response = method.response_prototype->New(&arena);
  absl::Status status;
  // Handlers report failures as statuses; an exception escaping one (from
  // a library fed odd input) would otherwise end the process on this
  // worker thread. It becomes an internal error: logged, never shown.
  try {
    status = call.ReadRequest(*request);
    if (status.ok()) {
      status = dispatcher_.Dispatch(method, context, *request, *response);
    }
  } catch (const std::exception& error) {
    status = absl::InternalError(
        absl::StrCat("uncaught exception in the handler: ", error.what()));
  } catch (...) {
    status = absl::InternalError("uncaught non-standard exception");
  }
  const absl::Status public_status = ToPublicError(status);
  LogCall(method.grpc_path, context, envelope.transport, start, status,
          public_status);
  call.SetHttpDirectives(context.http());
  call.Finish(public_status, *response);
}

}  // namespace latchkey::service
