#pragma once
// The data one `dwae bench` run produces: what the experiment side measures on the host and
// what the report side summarises, plots and compares with the simulator. Plain values only,
// so that a results.json written by one run can be read back and reported again.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dwae::bench {

// Who controls the host during a run.
enum class Controller {
  none,         // kernel defaults, the agent does not run
  static_best,  // best-effort tenants at minimum weight / cpu.idle, set once, no agent
  rule,         // `dwae run` with the rule policy
  feedback,     // `dwae run` with the feedback (PID) policy
  ppo,          // `dwae run` with the learned policy
};

std::string_view to_string(Controller controller);
std::optional<Controller> parse_controller(std::string_view name);

// One point of a latency distribution: share q of requests took at most `seconds`.
struct Quantile {
  double q = 0;  // in (0, 1]
  double seconds = 0;
};

// Requests of a service that failed, by kind, as wrk counts them (redis-benchmark reports none, so
// a redis service has all zeros). A connect, read or write error loses the request in flight;
// `status` counts answers with an HTTP status above 399 (they are in the latencies); `timeout`
// counts requests older than wrk's --timeout, which enter the latencies as requests that took
// that long (see service_run_from_wrk; a request still waiting at a later check counts again).
struct RequestErrors {
  uint64_t connect = 0;
  uint64_t read = 0;
  uint64_t write = 0;
  uint64_t status = 0;
  uint64_t timeout = 0;

  bool any() const {
    return connect != 0 || read != 0 || write != 0 || status != 0 || timeout != 0;
  }
  friend bool operator==(const RequestErrors&, const RequestErrors&) = default;
};

// A latency-sensitive service measured during one run (or alone on the host).
struct ServiceRun {
  std::string name;           // "redis", "nginx", ...
  std::vector<Quantile> cdf;  // ascending q; at least the 0.5, 0.99 and 0.999 points
  double p50_s = 0;
  double p99_s = 0;
  double p999_s = 0;
  double requests_per_s = 0;
  RequestErrors errors;
};

// A best-effort or throughput tenant measured during one run.
struct BestEffortRun {
  std::string name;       // "stress-ng-cpu", "fio-randread", ...
  double work_per_s = 0;  // in `unit`
  std::string unit;       // "bogo-ops/s", "MiB/s", "events/s", ...
};

// One applied setting over time, from the agent's audit trail (or set once for static_best).
struct WeightPoint {
  double t_s = 0;  // seconds since the run's load started
  std::string workload;
  std::string resource;  // "cpu.weight", "memory.high", ... as the audit trail names it
  double value = 0;
};

struct Run {
  std::string scenario;
  Controller controller = Controller::none;
  int repetition = 0;     // 0-based
  double duration_s = 0;  // measured load phase
  std::vector<ServiceRun> services;
  std::vector<BestEffortRun> best_effort;
  std::vector<WeightPoint> weights;
};

// The latency-sensitive services of one scenario, each alone on the host (the 1.0 reference).
struct Alone {
  std::string scenario;
  std::vector<ServiceRun> services;
};

// Repetitions of every (scenario, controller) run: 1 .. kMaxRepetitions.
inline constexpr int kMaxRepetitions = 100;

struct BenchResults {
  std::string host;         // hostname, cores, kernel
  std::string started_utc;  // ISO 8601
  bool short_mode = false;
  std::vector<std::string> scenarios;  // in the order they ran
  std::vector<Controller> controllers;
  int repetitions = 0;
  std::vector<Alone> alone;
  std::vector<Run> runs;  // in the (interleaved) order they ran
};

}  // namespace dwae::bench
