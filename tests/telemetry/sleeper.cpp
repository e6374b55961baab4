// Test workload for the scheduling collector: sleeps `period_us` and wakes again, over and
// over, for `duration_ms`, then exits — a latency-sensitive tenant that needs little CPU.
#include <time.h>

#include <cstdlib>

int main(int argc, char** argv) {
  const long duration_ms = argc > 1 ? std::atol(argv[1]) : 3000;
  const long period_us = argc > 2 ? std::atol(argv[2]) : 1000;
  timespec start{};
  ::clock_gettime(CLOCK_MONOTONIC, &start);
  const timespec nap{0, period_us * 1000};
  for (;;) {
    ::nanosleep(&nap, nullptr);
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    const long elapsed_ms =
        (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
    if (elapsed_ms >= duration_ms) return 0;
  }
}
