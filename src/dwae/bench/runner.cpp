// The experiment loop. One ScenarioBench owns a scenario's cgroups, services and scratch files;
// destroying it stops every process (by pid) and removes every cgroup it created.
#include "dwae/bench/runner.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "dwae/bench/cgroups.h"
#include "dwae/bench/parsers.h"
#include "dwae/bench/process.h"

namespace dwae::bench {
namespace {

namespace fs = std::filesystem;
using hostfs::Controller::kCpu;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr uint64_t kMiB = 1024ull * 1024ull;
// The load generators' cgroup gets this many shares against the tenants' parent (1024), so the
// clients are not part of the contention they measure.
constexpr int kLoadGeneratorShares = 10240;
constexpr int kRedisListLength = 600;
// A best-effort tool runs for the warm-up and the measured window plus this, then ends by itself
// (the benchmark stops it earlier): if the benchmark dies without cleaning up (SIGKILL), nothing
// it started outlives it by much. Long enough for a measured window that overruns (a redis batch
// or wrk that finishes late).
constexpr std::chrono::seconds kLoadMargin{60};

std::string interrupted_message() {
  return "interrupted by signal " + std::to_string(interrupt_signal());
}

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  ::inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  socklen_t len = sizeof sa;
  int port = 0;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) == 0) {
    port = ntohs(sa.sin_port);
  }
  ::close(fd);
  return port;
}

bool port_answers(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0;
  ::close(fd);
  return ok;
}

Status write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  out.flush();
  if (!out) return Error::from_errno("cannot write " + path, errno);
  return Status::success();
}

