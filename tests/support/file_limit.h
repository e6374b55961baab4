// RLIMIT_NOFILE lowered for one test: the soft limit is put back on destruction, even when the
// test fails, so a test can make open(2) fail with EMFILE for real.
#pragma once

#include <sys/resource.h>

namespace dwae::test {

class ScopedFileLimit {
 public:
  // Sets the soft limit to `soft` (throws when the kernel refuses).
  explicit ScopedFileLimit(rlim_t soft);
  ~ScopedFileLimit();
  ScopedFileLimit(const ScopedFileLimit&) = delete;
  ScopedFileLimit& operator=(const ScopedFileLimit&) = delete;

  // Sets the soft limit again, e.g. back up for a later step of the test.
  void set(rlim_t soft) const;

  // The descriptor the next open(2) would return: a soft limit equal to it leaves none free.
  static rlim_t lowest_free_descriptor();

 private:
  rlimit saved_{};
};

}  // namespace dwae::test
