#ifndef SERVICE_PIPELINE_PIPELINE_RUNNER_H_
#define SERVICE_PIPELINE_PIPELINE_RUNNER_H_

#include <memory>

#include "service/pipeline/call_runner.h"
#include "service/pipeline/dispatcher.h"
#include "service/pipeline/method_registry.h"
#include "service/runtime/metrics.h"
#include "service/runtime/worker_pool.h"

namespace latchkey::service {

// The CallRunner of latchkeyd: each call gets a CallContext from its
// envelope, runs on the worker pool through the Dispatcher (methods bound
// Execution::kInlineFirst are first tried on the caller's thread, see
// method_registry.h), and leaves one
// JSON log line (method, code, error code, latency, request id, transport,
// project; an internal failure's text, which never reaches the client).
// With `metrics`, each call is also counted there (see docs/mesh.md):
// latchkey_calls_total{service,method,transport,code},
// latchkey_call_duration_seconds{service,method,transport} and
// latchkey_call_errors_total{error_code}, and
// latchkey_inline_calls_total{outcome} (answered on the transport's thread,
// or handed to a worker after the attempt asked to wait). Every label
// value comes from the
// method registry or a fixed enum, never from the request.
// `registry`, `dispatcher`, `workers` and `metrics` must outlive it.
// Thread-safe.
class PipelineRunner : public CallRunner {
 public:
  PipelineRunner(const MethodRegistry& registry, const Dispatcher& dispatcher,
                 WorkerPool& workers, metrics::Registry* metrics = nullptr);

  void Submit(const google::protobuf::MethodDescriptor& method,
              CallEnvelope envelope,
              std::unique_ptr<PendingCall> call) override;

 private:
  // Runs the call and finishes it. With `inline_attempt`, runs it inside a
  // common::NonBlockingScope instead and returns false, having finished
  // and logged nothing, when it asked to wait; the caller then runs it
  // again on a worker. True when the call was finished.
  bool Run(const MethodBinding& method, CallEnvelope envelope,
           PendingCall& call, bool inline_attempt) const;

  // Counts a finished call when metrics are on.
  void Record(const MethodBinding& method, Transport transport,
              const absl::Status& public_status, absl::Duration latency) const;

  const MethodRegistry& registry_;
  const Dispatcher& dispatcher_;
  WorkerPool& workers_;
  metrics::Registry::Family<metrics::Counter>* calls_ = nullptr;
  metrics::Registry::Family<metrics::Histogram>* durations_ = nullptr;
  metrics::Registry::Family<metrics::Counter>* errors_ = nullptr;
  metrics::Counter* inline_answered_ = nullptr;
  metrics::Counter* inline_requeued_ = nullptr;
};

}  // namespace latchkey::service

#endif  // SERVICE_PIPELINE_PIPELINE_RUNNER_H_