std::string host_description() {
  char name[256] = {};
  ::gethostname(name, sizeof name - 1);
  utsname u{};
  ::uname(&u);
  return std::string(name) + ", " + std::to_string(::sysconf(_SC_NPROCESSORS_ONLN)) +
         " cpus, Linux " + u.release;
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

bool direct_io_works(const std::string& dir) {
  const std::string probe = dir + "/direct-probe";
  const int fd = ::open(probe.c_str(), O_CREAT | O_WRONLY | O_DIRECT | O_CLOEXEC, 0600);
  if (fd >= 0) ::close(fd);
  ::unlink(probe.c_str());
  return fd >= 0;
}

std::string ms_text(double seconds) {
  std::ostringstream s;
  s.precision(3);
  s << std::fixed << seconds * 1000.0 << " ms";
  return s.str();
}

// A best-effort tenant's running load.
struct BestEffortLoad {
  BestEffortSpec spec;
  Child child;
  std::string out_path, err_path;
};

class ScenarioBench {
 public:
  ScenarioBench(Scenario scenario, const BenchPlan& plan, const BenchOptions& options,
                std::string scratch)
      : scenario_(std::move(scenario)),
        plan_(plan),
        options_(options),
        scratch_(std::move(scratch)) {}
  ScenarioBench(const ScenarioBench&) = delete;
  ScenarioBench& operator=(const ScenarioBench&) = delete;
  ~ScenarioBench() {
    services_.clear();  // SIGKILL by pid; remove_all() sweeps what they forked
    if (cgroups_) {
      if (auto s = cgroups_->remove_all(); !s) log("cleanup: " + s.error().message);
    }
  }

  Status setup();
  Result<std::vector<ServiceRun>> measure_services(bool with_warmup_phase);
  Result<Run> run(Controller controller, int repetition, std::vector<std::string>& problems);

 private:
  void log(const std::string& line) const {
    if (options_.log) options_.log(line);
  }
  std::string tenant(const std::string& name) const { return "tenants/" + name; }
  std::vector<std::string> dirs(const std::string& child) const { return cgroups_->dirs(child); }
  Status start_service(const ServiceSpec& spec);
  Result<BestEffortLoad> start_best_effort(const BestEffortSpec& spec, const std::string& tag);
  Result<BestEffortRun> stop_best_effort(BestEffortLoad& load);
  // How long a best-effort tool may run by itself, in whole seconds.
  long load_seconds() const {
    return std::chrono::ceil<std::chrono::seconds>(plan_.warmup + plan_.measure + kLoadMargin)
        .count();
  }
  Result<LatencyCounts> redis_load(const ServiceSpec& spec, steady_clock::time_point deadline,
                                   const std::string& tag);
  Status apply_static_best(std::vector<std::pair<std::string, std::string>>& undo);

  Scenario scenario_;
  const BenchPlan& plan_;
  const BenchOptions& options_;
  std::string scratch_;
  std::unique_ptr<BenchCgroups> cgroups_;  // before services_: removed after they are stopped
  std::vector<Child> services_;
  std::map<std::string, int> ports_;
  int usable_cpus_ = 1;
  bool direct_io_ = true;
  int batch_ = 0;
};

Status ScenarioBench::setup() {
  std::error_code ec;
  fs::create_directories(scratch_, ec);
  if (ec) return Error{"cannot create " + scratch_ + ": " + ec.message()};
  // nginx workers run as nobody and must read what they serve.
  fs::permissions(scratch_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                fs::perms::others_read | fs::perms::others_exec);
  const std::string root = "dwae-bench-" + std::to_string(::getpid()) + "-" + scenario_.name;
  auto cgroups = BenchCgroups::create(root);
  if (!cgroups) return cgroups.error();
  cgroups_ = std::move(*cgroups);
  for (const char* child : {"loadgen", "agent", "tenants"}) {
    if (auto s = cgroups_->add(child); !s) return s;
  }
  if (auto s = cgroups_->write(kCpu, "loadgen", "cpu.shares", std::to_string(kLoadGeneratorShares));
      !s) {
    return s;
  }
  if (auto cpus = cgroups_->read(hostfs::Controller::kCpuset, "", "cpuset.cpus")) {
    usable_cpus_ = std::max(1, count_cpus(*cpus));
  } else {
    usable_cpus_ = static_cast<int>(std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN)));
  }
  if (scenario_.tenants_memory_limit_bytes > 0) {
    if (auto s = cgroups_->write(hostfs::Controller::kMemory, "tenants", "memory.limit_in_bytes",
                                 std::to_string(scenario_.tenants_memory_limit_bytes));
        !s) {
      return s;
    }
  }
  for (const auto& s : scenario_.services) {
    if (auto st = cgroups_->add(tenant(s.name)); !st) return st;
  }
  for (const auto& b : scenario_.best_effort) {
    if (auto st = cgroups_->add(tenant(b.name)); !st) return st;
  }
  direct_io_ = direct_io_works(scratch_);
  for (const auto& s : scenario_.services) {
    if (auto st = start_service(s); !st) return st;
  }
  // fio lays its file out once, inside the fio tenant, before any measured run.
  for (const auto& b : scenario_.best_effort) {
    if (b.kind != BestEffortKind::fio_randwrite) continue;
    auto out =
        run_to_completion({"fio", "--name=layout", "--filename=" + scratch_ + "/fio.dat",
                           "--size=" + std::to_string(b.bytes), "--rw=write", "--bs=1M",
                           "--create_only=1", "--thread"},
                          dirs(tenant(b.name)), scratch_ + "/fio-layout", milliseconds(120000));
    if (!out) return Error{"fio layout: " + out.error().message};
  }
  return Status::success();
}

