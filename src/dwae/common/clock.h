// Monotonic time, always injected: SteadyClock on a real host, ManualClock in tests and the
// simulator.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace dwae {

using Nanos = std::chrono::nanoseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Nanos now() const = 0;
};

class SteadyClock final : public Clock {
 public:
  Nanos now() const override;
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(Nanos start = Nanos{0}) : now_(start) {}
  Nanos now() const override { return now_; }
  void advance(Nanos by) { now_ += by; }
  void set(Nanos to) { now_ = to; }

 private:
  Nanos now_;
};

// Wall-clock time as the audit trail and the status file write it: ISO 8601 UTC with
// milliseconds, "2026-11-26T11:32:54.123Z". parse_wall_time reads exactly that form back.
using WallTime = std::chrono::system_clock::time_point;
std::string format_wall_time(WallTime t);
std::optional<WallTime> parse_wall_time(std::string_view text);

}  // namespace dwae
