// Waiting for a collective under a deadline (dist.timeout_s), shared by the MPI and NCCL
// backends: a collective that does not complete in time ends the job with a message naming it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace kg::detail {

/// Numbers a communicator's collectives (every rank starts them in the same order, so the
/// numbers agree across ranks) and waits for one by polling, without a core burnt while a rank
/// is late. This base asks no other rank: past the deadline it reports the collective as
/// stuck. The MPI backend's watchdog (comm.cpp) asks the other ranks which collective they
/// have reached and names those that did not arrive; the NCCL backend waits through the
/// watchdog of the MPI communicator it was bootstrapped from, so both planes share its numbers.
class Watch {
 public:
  Watch(int rank, int size) : rank_(rank), size_(size) {}
  virtual ~Watch() = default;
  Watch(const Watch&) = delete;
  Watch& operator=(const Watch&) = delete;

  /// Seconds a collective may take; 0 = wait for ever.
  void set_timeout(double seconds) { timeout_s_ = seconds; }
  double timeout() const { return timeout_s_; }
  /// The number of the collective being started.
  int64_t next() { return ++started_; }

  /// Polls `done` until it returns true (without a pause for the first 0.5 ms, then with
  /// sleeps growing to 100 us, answering other ranks' questions in between). Past the timeout
  /// calls `abort` with the message (timeout_message()); `abort` must not return.
  void wait(const std::function<bool()>& done, int64_t seq, const char* what,
            const std::function<void(const std::string&)>& abort);

 protected:
  /// Called between polls: the MPI watchdog answers the questions of other ranks here.
  virtual void answer() {}
  /// Why collective `seq` is not complete: which ranks did not arrive.
  virtual std::string diagnose(int64_t seq);
  int64_t started() const { return started_; }

  int rank_, size_;

 private:
  double timeout_s_ = 0;
  int64_t started_ = 0;
};

/// `kgpert: rank R of N: WHAT (collective #SEQ) not complete after T s (dist.timeout_s): WHO;
/// aborting the job`, the message of every backend's timeout.
std::string timeout_message(int rank, int size, const char* what, int64_t seq, double timeout_s,
                            const std::string& who);

}  // namespace kg::detail