Status ScenarioBench::start_service(const ServiceSpec& spec) {
  const int port = free_port();
  if (port == 0) return Error{"no free loopback port"};
  const std::string dir = scratch_ + "/" + spec.name;
  std::error_code ec;
  fs::create_directories(dir + "/www", ec);
  if (ec) return Error{"cannot create " + dir + ": " + ec.message()};
  SpawnSpec spawn;
  spawn.cgroup_dirs = dirs(tenant(spec.name));
  spawn.stdout_path = dir + "/service.out";
  spawn.stderr_path = dir + "/service.err";
  spawn.cwd = dir;
  switch (spec.kind) {
    case ServiceKind::redis_lrange:
    case ServiceKind::redis_aof_set: {
      const bool aof = spec.kind == ServiceKind::redis_aof_set;
      spawn.argv = {"redis-server",
                    "--bind",
                    "127.0.0.1",
                    "--port",
                    std::to_string(port),
                    "--save",
                    "",
                    "--appendonly",
                    aof ? "yes" : "no",
                    "--appendfsync",
                    "always",
                    "--dir",
                    dir,
                    "--protected-mode",
                    "no",
                    "--daemonize",
                    "no"};
      break;
    }
    case ServiceKind::nginx_small:
    case ServiceKind::nginx_file_range: {
      if (spec.kind == ServiceKind::nginx_small) {
        if (auto s = write_file(dir + "/www/index.html", std::string(612, 'x') + "\n"); !s)
          return s;
      } else {
        // Written from inside the service's cgroup so that its page cache is charged there.
        auto out = run_to_completion({"dd", "if=/dev/zero", "of=" + dir + "/www/blob", "bs=1M",
                                      "count=" + std::to_string(spec.file_bytes / kMiB)},
                                     dirs(tenant(spec.name)), dir + "/dd", milliseconds(120000));
        if (!out) return Error{"writing the served file: " + out.error().message};
      }
      std::ostringstream conf;
      conf << "worker_processes 1;\ndaemon off;\npid " << dir << "/nginx.pid;\nerror_log " << dir
           << "/error.log warn;\nevents { worker_connections 1024; }\nhttp {\n  access_log off;\n"
           << "  client_body_temp_path " << dir << "/tmp-body;\n  proxy_temp_path " << dir
           << "/tmp-proxy;\n  fastcgi_temp_path " << dir << "/tmp-fastcgi;\n  uwsgi_temp_path "
           << dir << "/tmp-uwsgi;\n  scgi_temp_path " << dir << "/tmp-scgi;\n"
           << "  server { listen 127.0.0.1:" << port << "; root " << dir << "/www; }\n}\n";
      if (auto s = write_file(dir + "/nginx.conf", conf.str()); !s) return s;
      spawn.argv = {"nginx", "-p", dir, "-c", dir + "/nginx.conf"};
      break;
    }
  }
  auto child = Child::spawn(spawn);
  if (!child) return child.error();
  const auto deadline = steady_clock::now() + milliseconds(15000);
  while (!port_answers(port)) {
    if (!child->running()) {
      return Error{spec.name + " exited at start: " + read_file_or_empty(spawn.stderr_path) +
                   read_file_or_empty(spawn.stdout_path)};
    }
    if (interrupted()) return Error{interrupted_message()};
    if (steady_clock::now() > deadline) return Error{spec.name + " did not listen on its port"};
    sleep_unless_interrupted(milliseconds(20));
  }
  services_.push_back(std::move(*child));
  ports_[spec.name] = port;
  if (spec.kind == ServiceKind::redis_lrange) {
    std::vector<std::string> argv = {"redis-cli",          "-h",    "127.0.0.1", "-p",
                                     std::to_string(port), "RPUSH", "mylist"};
    for (int i = 0; i < kRedisListLength; ++i) argv.push_back(std::to_string(i));
    auto out = run_to_completion(argv, dirs("loadgen"), dir + "/fill", milliseconds(30000));
    if (!out) return Error{"filling redis: " + out.error().message};
  }
  return Status::success();
}

Result<LatencyCounts> ScenarioBench::redis_load(const ServiceSpec& spec,
                                                steady_clock::time_point deadline,
                                                const std::string& tag) {
  const std::string port = std::to_string(ports_.at(spec.name));
  std::vector<std::string> argv = {"redis-benchmark",           "-h", "127.0.0.1", "-p", port, "-c",
                                   std::to_string(spec.clients)};
  if (spec.kind == ServiceKind::redis_aof_set) {
    for (const char* a :
         {"-n", "200", "-r", "100000", "SET", "key:__rand_int__", "0123456789abcdef"}) {
      argv.emplace_back(a);
    }
  } else {
    for (const char* a : {"-n", "500", "LRANGE", "mylist", "0", "599"}) argv.emplace_back(a);
  }
  const bool bursty = scenario_.burst_on.count() > 0;
  const auto cycle = scenario_.burst_on + scenario_.burst_off;
  const auto start = steady_clock::now();
  LatencyCounts total;
  while (steady_clock::now() < deadline) {
    if (interrupted()) return Error{interrupted_message()};
    if (bursty) {
      const auto in_cycle =
          std::chrono::duration_cast<milliseconds>(steady_clock::now() - start) % cycle;
      if (in_cycle >= scenario_.burst_on) {
        const auto off_left = cycle - in_cycle;
        if (steady_clock::now() + off_left >= deadline) break;
        if (!sleep_unless_interrupted(off_left)) return Error{interrupted_message()};
        continue;
      }
    }
    // A batch that runs past the deadline is kept: dropping the slowest batches would flatter
    // the most contended runs.
    auto out = run_to_completion(argv, dirs("loadgen"),
                                 scratch_ + "/" + tag + "-batch" + std::to_string(batch_++ % 4),
                                 milliseconds(120000));
    if (!out) {
      if (interrupted()) return Error{interrupted_message()};
      return Error{"redis-benchmark: " + out.error().message};
    }
    auto counts = parse_redis_benchmark(*out);
    if (!counts) return counts.error();
    total.merge(*counts);
  }
  if (total.requests == 0) return Error{"redis-benchmark: no requests in the load phase"};
  return total;
}

