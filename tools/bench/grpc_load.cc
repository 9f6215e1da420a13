// A small closed-loop gRPC load generator: keeps --concurrency unary calls
// of one method in flight for --duration_seconds (after --warmup_seconds
// that are not measured), each call starting as soon as the previous one
// of its slot ends, and prints requests/s and latency percentiles.
//
// The method is called generically (grpc::GenericStub, callback API): the
// request is given already serialized, so any unary method of any service
// can be measured without linking its protos. Example:
//
//   grpc_load --target=127.0.0.1:50051 --concurrency=32
//       --method=/identity.v1.TokenService/ValidateAccessToken
//       --request_hex=0a... --metadata=x-stack-access-type=server,...
//
// Output: one human-readable line, or with --json one JSON object
// {"method", "concurrency", "seconds", "requests", "errors",
//  "requests_per_second", "p50_us", "p90_us", "p99_us", "max_us"}.
// Exits 1 when every measured call failed (a misconfigured run must not
// print a figure), 2 on bad flags.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/byte_buffer.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50051", "host:port of the server");
ABSL_FLAG(std::string, method, "/grpc.health.v1.Health/Check",
          "full gRPC path of a unary method");
ABSL_FLAG(std::string, request_hex, "",
          "the serialized request message, hex (empty: an empty message)");
ABSL_FLAG(std::vector<std::string>, metadata, {},
          "comma-separated key=value pairs sent with every call");
ABSL_FLAG(int, concurrency, 16, "calls in flight at any time");
ABSL_FLAG(int, channels, 4,
          "separate HTTP/2 connections the calls are spread over");
ABSL_FLAG(double, duration_seconds, 10, "measured time");
ABSL_FLAG(double, warmup_seconds, 2, "unmeasured time before it");
ABSL_FLAG(bool, json, false, "print one JSON object instead of text");

namespace latchkey::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string method;
  grpc::ByteBuffer request;
  std::vector<std::pair<std::string, std::string>> metadata;
  Clock::time_point measure_from;
  Clock::time_point stop_at;
};

// Shared by every slot; counts slots still running.
struct Run {
  std::mutex mutex;
  std::condition_variable done;
  int running = 0;
};

// One closed loop: a call, then the next when it completes. Its callbacks
// never overlap (one call in flight per slot), so its fields need no lock;
// Run::mutex publishes them to the main thread when the slot ends.
class Slot {
 public:
  Slot(grpc::GenericStub& stub, const Options& options, Run& run)
      : stub_(stub), options_(options), run_(run) {}

  void Start() { Issue(); }

  const std::vector<int64_t>& latencies_us() const { return latencies_us_; }
  int64_t errors() const { return errors_; }
  const std::map<int, int64_t>& error_codes() const { return error_codes_; }

 private:
  void Issue() {
    context_ = std::make_unique<grpc::ClientContext>();
    for (const auto& [key, value] : options_.metadata) {
      context_->AddMetadata(key, value);
    }
    response_.Clear();
    started_ = Clock::now();
    stub_.UnaryCall(context_.get(), options_.method, grpc::StubOptions(),
                    &options_.request, &response_,
                    [this](grpc::Status status) { Completed(status); });
  }

  void Completed(const grpc::Status& status) {
    const Clock::time_point now = Clock::now();
    if (started_ >= options_.measure_from && now <= options_.stop_at) {
      if (status.ok()) {
        latencies_us_.push_back(
            std::chrono::duration_cast<std::chrono::microseconds>(now -
                                                                  started_)
                .count());
      } else {
        ++errors_;
        ++error_codes_[status.error_code()];
      }
    }
    if (now < options_.stop_at) return Issue();
    std::lock_guard<std::mutex> lock(run_.mutex);
    if (--run_.running == 0) run_.done.notify_all();
  }

  grpc::GenericStub& stub_;
  const Options& options_;
  Run& run_;
  std::unique_ptr<grpc::ClientContext> context_;
  grpc::ByteBuffer response_;
  Clock::time_point started_;
  std::vector<int64_t> latencies_us_;
  int64_t errors_ = 0;
  std::map<int, int64_t> error_codes_;
};

int64_t Percentile(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  const size_t index =
      std::min(sorted.size() - 1,
               static_cast<size_t>(p * static_cast<double>(sorted.size())));
  return sorted[index];
}

