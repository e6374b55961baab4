// Runs a job on several threads (the caller's thread is worker 0). A thread that cannot be
// started is an error the operator sees, not std::terminate from an unjoined std::thread.
#pragma once

#include <functional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "dwae/common/result.h"

namespace dwae::train {

// Calls work(0) .. work(workers - 1), each on its own thread (work(0) on the caller's), and
// waits for all of them. When a thread cannot be started, `stop` is called (so that the
// workers already running can finish early), they are joined, and the error says which thread
// failed and why; work(0) is not run then.
inline Status run_workers(unsigned workers, const std::function<void(unsigned)>& work,
                          const std::function<void()>& stop = {}) {
  std::vector<std::thread> threads;
  std::string failure;
  for (unsigned w = 1; w < workers; ++w) {
    try {
      threads.emplace_back(work, w);
    } catch (const std::system_error& e) {
      failure = "cannot start thread " + std::to_string(w + 1) + " of " + std::to_string(workers) +
                ": " + e.code().message() + " (use fewer --jobs)";
      break;
    }
  }
  if (failure.empty()) {
    work(0);
  } else if (stop) {
    stop();
  }
  for (auto& t : threads) t.join();
  if (!failure.empty()) return Error{failure};
  return {};
}

}  // namespace dwae::train