Result<std::vector<ServiceRun>> ScenarioBench::measure_services(bool with_warmup_phase) {
  if (with_warmup_phase && !sleep_unless_interrupted(plan_.warmup)) {
    return Error{interrupted_message()};
  }
  const auto deadline = steady_clock::now() + plan_.measure;
  const int seconds = std::max(
      1, static_cast<int>(std::lround(static_cast<double>(plan_.measure.count()) / 1000.0)));
  struct WrkRun {
    const ServiceSpec* spec;
    Child child;
    std::string out, err;
  };
  std::vector<WrkRun> wrks;
  for (const auto& s : scenario_.services) {
    if (s.kind != ServiceKind::nginx_small && s.kind != ServiceKind::nginx_file_range) continue;
    const std::string base = scratch_ + "/" + s.name + "/wrk";
    const bool ranges = s.kind == ServiceKind::nginx_file_range;
    if (auto st = write_file(base + ".lua", wrk_done_script(ranges ? s.file_bytes : 0)); !st) {
      return st.error();
    }
    SpawnSpec spawn;
    // --timeout explicit, not wrk's default: service_run_from_wrk counts each timeout at it.
    spawn.argv = {"wrk",
                  "-t1",
                  "-c",
                  std::to_string(s.clients),
                  "-d",
                  std::to_string(seconds) + "s",
                  "--timeout",
                  std::to_string(kWrkTimeoutS) + "s",
                  "-s",
                  base + ".lua",
                  "http://127.0.0.1:" + std::to_string(ports_.at(s.name)) +
                      (ranges ? "/blob" : "/index.html")};
    spawn.cgroup_dirs = dirs("loadgen");
    spawn.stdout_path = base + ".out";
    spawn.stderr_path = base + ".err";
    auto child = Child::spawn(spawn);
    if (!child) return child.error();
    wrks.push_back({&s, std::move(*child), spawn.stdout_path, spawn.stderr_path});
  }
  std::vector<ServiceRun> out;
  for (const auto& s : scenario_.services) {
    if (s.kind != ServiceKind::redis_lrange && s.kind != ServiceKind::redis_aof_set) continue;
    auto counts = redis_load(s, deadline, s.name);
    if (!counts) return counts.error();
    out.push_back(service_run_from_counts(s.name, *counts));
  }
  for (auto& w : wrks) {
    if (!w.child.wait(plan_.measure + milliseconds(30000))) {
      if (interrupted()) return Error{interrupted_message()};
      return Error{"wrk did not finish"};
    }
    const std::string text = read_file_or_empty(w.out);
    if (w.child.exit_code() != 0) {
      return Error{"wrk exited with " + std::to_string(w.child.exit_code()) + ": " +
                   read_file_or_empty(w.err)};
    }
    auto summary = parse_wrk_output(text);
    if (!summary) return summary.error();
    out.push_back(service_run_from_wrk(w.spec->name, *summary));
  }
  return out;
}

