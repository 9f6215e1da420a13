#ifndef SERVICE_PIPELINE_CALL_RUNNER_H_
#define SERVICE_PIPELINE_CALL_RUNNER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "service/pipeline/request_metadata.h"

namespace latchkey::service {

// Which door a call came in by (for the log line).
enum class Transport { kGrpc, kRest };

// What a transport knows about a call before the pipeline runs: enough to
// build its CallContext. The transport decides the client address (the
// socket peer, or what a trusted proxy forwarded): nothing in the metadata
// can change it.
struct CallEnvelope {
  // Non-empty; the transport has already told the client (a header).
  std::string request_id;
  RequestMetadata metadata;
  std::string client_ip;
  absl::Time deadline = absl::InfiniteFuture();
  Transport transport = Transport::kGrpc;
  // REST only: the request's Cookie header as sent (empty for gRPC). Kept
  // out of RequestMetadata, which is forwarded as gRPC metadata and holds
  // credentials only; methods that use a browser cookie (the OAuth
  // callback's state cookie) read it from CallContext::cookie_header().
  std::string cookie_header;
};

// What a method may ask of its HTTP answer beyond the response message.
// The REST gateway applies it; gRPC has no such thing and ignores it.
struct HttpDirectives {
  // Replaces the method's declared http_status on success (0: keep it). A
  // 3xx answer takes its Location from the response's `location` field.
  int status = 0;
  // Whole Set-Cookie values, sent with the answer whatever its outcome (an
  // error too: a cookie read once must be cleared even when the call fails).
  std::vector<std::string> set_cookies;
  // Answer a 3xx with the JSON body `{}` rather than no body.
  bool json_body_on_redirect = false;
};

// One call's transport side, driven by the runner: first ReadRequest, then
// (whatever happened) Finish exactly once. ReadRequest may run twice (an
// attempt on the transport's own thread that had to wait is run again on
// a worker), so it must leave the call as it found it.
class PendingCall {
 public:
  virtual ~PendingCall() = default;

  // Fills `request` (an empty message of the method's input type) from the
  // transport's bytes. A non-OK status is answered as is, with no dispatch:
  // it must be a catalogue error (api_error.h).
  virtual absl::Status ReadRequest(google::protobuf::Message& request) = 0;

  // The outcome. `status` is already public (ToPublicError): internal text
  // has gone to the log, never to here. `response` is meaningful only when
  // `status` is OK; it lives until Finish returns.
  virtual void Finish(const absl::Status& status,
                      const google::protobuf::Message& response) = 0;

  // The method's HTTP directives, given just before Finish (not at all
  // when the call never reached a method). Transports without HTTP ignore
  // them.
  virtual void SetHttpDirectives(const HttpDirectives& /*directives*/) {}
};

// Runs calls through the one request pipeline (authenticate, validate,
// dispatch, log one line), whatever the transport. Adapters (gRPC, the REST
// gateway) depend on this interface only, not on the server behind it.
// Thread-safe.
class CallRunner {
 public:
  virtual ~CallRunner() = default;

  // Queues the call and returns at once. If the server is overloaded or
  // shutting down, `call` is finished with SERVICE_UNAVAILABLE before this
  // returns, on the caller's thread; otherwise it is finished on a worker,
  // or, for a method that can be answered from memory, possibly on the
  // caller's thread before this returns.
  virtual void Submit(const google::protobuf::MethodDescriptor& method,
                      CallEnvelope envelope,
                      std::unique_ptr<PendingCall> call) = 0;
};

}  // namespace latchkey::service

#endif  // SERVICE_PIPELINE_CALL_RUNNER_H_