int Main() {
  const int concurrency = absl::GetFlag(FLAGS_concurrency);
  const int channel_count = absl::GetFlag(FLAGS_channels);
  const double seconds = absl::GetFlag(FLAGS_duration_seconds);
  if (concurrency < 1 || channel_count < 1 || seconds <= 0) {
    std::fprintf(stderr,
                 "--concurrency and --channels must be >= 1 and "
                 "--duration_seconds > 0\n");
    return 2;
  }
  const std::string request_hex = absl::GetFlag(FLAGS_request_hex);
  if (request_hex.size() % 2 != 0 ||
      request_hex.find_first_not_of("0123456789abcdefABCDEF") !=
          std::string::npos) {
    std::fprintf(stderr, "--request_hex is not hex\n");
    return 2;
  }
  const std::string request_bytes = absl::HexStringToBytes(request_hex);
  Options options;
  options.method = absl::GetFlag(FLAGS_method);
  grpc::Slice slice(request_bytes);
  options.request = grpc::ByteBuffer(&slice, 1);
  for (const std::string& pair : absl::GetFlag(FLAGS_metadata)) {
    const size_t equals = pair.find('=');
    if (equals == std::string::npos) {
      std::fprintf(stderr, "--metadata entries are key=value: %s\n",
                   pair.c_str());
      return 2;
    }
    options.metadata.emplace_back(pair.substr(0, equals),
                                  pair.substr(equals + 1));
  }

  // Distinct channel arguments give each channel its own connection.
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs;
  for (int i = 0; i < channel_count; ++i) {
    grpc::ChannelArguments arguments;
    arguments.SetInt("latchkey.bench.channel", i);
    channels.push_back(grpc::CreateCustomChannel(
        absl::GetFlag(FLAGS_target), grpc::InsecureChannelCredentials(),
        arguments));
    if (!channels.back()->WaitForConnected(std::chrono::system_clock::now() +
                                           std::chrono::seconds(10))) {
      std::fprintf(stderr, "cannot connect to %s\n",
                   absl::GetFlag(FLAGS_target).c_str());
      return 1;
    }
    stubs.push_back(std::make_unique<grpc::GenericStub>(channels.back()));
  }

  const auto to_duration = [](double s) {
    return std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(s));
  };
  options.measure_from =
      Clock::now() + to_duration(absl::GetFlag(FLAGS_warmup_seconds));
  options.stop_at = options.measure_from + to_duration(seconds);

  Run run;
  run.running = concurrency;
  std::vector<std::unique_ptr<Slot>> slots;
  for (int i = 0; i < concurrency; ++i) {
    slots.push_back(
        std::make_unique<Slot>(*stubs[i % channel_count], options, run));
  }
  for (auto& slot : slots) slot->Start();
  {
    std::unique_lock<std::mutex> lock(run.mutex);
    run.done.wait(lock, [&run] { return run.running == 0; });
  }

  std::vector<int64_t> latencies;
  int64_t errors = 0;
  std::map<int, int64_t> error_codes;
  for (const auto& slot : slots) {
    latencies.insert(latencies.end(), slot->latencies_us().begin(),
                     slot->latencies_us().end());
    errors += slot->errors();
    for (const auto& [code, count] : slot->error_codes()) {
      error_codes[code] += count;
    }
  }
  std::sort(latencies.begin(), latencies.end());
  const double rps = static_cast<double>(latencies.size()) / seconds;
  const int64_t p50 = Percentile(latencies, 0.50);
  const int64_t p90 = Percentile(latencies, 0.90);
  const int64_t p99 = Percentile(latencies, 0.99);
  const int64_t max = latencies.empty() ? 0 : latencies.back();
  std::string codes;
  for (const auto& [code, count] : error_codes) {
    absl::StrAppend(&codes, codes.empty() ? "" : ",", code, ":", count);
  }
  if (absl::GetFlag(FLAGS_json)) {
    std::printf(
        "{\"method\":\"%s\",\"concurrency\":%d,\"seconds\":%.1f,"
        "\"requests\":%zu,\"errors\":%lld,\"error_codes\":\"%s\","
        "\"requests_per_second\":%.1f,\"p50_us\":%lld,\"p90_us\":%lld,"
        "\"p99_us\":%lld,\"max_us\":%lld}\n",
        options.method.c_str(), concurrency, seconds, latencies.size(),
        static_cast<long long>(errors), codes.c_str(), rps,
        static_cast<long long>(p50), static_cast<long long>(p90),
        static_cast<long long>(p99), static_cast<long long>(max));
  } else {
    std::printf(
        "%s: %.0f requests/s over %.1f s at concurrency %d (%zu ok, %lld "
        "failed%s%s); latency p50 %lld us, p90 %lld us, p99 %lld us, max "
        "%lld us\n",
        options.method.c_str(), rps, seconds, concurrency, latencies.size(),
        static_cast<long long>(errors), codes.empty() ? "" : " codes ",
        codes.c_str(), static_cast<long long>(p50), static_cast<long long>(p90),
        static_cast<long long>(p99), static_cast<long long>(max));
  }
  return latencies.empty() ? 1 : 0;
}

}  // namespace
}  // namespace latchkey::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return latchkey::bench::Main();
}