Result<BestEffortLoad> ScenarioBench::start_best_effort(const BestEffortSpec& spec,
                                                        const std::string& tag) {
  BestEffortLoad load;
  load.spec = spec;
  load.out_path = scratch_ + "/" + tag + "-" + spec.name + ".out";
  load.err_path = scratch_ + "/" + tag + "-" + spec.name + ".err";
  SpawnSpec spawn;
  spawn.cgroup_dirs = dirs(tenant(spec.name));
  spawn.stdout_path = load.out_path;
  spawn.stderr_path = load.err_path;
  spawn.cwd = scratch_;
  switch (spec.kind) {
    case BestEffortKind::cpu_hogs:
      spawn.argv = {"stress-ng",
                    "--cpu",
                    std::to_string(spec.hogs_per_core * usable_cpus_),
                    "--cpu-method",
                    "matrixprod",
                    "--metrics-brief",
                    "--timeout",
                    std::to_string(load_seconds()) + "s"};
      break;
    case BestEffortKind::memory_hog:
      spawn.argv = {"stress-ng",
                    "--vm",
                    std::to_string(spec.workers),
                    "--vm-bytes",
                    std::to_string(spec.bytes),
                    "--vm-keep",
                    "--vm-method",
                    "write64",
                    "--metrics-brief",
                    "--timeout",
                    std::to_string(load_seconds()) + "s"};
      break;
    case BestEffortKind::fio_randwrite:
      // --thread: the jobs are threads of the one process that the kernel kills if the
      // benchmark dies (PR_SET_PDEATHSIG reaches only that process, not forked job processes).
      spawn.argv = {"fio",
                    "--name=best-effort",
                    "--filename=" + scratch_ + "/fio.dat",
                    "--size=" + std::to_string(spec.bytes),
                    "--rw=randwrite",
                    "--bs=4k",
                    std::string("--direct=") + (direct_io_ ? "1" : "0"),
                    "--ioengine=libaio",
                    "--iodepth=8",
                    "--numjobs=" + std::to_string(spec.workers),
                    "--group_reporting",
                    "--thread",
                    "--time_based",
                    "--runtime=" + std::to_string(load_seconds()),
                    "--output-format=json"};
      break;
  }
  auto child = Child::spawn(spawn);
  if (!child) return child.error();
  load.child = std::move(*child);
  return load;
}

Result<BestEffortRun> ScenarioBench::stop_best_effort(BestEffortLoad& load) {
  // A tool that ended by itself did not load the whole measured window.
  if (!load.child.running()) {
    return Error{load.spec.name + " ended before the measured window did (exit code " +
                 std::to_string(load.child.exit_code()) +
                 "): " + read_file_or_empty(load.err_path).substr(0, 2000)};
  }
  // Both tools print their totals when interrupted.
  load.child.stop(SIGINT, milliseconds(20000));
  const std::string out = read_file_or_empty(load.out_path);
  const std::string err = read_file_or_empty(load.err_path);
  BestEffortRun run;
  switch (load.spec.kind) {
    case BestEffortKind::cpu_hogs:
    case BestEffortKind::memory_hog: {
      const char* stressor = load.spec.kind == BestEffortKind::cpu_hogs ? "cpu" : "vm";
      run.name = std::string("stress-ng-") + stressor;
      auto rate = parse_stress_ng_rate(out + err, stressor);
      if (!rate) return rate.error();
      run.work_per_s = *rate;
      run.unit = "bogo-ops/s";
      break;
    }
    case BestEffortKind::fio_randwrite: {
      run.name = "fio-randwrite";
      auto rate = parse_fio_mib_per_s(out);
      if (!rate) return Error{rate.error().message + " (" + err + ")"};
      run.work_per_s = *rate;
      run.unit = "MiB/s";
      break;
    }
  }
  return run;
}

