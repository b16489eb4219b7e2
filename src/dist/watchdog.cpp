// The deadline of a collective: polling with short sleeps, and the message of a timeout.
#include "dist/watchdog.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

#include <fmt/format.h>

namespace kg::detail {

void Watch::wait(const std::function<bool()>& done, int64_t seq, const char* what,
                 const std::function<void(const std::string&)>& abort) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  const bool limited = timeout_s_ > 0;
  const auto deadline = start + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(timeout_s_));
  // Polled without a pause for the first 0.5 ms (as a blocking wait would: most all-reduces
  // of a step end within it), then with sleeps of up to 100 us (CPU idle while a rank is late;
  // at most 0.1 ms more than a busy wait).
  const auto spin_until = start + std::chrono::microseconds(500);
  long sleep_us = 2;
  for (;;) {
    if (done()) return;
    answer();
    const auto now = clock::now();
    if (limited && now >= deadline) {
      abort(timeout_message(rank_, size_, what, seq, timeout_s_, diagnose(seq)));
      return;  // an abort that returns (a test's): the wait is over
    }
    if (now < spin_until) continue;
    std::this_thread::sleep_for(std::chrono::microseconds(sleep_us));
    sleep_us = std::min(sleep_us * 2, 100L);
  }
}

std::string Watch::diagnose(int64_t) {
  return size_ == 1 ? "one rank: the collective itself is stuck" : "the other ranks were not asked";
}

std::string timeout_message(int rank, int size, const char* what, int64_t seq, double timeout_s,
                            const std::string& who) {
  return fmt::format("kgpert: rank {} of {}: {} (collective #{}) not complete after {} s (dist.timeout_s): {}; "
                     "aborting the job",
                     rank, size, what, seq, timeout_s, who);
}

}  // namespace kg::detail
