#ifndef SERVICE_PIPELINE_PIPELINE_RUNNER_H_
#define SERVICE_PIPELINE_PIPELINE_RUNNER_H_

#include <memory>

#include "service/pipeline/call_runner.h"
#include "service/pipeline/dispatcher.h"
#include "service/pipeline/method_registry.h"
#include "service/runtime/worker_pool.h"

namespace latchkey::service {

// The CallRunner of latchkeyd: each call gets a CallContext from its
// envelope, runs on the worker pool through the Dispatcher, and leaves one
// JSON log line (method, code, error code, latency, request id, transport,
// project; an internal failure's text, which never reaches the client).
// `registry`, `dispatcher` and `workers` must outlive it. Thread-safe.
class PipelineRunner : public CallRunner {
 public:
  PipelineRunner(const MethodRegistry& registry, const Dispatcher& dispatcher,
                 WorkerPool& workers)
      : registry_(registry), dispatcher_(dispatcher), workers_(workers) {}

  void Submit(const google::protobuf::MethodDescriptor& method,
              CallEnvelope envelope,
              std::unique_ptr<PendingCall> call) override;

 private:
  void Run(const MethodBinding& method, CallEnvelope& envelope,
           PendingCall& call) const;

  const MethodRegistry& registry_;
  const Dispatcher& dispatcher_;
  WorkerPool& workers_;
};

}  // namespace latchkey::service

#endif  // SERVICE_PIPELINE_PIPELINE_RUNNER_H_