Status ScenarioBench::apply_static_best(std::vector<std::pair<std::string, std::string>>& undo) {
  for (const auto& b : scenario_.best_effort) {
    const std::string child = tenant(b.name);
    const std::vector<std::pair<hostfs::Controller, std::pair<const char*, const char*>>> settings =
        {{kCpu, {"cpu.shares", "2"}},
         {kCpu, {"cpu.idle", "1"}},
         {hostfs::Controller::kIo, {"blkio.bfq.weight", "1"}}};
    for (const auto& [controller, file_value] : settings) {
      const std::string dir = cgroups_->dir(controller, child);
      if (dir.empty()) continue;
      const std::string path = dir + "/" + file_value.first;
      if (::access(path.c_str(), W_OK) != 0) continue;  // e.g. no BFQ, an older kernel
      std::ifstream in(path);
      std::string old;
      std::getline(in, old);
      if (auto s = write_file(path, file_value.second); !s) return s;
      undo.emplace_back(path, old);
    }
  }
  return Status::success();
}

Result<Run> ScenarioBench::run(Controller controller, int repetition,
                               std::vector<std::string>& problems) {
  const std::string tag = std::string(to_string(controller)) + "-" + std::to_string(repetition);
  Run result;
  result.scenario = scenario_.name;
  result.controller = controller;
  result.repetition = repetition;
  Child agent;
  std::string state_dir;
  const bool with_agent = controller == Controller::rule || controller == Controller::feedback ||
                          controller == Controller::ppo;
  if (with_agent) {
    state_dir = scratch_ + "/agent-" + tag;
    std::error_code ec;
    fs::create_directories(state_dir, ec);
    if (ec) return Error{"cannot create " + state_dir + ": " + ec.message()};
    AgentConfigInput input;
    input.root_name = cgroups_->root_name();
    input.tenant_dirs = dirs("tenants");
    input.state_dir = state_dir;
    input.controller = controller;
    input.model_path = plan_.model_path;
    if (auto s = write_file(state_dir + "/config.yaml", agent_config(scenario_, input)); !s) {
      return s.error();
    }
    SpawnSpec spawn;
    spawn.argv = {options_.dwae_binary, "run", "--config", state_dir + "/config.yaml",
                  "--no-progress"};
    spawn.cgroup_dirs = dirs("agent");
    spawn.stdout_path = state_dir + "/agent.out";
    spawn.stderr_path = state_dir + "/agent.err";
    spawn.parent_death_signal = SIGTERM;  // it puts the values back on its way out
    auto child = Child::spawn(spawn);
    if (!child) return child.error();
    agent = std::move(*child);
    // Ready once it has written its first status file.
    const auto deadline = steady_clock::now() + milliseconds(20000);
    while (!fs::exists(state_dir + "/status.json")) {
      if (!agent.running()) {
        return Error{"the agent exited at start with " + std::to_string(agent.exit_code()) + ": " +
                     read_file_or_empty(spawn.stderr_path)};
      }
      if (interrupted()) return Error{interrupted_message()};
      if (steady_clock::now() > deadline) return Error{"the agent did not start within 20 s"};
      sleep_unless_interrupted(milliseconds(20));
    }
  }
  std::vector<std::pair<std::string, std::string>> undo;
  if (controller == Controller::static_best) {
    if (auto s = apply_static_best(undo); !s) return s.error();
    for (const auto& b : scenario_.best_effort) {
      result.weights.push_back({0.0, b.name, "cpu.weight", 1.0});
      result.weights.push_back({0.0, b.name, "cpu.idle", 1.0});
    }
  }
  const auto load_start = std::chrono::system_clock::now();
  std::vector<BestEffortLoad> loads;
  Status failure;
  for (const auto& b : scenario_.best_effort) {
    auto load = start_best_effort(b, tag);
    if (!load) {
      failure = load.error();
      break;
    }
    loads.push_back(std::move(*load));
  }
  const auto measured_from = steady_clock::now() + plan_.warmup;
  if (failure.ok()) {
    auto services = measure_services(true);
    if (services) {
      result.services = std::move(*services);
    } else {
      failure = services.error();
    }
  }
  result.duration_s = std::chrono::duration<double>(steady_clock::now() - measured_from).count();
  for (auto& load : loads) {
    auto be = stop_best_effort(load);
    if (!be && failure.ok() && !interrupted()) failure = be.error();
    if (be) result.best_effort.push_back(*be);
  }
  for (const auto& [path, old] : undo) (void)write_file(path, old);
  if (with_agent) {
    const int code = agent.stop(SIGTERM, milliseconds(20000));
    if (code != 0 && !interrupted()) {
      problems.push_back(scenario_.name + " " + tag + ": the agent exited with " +
                         std::to_string(code) + ": " +
                         read_file_or_empty(state_dir + "/agent.err").substr(0, 2000));
    }
    result.weights = weights_from_audit(read_file_or_empty(state_dir + "/audit.jsonl"), load_start);
  }
  if (interrupted()) return Error{interrupted_message()};
  if (!failure.ok()) return failure.error();
  return result;
}

