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
// envelope, runs on the worker pool through the Dispatcher, and leaves one
// JSON log line (method, code, error code, latency, request id, transport,
// project; an internal failure's text, which never reaches the client).
// With `metrics`, each call is also counted there (see docs/mesh.md):
// latchkey_calls_total{service,method,transport,code},
// latchkey_call_duration_seconds{service,method,transport} and
// latchkey_call_errors_total{error_code}. Every label value comes from the
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
  void Run(const MethodBinding& method, CallEnvelope& envelope,
           PendingCall& call) const;

  // Counts a finished call when metrics are on.
  void Record(const MethodBinding& method, Transport transport,
              const absl::Status& public_status, absl::Duration latency) const;

  const MethodRegistry& registry_;
  const Dispatcher& dispatcher_;
  WorkerPool& workers_;
  metrics::Registry::Family<metrics::Counter>* calls_ = nullptr;
  metrics::Registry::Family<metrics::Histogram>* durations_ = nullptr;
  metrics::Registry::Family<metrics::Counter>* errors_ = nullptr;
};

}  // namespace latchkey::service

#endif  // SERVICE_PIPELINE_PIPELINE_RUNNER_H_
