#include "service/gateway/forward_auth.h"

#include <algorithm>
#include <map>
#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "service/errors/api_error.h"
#include "service/gateway/route_table.h"
#include "service/gateway/stack_error.h"

namespace latchkey::service::gateway {
namespace {

using envoy::service::auth::v3::CheckRequest;
using envoy::service::auth::v3::CheckResponse;

constexpr char kNoStore[] = "no-store, max-age=0";
constexpr char kTeamIdHeader[] = "x-latchkey-team-id";
constexpr size_t kMaxHeaderValueBytes = 8192;

// Query parameter -> context extension.
constexpr std::pair<absl::string_view, absl::string_view> kRequirements[] = {
    {"permission", "latchkey.permission"},
    {"team_header", "latchkey.team_header"},
    {"allow_anonymous", "latchkey.allow_anonymous"},
    {"allow_restricted", "latchkey.allow_restricted"},
    {"project_id", "latchkey.project_id"},
};

}  // namespace

bool IsForwardAuthPath(absl::string_view path) {
  return path == kForwardAuthPath ||
         (absl::StartsWith(path, kForwardAuthPath) &&
          path[kForwardAuthPath.size()] == '/');
}

CheckRequest CheckRequestFor(const HttpRequest& request) {
  CheckRequest check;
  auto* attributes = check.mutable_attributes();
  auto* http = attributes->mutable_request()->mutable_http();
  auto& headers = *http->mutable_headers();
  for (const auto& [name, value] : request.headers) {
    // The pipeline refuses a request string over its default limit (8 KiB)
    // before the policy runs, and the policy reads nothing that long (a
    // token, a team id): leave such a header (a large Cookie) out rather
    // than fail the check.
    if (value.size() > kMaxHeaderValueBytes) continue;
    std::string& joined = headers[name];
    absl::StrAppend(&joined, joined.empty() ? "" : ",", value);
  }

  absl::string_view target = request.target;
  const size_t question = target.find('?');
  const absl::string_view path = target.substr(0, question);
  const absl::string_view query =
      question == absl::string_view::npos ? "" : target.substr(question + 1);

  auto first = [&request](absl::string_view a, absl::string_view b) {
    absl::string_view value = request.Header(a);
    return std::string(value.empty() ? request.Header(b) : value);
  };
  std::string method = first("x-forwarded-method", "x-original-method");
  if (method.empty()) method = request.method;
  std::string uri = first("x-forwarded-uri", "x-original-uri");
  if (uri.empty()) {
    // Envoy's HTTP mode: /forward-auth<original path>.
    uri = std::string(path.substr(kForwardAuthPath.size()));
    if (uri.empty()) uri = "/";
  }
  std::string host = first("x-forwarded-host", "host");
  http->set_method(method);
  http->set_path(uri);
  http->set_host(host);
  http->set_scheme(std::string(request.Header("x-forwarded-proto")));
  http->set_protocol("HTTP/1.1");

  auto& extensions = *attributes->mutable_context_extensions();
  for (absl::string_view pair : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    const size_t equals = pair.find('=');
    const absl::string_view raw_key = pair.substr(0, equals);
    const absl::string_view raw_value =
        equals == absl::string_view::npos ? "" : pair.substr(equals + 1);
    // Text that does not decode is taken as written: a permission of that
    // name does not exist, so the check fails closed.
    const std::string key =
        PercentDecode(raw_key, true).value_or(std::string(raw_key));
    const std::string value =
        PercentDecode(raw_value, true).value_or(std::string(raw_value));
    for (const auto& [parameter, extension] : kRequirements) {
      if (key == parameter) extensions[std::string(extension)] = value;
    }
  }
  if (request.client_ip.size() > 0) {
    attributes->mutable_source()
        ->mutable_address()
        ->mutable_socket_address()
        ->set_address(request.client_ip);
  }
  return check;
}

HttpResponse ForwardAuthAnswer(const absl::Status& status,
                               const CheckResponse& response) {
  HttpResponse out;
  if (!status.ok()) {
    out = StackErrorResponse(status);
    out.headers.emplace_back("content-type", "application/json; charset=utf-8");
  } else if (response.has_ok_response()) {
    out.status = 200;
    bool team_named = false;
    for (const auto& option : response.ok_response().headers()) {
      out.headers.emplace_back(option.header().key(), option.header().value());
      team_named |= option.header().key() == kTeamIdHeader;
    }
    // Every identity header, the team's empty when none is selected: a
    // proxy that copies a header the answer lacks may send the client's,
    // or (Caddy 2.6) its own unreplaced placeholder.
    if (!team_named) out.headers.emplace_back(kTeamIdHeader, "");
    // Likewise each header the answer clears (an extra identity header
    // this user has no value for): sent empty, never left to the client.
    for (const std::string& name : response.ok_response().headers_to_remove()) {
      if (name == kTeamIdHeader) continue;
      const bool named =
          std::any_of(out.headers.begin(), out.headers.end(),
                      [&](const auto& header) { return header.first == name; });
      if (!named) out.headers.emplace_back(name, "");
    }
  } else {
    // A denial: its status when it names 401 or 403 (the only denials
    // nginx passes on), else 403, Envoy's default.
    const int code = response.denied_response().status().code();
    out.status = code == 401 ? 401 : 403;
    for (const auto& option : response.denied_response().headers()) {
      out.headers.emplace_back(option.header().key(), option.header().value());
    }
    out.body = response.denied_response().body();
  }
  const bool has_cache_control = std::any_of(
      out.headers.begin(), out.headers.end(),
      [](const auto& header) { return header.first == "cache-control"; });
  if (!has_cache_control) out.headers.emplace_back("cache-control", kNoStore);
  return out;
}

absl::Status ForwardAuthCall::ReadRequest(google::protobuf::Message& message) {
  if (message.GetDescriptor() != CheckRequest::descriptor()) {
    return absl::InternalError("forward auth is bound to the wrong method");
  }
  message.CopyFrom(CheckRequestFor(request_));
  return absl::OkStatus();
}

void ForwardAuthCall::Finish(const absl::Status& status,
                             const google::protobuf::Message& response) {
  CheckResponse check;
  if (status.ok()) check.CopyFrom(response);
  HttpResponse out = ForwardAuthAnswer(status, check);
  out.headers.emplace_back("x-stack-request-id", request_id_);
  respond_(std::move(out));
}

}  // namespace latchkey::service::gateway
