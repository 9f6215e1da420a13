#ifndef SERVICE_PIPELINE_CALL_CONTEXT_H_
#define SERVICE_PIPELINE_CALL_CONTEXT_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "identity/v1/options.pb.h"
#include "identity/v1/token.pb.h"
#include "service/core/project_directory.h"
#include "service/pipeline/call_runner.h"
#include "service/pipeline/request_metadata.h"

namespace latchkey::service {

// Who is calling, as request authentication established it. Service methods
// read this and never parse headers themselves.
struct Caller {
  // The project the request names; empty for public methods that take the
  // project from the request itself.
  std::string project_id;
  // That project as of this request (null for public methods).
  std::shared_ptr<const core::ProjectSnapshot> project;
  identity::v1::AccessType access_type = identity::v1::ACCESS_TYPE_UNSPECIFIED;
  std::string branch_id = "main";
  // The signed-in user's verified token claims, when one was sent.
  std::optional<identity::v1::AccessTokenClaims> user;
  // For admin access through an admin access token: the internal-project
  // user acting (otherwise the super-secret admin key was used).
  std::optional<std::string> admin_user_id;

  const std::string* user_id() const {
    return user.has_value() ? &user->sub() : nullptr;
  }
};

// Everything a method handler may know about its call besides the request
// message. Owned by the dispatcher for the duration of one call; not shared
// between threads.
class CallContext {
 public:
  CallContext(std::string request_id, RequestMetadata metadata,
              std::string client_ip, absl::Time deadline)
      : request_id_(std::move(request_id)),
        metadata_(std::move(metadata)),
        client_ip_(std::move(client_ip)),
        deadline_(deadline) {}

  const std::string& request_id() const { return request_id_; }
  const RequestMetadata& metadata() const { return metadata_; }
  // The client's address as best known (the REST client's, for gateway
  // calls); used for rate limits and audit, never for authorization.
  const std::string& client_ip() const { return client_ip_; }
  absl::Time deadline() const { return deadline_; }

  const Caller& caller() const { return caller_; }
  Caller& mutable_caller() { return caller_; }

  // REST only: the raw Cookie header (see CallEnvelope::cookie_header).
  const std::string& cookie_header() const { return cookie_header_; }
  void set_cookie_header(std::string header) {
    cookie_header_ = std::move(header);
  }
  // What the method asks of its HTTP answer (status, cookies); REST only.
  HttpDirectives& http() { return http_; }
  const HttpDirectives& http() const { return http_; }

 private:
  std::string request_id_;
  RequestMetadata metadata_;
  std::string client_ip_;
  absl::Time deadline_;
  Caller caller_;
  std::string cookie_header_;
  HttpDirectives http_;
};

}  // namespace latchkey::service

#endif  // SERVICE_PIPELINE_CALL_CONTEXT_H_