std::vector<Controller> available_controllers(const std::string& model_path) {
  std::vector<Controller> out = {Controller::none, Controller::static_best, Controller::rule,
                                 Controller::feedback};
  if (!model_path.empty() && fs::exists(model_path)) out.push_back(Controller::ppo);
  return out;
}

}  // namespace

int count_cpus(const std::string& cpuset_list) {
  int count = 0;
  std::istringstream in(cpuset_list);
  for (std::string part; std::getline(in, part, ',');) {
    const auto dash = part.find('-');
    try {
      if (dash == std::string::npos) {
        if (part.find_first_not_of(" \n") == std::string::npos) continue;
        (void)std::stoi(part);
        ++count;
      } else {
        count += std::stoi(part.substr(dash + 1)) - std::stoi(part.substr(0, dash)) + 1;
      }
    } catch (const std::exception&) {
      return 0;
    }
  }
  return count;
}

ServiceRun median_service_run(const std::vector<ServiceRun>& runs) {
  if (runs.empty()) return {};
  const auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
  };
  const auto field = [&](double ServiceRun::*member) {
    std::vector<double> v;
    v.reserve(runs.size());
    for (const auto& r : runs) v.push_back(r.*member);
    return median(v);
  };
  ServiceRun out;
  out.name = runs.front().name;
  out.p50_s = field(&ServiceRun::p50_s);
  out.p99_s = field(&ServiceRun::p99_s);
  out.p999_s = field(&ServiceRun::p999_s);
  out.requests_per_s = field(&ServiceRun::requests_per_s);
  for (size_t i = 0; i < runs.front().cdf.size(); ++i) {
    std::vector<double> v;
    for (const auto& r : runs) {
      if (i < r.cdf.size()) v.push_back(r.cdf[i].seconds);
    }
    out.cdf.push_back({runs.front().cdf[i].q, median(v)});
  }
  return out;
}

Result<BenchPlan> plan_bench(const BenchOptions& options) {
  BenchPlan plan;
  plan.model_path = options.model_path;
  std::vector<std::string> names = options.scenarios;
  if (names.empty()) {
    if (options.short_mode) {
      names = {"steady-1to4"};
    } else {
      for (const auto& s : all_scenarios()) names.push_back(s.name);
    }
  }
  for (const auto& name : names) {
    if (std::count(names.begin(), names.end(), name) > 1) {
      return Error{"scenario '" + name + "' is named twice"};
    }
    auto s = find_scenario(name);
    if (!s) {
      std::string known;
      for (const auto& k : all_scenarios()) known += (known.empty() ? "" : ", ") + k.name;
      std::string message = "unknown scenario '" + name + "' (known: ";
      message += known;
      message += ")";
      return Error{message};
    }
    plan.scenarios.push_back(*s);
  }
  if (options.controllers.empty()) {
    plan.controllers = options.short_mode
                           ? std::vector<Controller>{Controller::none, Controller::feedback}
                           : available_controllers(options.model_path);
  } else {
    plan.controllers = options.controllers;
    for (const auto c : plan.controllers) {
      if (std::count(plan.controllers.begin(), plan.controllers.end(), c) > 1) {
        return Error{"controller '" + std::string(to_string(c)) + "' is named twice"};
      }
      if (c == Controller::ppo && (options.model_path.empty() || !fs::exists(options.model_path))) {
        return Error{"controller ppo needs a policy file; '" + options.model_path +
                     "' does not exist"};
      }
    }
  }
  plan.repetitions = options.repetitions > 0 ? options.repetitions : (options.short_mode ? 1 : 3);
  plan.warmup =
      options.warmup.count() > 0 ? options.warmup : milliseconds(options.short_mode ? 1000 : 1500);
  plan.measure = options.measure.count() > 0 ? options.measure
                                             : milliseconds(options.short_mode ? 3000 : 4000);
  if (plan.repetitions > kMaxRepetitions) {
    return Error{"--repetitions must be between 1 and " + std::to_string(kMaxRepetitions)};
  }
  return plan;
}

