#include "service/pipeline/pipeline_runner.h"

#include <exception>
#include <memory>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/blocking_scope.h"
#include "google/protobuf/arena.h"
#include "service/errors/api_error.h"
#include "service/runtime/json_log.h"

namespace latchkey::service {
namespace {

const char* TransportName(Transport transport) {
  return transport == Transport::kRest ? "rest" : "grpc";
}

// The one line every call leaves, whatever happened to it. Its fields go
// in key order (as a JSON map of them would print) straight to text: a
// JSON tree per call cost more than the token check it logs.
void LogCall(const std::string& grpc_path, const CallContext& context,
             Transport transport, absl::Time start, const absl::Status& status,
             const absl::Status& public_status) {
  const bool internal_failure =
      !status.ok() && !ReadApiError(status).has_value();
  LogFields fields;
  fields.Add("code", static_cast<int64_t>(public_status.code()));
  if (std::optional<ApiErrorView> error = ReadApiError(public_status);
      error.has_value()) {
    fields.Add("error_code", ErrorCodeName(error->code));
  }
  if (internal_failure) {
    // An internal failure: its text stays in the log, never in the answer.
    fields.Add("internal_error", status.message());
  }
  fields.AddMillis("latency_ms", absl::Now() - start);
  fields.Add("method", grpc_path);
  if (!context.caller().project_id.empty()) {
    fields.Add("project_id", context.caller().project_id);
  }
  fields.Add("request_id", context.request_id());
  fields.Add("transport", TransportName(transport));
  LogJsonFields(internal_failure ? LogLevel::kError : LogLevel::kInfo,
                "request", fields);
}

// gRPC's code names as Prometheus exporters spell them ("OK",
// "PermissionDenied").
absl::string_view CodeLabel(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return "OK";
    case absl::StatusCode::kCancelled:
      return "Canceled";
    case absl::StatusCode::kUnknown:
      return "Unknown";
    case absl::StatusCode::kInvalidArgument:
      return "InvalidArgument";
    case absl::StatusCode::kDeadlineExceeded:
      return "DeadlineExceeded";
    case absl::StatusCode::kNotFound:
      return "NotFound";
    case absl::StatusCode::kAlreadyExists:
      return "AlreadyExists";
    case absl::StatusCode::kPermissionDenied:
      return "PermissionDenied";
    case absl::StatusCode::kResourceExhausted:
      return "ResourceExhausted";
    case absl::StatusCode::kFailedPrecondition:
      return "FailedPrecondition";
    case absl::StatusCode::kAborted:
      return "Aborted";
    case absl::StatusCode::kOutOfRange:
      return "OutOfRange";
    case absl::StatusCode::kUnimplemented:
      return "Unimplemented";
    case absl::StatusCode::kInternal:
      return "Internal";
    case absl::StatusCode::kUnavailable:
      return "Unavailable";
    case absl::StatusCode::kDataLoss:
      return "DataLoss";
    case absl::StatusCode::kUnauthenticated:
      return "Unauthenticated";
    default:
      return "Unknown";
  }
}

}  // namespace

PipelineRunner::PipelineRunner(const MethodRegistry& registry,
                               const Dispatcher& dispatcher,
                               WorkerPool& workers, metrics::Registry* metrics)
    : registry_(registry), dispatcher_(dispatcher), workers_(workers) {
  if (metrics == nullptr) return;
  calls_ = metrics->AddCounter(
      "latchkey_calls_total",
      "Calls finished, by RPC, transport (grpc or rest) and gRPC code.",
      {"service", "method", "transport", "code"});
  durations_ = metrics->AddHistogram(
      "latchkey_call_duration_seconds",
      "Time from a worker picking a call up to its answer, seconds.",
      {"service", "method", "transport"}, metrics::DefaultLatencyBuckets());
  errors_ = metrics->AddCounter(
      "latchkey_call_errors_total",
      "Calls answered with an error of the API catalogue, by its code.",
      {"error_code"});
  metrics::Registry::Family<metrics::Counter>* inline_calls =
      metrics->AddCounter(
          "latchkey_inline_calls_total",
          "Calls of in-memory methods tried on the transport's thread, by "
          "outcome: answered there, or requeued to a worker because the "
          "attempt needed to wait (a cache miss).",
          {"outcome"});
  inline_answered_ = inline_calls->WithLabels({"answered"});
  inline_requeued_ = inline_calls->WithLabels({"requeued"});
}

