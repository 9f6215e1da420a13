#ifndef COMMON_BLOCKING_SCOPE_H_
#define COMMON_BLOCKING_SCOPE_H_

namespace latchkey::common {

// A stretch of one thread's work that must not wait on I/O: the server
// answers some calls on the transport's own thread (no hand-off to a
// worker) when everything they need is already in memory, and runs them
// again on a worker when it is not. Code about to wait (a database call,
// an outbound request, the password-hash queue) asks MayBlock() first;
// inside a scope the answer is no, the attempt is marked, and the caller
// fails instead of waiting. Whoever opened the scope then throws the
// attempt's outcome away (it may be any error: code between the refusal
// and the scope's end need not pass it on faithfully) and runs the work
// again where waiting is fine. Work attempted this way must be safe to
// repeat: nothing it did before the refusal may be visible outside the
// process.
//
// Not copyable; scopes nest (the innermost one is marked). Thread-local:
// a scope covers only the thread that opened it.
class NonBlockingScope {
 public:
  NonBlockingScope();
  ~NonBlockingScope();
  NonBlockingScope(const NonBlockingScope&) = delete;
  NonBlockingScope& operator=(const NonBlockingScope&) = delete;

  // Whether something in this scope asked to wait and was refused.
  bool refused() const { return refused_; }

 private:
  friend bool MayBlock();
  NonBlockingScope* outer_;
  bool refused_ = false;
};

// True when the calling thread may wait on I/O. False inside a
// NonBlockingScope, which it marks as refused.
bool MayBlock();

}  // namespace latchkey::common

#endif  // COMMON_BLOCKING_SCOPE_H_