Result<BenchOutcome> run_bench(const BenchOptions& options, const BenchPlan& plan) {
  BenchOutcome outcome;
  BenchResults& results = outcome.results;
  results.host = host_description();
  results.started_utc = utc_now();
  results.short_mode = options.short_mode;
  results.controllers = plan.controllers;
  results.repetitions = plan.repetitions;
  const auto log = [&](const std::string& line) {
    if (options.log) options.log(line);
  };
  char scratch_template[] = "/tmp/dwae-bench-XXXXXX";
  if (::mkdtemp(scratch_template) == nullptr) return Error::from_errno("mkdtemp", errno);
  // mkdtemp makes it 0700; nginx's workers (nobody) must pass through it to what they serve.
  if (::chmod(scratch_template, 0711) != 0) return Error::from_errno("chmod", errno);
  const std::string scratch = scratch_template;
  struct RemoveScratch {
    std::string dir;
    ~RemoveScratch() {
      std::error_code ec;
      if (!dir.empty()) fs::remove_all(dir, ec);
    }
  } remove_scratch{options.keep_scratch ? "" : scratch};
  if (options.keep_scratch) log("scratch files in " + scratch);
  const size_t total_runs =
      plan.scenarios.size() * static_cast<size_t>(plan.repetitions) * (plan.controllers.size() + 1);
  size_t done = 0;
  for (const auto& scenario : plan.scenarios) {
    if (interrupted()) return Error{interrupted_message()};
    ScenarioBench bench(scenario, plan, options, scratch + "/" + scenario.name);
    log("scenario " + scenario.name + ": " + scenario.description);
    if (auto s = bench.setup(); !s) {
      return Error{"scenario " + scenario.name + ": " + s.error().message};
    }
    results.scenarios.push_back(scenario.name);
    std::map<std::string, std::vector<ServiceRun>> alone_runs;
    for (int rep = 0; rep < plan.repetitions; ++rep) {
      auto alone = bench.measure_services(false);
      if (!alone) return Error{"scenario " + scenario.name + " alone: " + alone.error().message};
      std::string alone_line = "[" + std::to_string(++done) + "/" + std::to_string(total_runs) +
                               "] " + scenario.name + " rep " + std::to_string(rep) + " alone:";
      for (const auto& s : *alone) {
        alone_runs[s.name].push_back(s);
        alone_line += " " + s.name + " P99 " + ms_text(s.p99_s);
      }
      log(alone_line);
      for (const auto controller : plan.controllers) {
        const auto slot_start = steady_clock::now();
        auto run = bench.run(controller, rep, outcome.problems);
        if (!run) {
          return Error{"scenario " + scenario.name + " " + std::string(to_string(controller)) +
                       ": " + run.error().message};
        }
        std::string line = "[" + std::to_string(++done) + "/" + std::to_string(total_runs) + "] " +
                           scenario.name + " rep " + std::to_string(rep) + " " +
                           std::string(to_string(controller)) + ":";
        for (const auto& s : run->services) line += " " + s.name + " P99 " + ms_text(s.p99_s);
        for (const auto& b : run->best_effort) {
          std::ostringstream rate;
          rate.precision(1);
          rate << std::fixed << b.work_per_s;
          line += ", " + b.name + " " + rate.str() + " " + b.unit;
        }
        std::ostringstream took;
        took.precision(1);
        took << std::fixed
             << std::chrono::duration<double>(steady_clock::now() - slot_start).count();
        line += " (" + took.str() + " s)";
        log(line);
        results.runs.push_back(std::move(*run));
      }
    }
    Alone alone;
    alone.scenario = scenario.name;
    for (const auto& s : scenario.services) {
      alone.services.push_back(median_service_run(alone_runs[s.name]));
    }
    results.alone.push_back(std::move(alone));
  }
  return outcome;
}

}  // namespace dwae::bench