void PipelineRunner::Record(const MethodBinding& method, Transport transport,
                            const absl::Status& public_status,
                            absl::Duration latency) const {
  if (calls_ == nullptr) return;
  const absl::string_view service = method.descriptor->service()->full_name();
  const absl::string_view name = method.descriptor->name();
  const absl::string_view via = TransportName(transport);
  calls_->WithLabels({service, name, via, CodeLabel(public_status.code())})
      ->Increment();
  if (latency >= absl::ZeroDuration()) {
    durations_->WithLabels({service, name, via})
        ->Observe(absl::ToDoubleSeconds(latency));
  }
  if (std::optional<ApiErrorView> error = ReadApiError(public_status);
      error.has_value()) {
    errors_->WithLabels({ErrorCodeName(error->code)})->Increment();
  }
}

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
  if (binding->execution == Execution::kInlineFirst) {
    // The envelope is copied: the worker needs it again when the attempt
    // has to wait.
    if (Run(*binding, envelope, *call, /*inline_attempt=*/true)) {
      if (inline_answered_ != nullptr) inline_answered_->Increment();
      return;
    }
    if (inline_requeued_ != nullptr) inline_requeued_->Increment();
  }
  // std::function must be copyable; the call is owned by whichever copy
  // runs (the pool runs each task once, or drops it unrun on refusal).
  auto shared =
      std::make_shared<std::pair<CallEnvelope, std::unique_ptr<PendingCall>>>(
          std::move(envelope), std::move(call));
  const bool queued = workers_.TrySubmit([this, binding, shared] {
    Run(*binding, std::move(shared->first), *shared->second,
        /*inline_attempt=*/false);
  });
  if (!queued) {
    const absl::Status refused =
        ApiError(identity::v1::SERVICE_UNAVAILABLE, {},
                 "The server is overloaded; try again.");
    Record(*binding, shared->first.transport, refused,
           -absl::InfiniteDuration());
    shared->second->Finish(refused, *binding->response_prototype);
  }
}

bool PipelineRunner::Run(const MethodBinding& method, CallEnvelope envelope,
                         PendingCall& call, bool inline_attempt) const {
  const absl::Time start = absl::Now();
  CallContext context(std::move(envelope.request_id),
                      std::move(envelope.metadata),
                      std::move(envelope.client_ip), envelope.deadline);
  context.set_cookie_header(std::move(envelope.cookie_header));
  google::protobuf::Arena arena;
  google::protobuf::Message* request = method.request_prototype->New(&arena);
  // On the heap, like the handler's own result, so that handing the result
  // over (a move assignment) swaps instead of copying: protobuf copies
  // between an arena message and a heap one.
  std::unique_ptr<google::protobuf::Message> response(
      method.response_prototype->New());
  absl::Status status;
  std::optional<common::NonBlockingScope> no_waiting;
  if (inline_attempt) no_waiting.emplace();
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
  // Whatever the attempt answered after a refused wait may be a symptom
  // of the refusal (a database error taken for a missing row): dropped.
  if (no_waiting.has_value() && no_waiting->refused()) return false;
  no_waiting.reset();
  const absl::Status public_status = ToPublicError(status);
  LogCall(method.grpc_path, context, envelope.transport, start, status,
          public_status);
  Record(method, envelope.transport, public_status, absl::Now() - start);
  call.SetHttpDirectives(context.http());
  call.Finish(public_status, *response);
  return true;
}

}  // namespace latchkey::service
