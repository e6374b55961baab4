// FakeTelemetry: a scripted TelemetrySource for tests of code that drains telemetry (the agent
// loop) without a kernel: it returns the queued samples in order, then empty samples that list
// the workloads it was given.
#pragma once

#include <deque>
#include <utility>
#include <vector>

#include "dwae/telemetry/telemetry.h"

namespace dwae::telemetry {

class FakeTelemetry final : public TelemetrySource {
 public:
  explicit FakeTelemetry(TelemetryStatus status = {}) : status_(std::move(status)) {}

  // The next drain() returns this (a sample or an error).
  void push(Result<TelemetrySample> next) { queued_.push_back(std::move(next)); }

  void set_workloads(const std::vector<WorkloadCgroups>& workloads) override {
    workloads_ = workloads;
  }

  Result<TelemetrySample> drain() override {
    ++drains_;
    if (!queued_.empty()) {
      Result<TelemetrySample> next = std::move(queued_.front());
      queued_.pop_front();
      return next;
    }
    TelemetrySample empty;
    for (const WorkloadCgroups& w : workloads_) {
      WorkloadTelemetry named;
      named.name = w.name;
      empty.workloads.push_back(std::move(named));
    }
    return empty;
  }

  const TelemetryStatus& status() const override { return status_; }

  const std::vector<WorkloadCgroups>& workloads() const { return workloads_; }
  int drains() const { return drains_; }

 private:
  TelemetryStatus status_;
  std::deque<Result<TelemetrySample>> queued_;
  std::vector<WorkloadCgroups> workloads_;
  int drains_ = 0;
};

}  // namespace dwae::telemetry
