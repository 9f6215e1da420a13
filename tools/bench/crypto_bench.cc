// Micro-benchmarks of //crypto: ES256 JWT sign and verify (whole access
// tokens as TokenService issues them, and the bare signature operations that
// `openssl speed ecdsap256` measures), cold key derivation, and argon2id at
// the default parameters. tools/bench/crypto_bench.sh runs this next to
// `openssl speed` and prints the ratios.

#include <sys/resource.h>

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "common/clock.h"
#include "crypto/jwt.h"
#include "crypto/password_hasher.h"
#include "crypto/signing_keys.h"

namespace latchkey::crypto {
namespace {

constexpr char kSecret[] = "23-wuNpik0gIW4mruTz25rbIvhuuvZFrLOLtL7J4tyo";
constexpr char kIssuer[] = "https://auth.example/api/v1/projects/internal";
constexpr int64_t kNow = 1'700'000'000;

struct Fixture {
  Fixture() : clock(absl::FromUnixSeconds(kNow)) {
    KeyRing::Options options;
    options.current_secret = kSecret;
    ring = *KeyRing::Create(options);
    keys = *ring->KeysFor("internal");
    claims = {{"iss", kIssuer},
              {"sub", "6c4b3a2e-1d0f-4e9a-8b7c-6d5e4f3a2b1c"},
              {"aud", "internal"},
              {"iat", kNow},
              {"exp", kNow + 600},
              {"project_id", "internal"},
              {"branch_id", "main"},
              {"refresh_token_id", "1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b"},
              {"role", "authenticated"},
              {"name", "Ada Lovelace"},
              {"email", "ada@example.com"},
              {"email_verified", true},
              {"selected_team_id", nullptr},
              {"signed_up_at", kNow - 1000},
              {"is_anonymous", false},
              {"is_restricted", false},
              {"restricted_reason", nullptr},
              {"requires_totp_mfa", false}};
    token = *SignJwt(keys->signer(), claims);
    options_verify.allowed_audiences = {"internal"};
    options_verify.allowed_issuers = {kIssuer};
    // A key in steady use has verified enough tokens to hold its
    // precomputed table; build it before anything is timed, as the server
    // does after its first few dozen tokens.
    const std::string warm = *keys->signer().SignEs256("warm");
    for (uint64_t i = 0; i < SigningKey::kVerificationsBeforeTable; ++i) {
      (void)keys->signer().VerifyEs256("warm", warm);
    }

    // The same key without a table: OpenSSL's verification path, which a
    // key takes until it has been used enough (and when the budget is
    // full).
    KeyRing::Options untabled_options = options;
    untabled_options.max_precomputed_tables = 0;
    untabled_ring = *KeyRing::Create(untabled_options);
    untabled_keys = *untabled_ring->KeysFor("internal");
  }

  common::FakeClock clock;
  std::unique_ptr<KeyRing> ring;
  std::shared_ptr<const AudienceKeys> keys;
  std::unique_ptr<KeyRing> untabled_ring;
  std::shared_ptr<const AudienceKeys> untabled_keys;
  nlohmann::ordered_json claims;
  std::string token;
  JwtVerifyOptions options_verify;
};

// This thread's user CPU time, in seconds. openssl speed divides by user
// CPU time only, leaving out system time such as the getpid(2) OpenSSL's
// random generator makes for every signature (about 3% of a signing
// thread's time here); the ES256 benchmarks report the same measure, as
// the counter user_seconds_per_op, so that the ratios compare like with
// like. Google Benchmark's cpu_time counts both.
double ThreadUserSeconds() {
  rusage usage{};
  getrusage(RUSAGE_THREAD, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec) / 1e6;
}

// Runs `op` once per iteration and records user_seconds_per_op.
template <typename Op>
void TimeUserCpu(benchmark::State& state, Op op) {
  const double start = ThreadUserSeconds();
  for (auto _ : state) op();
  state.counters["user_seconds_per_op"] = benchmark::Counter(
      ThreadUserSeconds() - start, benchmark::Counter::kAvgIterations);
}

Fixture& F() {
  static Fixture* fixture = new Fixture();
  return *fixture;
}

void BM_JwtSign(benchmark::State& state) {
  Fixture& f = F();
  TimeUserCpu(state, [&] {
    auto token = SignJwt(f.keys->signer(), f.claims);
    benchmark::DoNotOptimize(token);
  });
}
BENCHMARK(BM_JwtSign);

void BM_JwtVerify(benchmark::State& state) {
  Fixture& f = F();
  auto verifier = *JwtVerifier::Create(*f.ring, f.clock);
  TimeUserCpu(state, [&] {
    JwtVerification v = verifier.Verify(f.token, f.options_verify);
    if (!v.ok()) state.SkipWithError("verification failed");
    benchmark::DoNotOptimize(v);
  });
}
BENCHMARK(BM_JwtVerify);

// The bare ECDSA operations over a 32-byte message, as openssl speed does.
void BM_Es256SignRaw(benchmark::State& state) {
  const SigningKey& key = F().keys->signer();
  const std::string message(32, 'm');
  TimeUserCpu(state, [&] {
    auto sig = key.SignEs256(message);
    benchmark::DoNotOptimize(sig);
  });
}
BENCHMARK(BM_Es256SignRaw);

void VerifyRaw(benchmark::State& state, const SigningKey& key) {
  const std::string message(32, 'm');
  const std::string sig = *key.SignEs256(message);
  TimeUserCpu(state, [&] {
    absl::Status status = key.VerifyEs256(message, sig);
    benchmark::DoNotOptimize(status);
  });
}

// With the key's precomputed table, as a key in steady use verifies.
void BM_Es256VerifyRaw(benchmark::State& state) {
  VerifyRaw(state, F().keys->signer());
}
BENCHMARK(BM_Es256VerifyRaw);

// OpenSSL's own path: a key's first tokens, or any key past the budget.
void BM_Es256VerifyRawWithoutTable(benchmark::State& state) {
  VerifyRaw(state, F().untabled_keys->signer());
}
BENCHMARK(BM_Es256VerifyRawWithoutTable);

// A KeyRing cache miss: both schemes' derivations and public keys.
void BM_KeyDerivationPerAudience(benchmark::State& state) {
  KeyRing::Options options;
  options.current_secret = kSecret;
  options.max_cached_audiences = 1;
  auto ring = *KeyRing::Create(options);
  int i = 0;
  for (auto _ : state) {
    auto keys = ring->KeysFor(i++ % 2 == 0 ? "internal" : "internal:anon");
    benchmark::DoNotOptimize(keys);
  }
}
BENCHMARK(BM_KeyDerivationPerAudience);

void BM_Argon2idHashDefault(benchmark::State& state) {
  auto hasher = *PasswordHasher::Create();
  for (auto _ : state) {
    auto hash = hasher->Hash("correct horse battery staple");
    benchmark::DoNotOptimize(hash);
  }
}
BENCHMARK(BM_Argon2idHashDefault)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace latchkey::crypto

BENCHMARK_MAIN();
