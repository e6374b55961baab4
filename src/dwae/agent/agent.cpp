// The agent: wiring of config, real host, policy, actuator, metrics, audit and status around
// the control loop, with signals read through a signalfd so that a signal never interrupts a
// tick half-way.
#include "dwae/agent/agent.h"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>

#include "dwae/actuator/cgroup_actuator.h"
#include "dwae/actuator/filesystem.h"
#include "dwae/actuator/journal.h"
#include "dwae/agent/audit.h"
#include "dwae/agent/control_loop.h"
#include "dwae/agent/http_server.h"
#include "dwae/agent/log.h"
#include "dwae/agent/metrics.h"
#include "dwae/agent/real_host.h"
#include "dwae/agent/status.h"
#include "dwae/common/file_limit.h"
#include "dwae/common/lock_file.h"
#include "dwae/common/units.h"
#include "dwae/config/loader.h"
#include "dwae/hostfs/procfs.h"
#include "dwae/policy/feedback_policy.h"
#include "dwae/policy/ppo_policy.h"
#include "dwae/policy/rule_policy.h"
#include "dwae/policy/static_policy.h"

namespace dwae::agent {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitBadInput = 2;

// Ticks between two status file updates: about one second.
uint64_t status_every_ticks(Nanos period) {
  const auto n = std::chrono::seconds(1) / std::max(period, Nanos{1});
  return static_cast<uint64_t>(std::max<int64_t>(1, n));
}

std::string state_file(const config::AgentConfig& agent, const char* name) {
  return agent.state_dir + "/" + name;
}

uint32_t numa_nodes(const hostfs::HostPaths& paths) {
  uint32_t n = 0;
  std::error_code ec;
  for (const auto& e :
       std::filesystem::directory_iterator(paths.root + "/sys/devices/system/node", ec)) {
    const std::string name = e.path().filename();
    if (name.rfind("node", 0) == 0 && name.size() > 4 && std::isdigit(name[4]) != 0) ++n;
  }
  return std::max<uint32_t>(n, 1);
}

// Builds the configured policy for the workloads discovered now.
Result<std::unique_ptr<policy::Policy>> make_policy(const config::Config& config,
                                                    const RealHost& host,
                                                    const hostfs::HostPaths& paths) {
  std::map<std::string, ResourceTargets> base;
  double vcpus = 0;
  for (const auto& w : host.discovered()) {
    base[w.name] = configured_targets(w, config);
    vcpus += static_cast<double>(w.vcpus.size());
  }
  if (config.policy.kind == config::PolicyKind::kStatic) {
    return std::unique_ptr<policy::Policy>(std::make_unique<policy::StaticPolicy>(base));
  }
  policy::AdaptiveSetup setup;
  setup.base = std::move(base);
  setup.facts.numa_nodes = numa_nodes(paths);
  setup.facts.llc_domains = setup.facts.numa_nodes;
  const long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
  setup.facts.overcommit_ratio = vcpus > 0 ? vcpus / static_cast<double>(std::max(1L, cpus)) : 1.0;
  setup.shield.max_step = config.agent.max_step;
  switch (config.policy.kind) {
    case config::PolicyKind::kRule:
      return std::unique_ptr<policy::Policy>(std::make_unique<policy::RulePolicy>(setup));
    case config::PolicyKind::kPpo: {
      auto ppo = policy::PpoPolicy::load(setup, config.policy.model_path);
      if (!ppo) return ppo.error();
      return std::unique_ptr<policy::Policy>(std::move(*ppo));
    }
    default:
      return std::unique_ptr<policy::Policy>(std::make_unique<policy::FeedbackPolicy>(setup));
  }
}

std::vector<actuator::ManagedWorkload> managed_workloads(const config::Config& config,
                                                         const hostfs::CgroupLayout& layout,
                                                         const RealHost& host) {
  std::vector<actuator::ManagedWorkload> out;
  for (const auto& w : host.discovered()) {
    actuator::ManagedWorkload m;
    m.name = w.name;
    m.files = actuator::files_for(layout, w.dirs);
    if (const auto* cls = config.find_class(w.class_name)) m.bounds = cls->bounds;
    out.push_back(std::move(m));
  }
  return out;
}

// What set_workloads() put back for cgroups no longer managed, in the log.
void release_log(const actuator::RestoreReport& report) {
  if (report.restored + report.skipped + report.failed() == 0) return;
  log_info("workloads no longer managed: " + std::to_string(report.restored) +
           " values restored, " + std::to_string(report.skipped) + " skipped (cgroup gone), " +
           std::to_string(report.failed()) + " failed (kept for the restore at exit)");
  for (const auto& f : report.failures) log_error(f.describe());
}

ResourceTargets targets_of(const actuator::KnobState& k) {
  ResourceTargets t;
  if (k.cpu_weight) t.cpu_weight = static_cast<uint32_t>(*k.cpu_weight);
  t.cpu_quota_us = k.cpu_quota_us;
  t.cpu_period_us = k.cpu_period_us;
  t.cpu_burst_us = k.cpu_burst_us;
  t.cpu_idle = k.cpu_idle;
  t.cpuset_cpus = k.cpuset_cpus;
  t.cpuset_mems = k.cpuset_mems;
  t.memory_min_bytes = k.memory_min;
  t.memory_low_bytes = k.memory_low;
  t.memory_high_bytes = k.memory_high;
  t.memory_max_bytes = k.memory_max;
  if (k.io_weight) t.io_weight = static_cast<uint32_t>(*k.io_weight);
  t.io_limits = k.io_limits;
  return t;
}

// A dry run changes nothing, so the same plan comes back every tick for as long as the policy
// wants it: the audit log gets it once, when it starts being planned, and again only when it
// changes (a value it would change, from what or to what, or its result).
class PlannedChanges {
 public:
  // True when `records` (this tick's for `workload`) do not plan what was logged last for it.
  bool is_new(const std::string& workload, const std::vector<AuditRecord>& records) {
    std::string key;
    for (const auto& r : records) {
      key += r.resource + ' ' + r.old_value + ' ' + r.new_value + ' ' + r.result + '\n';
    }
    const auto [at, first] = logged_.try_emplace(workload);
    Logged& logged = at->second;
    logged.seen = true;
    if (!first && logged.key == key) return false;
    logged.key = std::move(key);
    return true;
  }
  // Ends a tick: a workload with no plan this tick starts afresh when planned again.
  void end_tick() {
    std::erase_if(logged_, [](const auto& entry) { return !entry.second.seen; });
    for (auto& [workload, logged] : logged_) logged.seen = false;
  }

 private:
  struct Logged {
    std::string key;    // what the plan logged last changes
    bool seen = false;  // planned this tick
  };
  std::map<std::string, Logged> logged_;
};

void print_diagnostics(const config::LoadResult& result, const std::string& path) {
  for (const auto& d : result.diagnostics) std::fprintf(stderr, "%s\n", d.format().c_str());
  std::fprintf(stderr, "%s: %zu error(s)\n", path.c_str(), result.diagnostics.size());
}

// Signals arrive through a signalfd: blocked for every thread (the metrics thread inherits the
// mask), read between ticks.
class Signals {
 public:
  Signals() {
    sigemptyset(&set_);
    for (const int s : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&set_, s);
    ::pthread_sigmask(SIG_BLOCK, &set_, &old_);
    fd_ = ::signalfd(-1, &set_, SFD_CLOEXEC | SFD_NONBLOCK);
  }
  ~Signals() {
    if (fd_ >= 0) ::close(fd_);
    // One that came while the agent was stopping (a second ^C, a reload) is spent: unblocked,
    // it would kill the process after the restore and replace the exit code.
    const timespec none{};
    while (::sigtimedwait(&set_, nullptr, &none) > 0) {
    }
    ::pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  Signals(const Signals&) = delete;
  Signals& operator=(const Signals&) = delete;
  bool ok() const { return fd_ >= 0; }
  // Waits up to `timeout` for a signal; returns its number or 0.
  int wait(Nanos timeout) const {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count();
    pollfd p{fd_, POLLIN, 0};
    const int n = ::poll(&p, 1, static_cast<int>(std::max<int64_t>(0, ms)));
    if (n <= 0) return 0;
    signalfd_siginfo info{};
    if (::read(fd_, &info, sizeof info) != sizeof info) return 0;
    return static_cast<int>(info.ssi_signo);
  }

 private:
  sigset_t set_{}, old_{};
  int fd_ = -1;
};

}  // namespace

std::string audit_path(const config::AgentConfig& agent) {
  return state_file(agent, "audit.jsonl");
}
std::string status_path(const config::AgentConfig& agent) {
  return state_file(agent, "status.json");
}
std::string journal_path(const config::AgentConfig& agent) {
  return agent.journal_path.empty() ? state_file(agent, "journal.json") : agent.journal_path;
}

int run_agent(const AgentOptions& options) {
  // A closed stderr pipe (`dwae run | head`, a log shipper that went away) must not kill the
  // agent before it restores what it changed: writes to it fail instead.
  ::signal(SIGPIPE, SIG_IGN);
  auto loaded = config::load_config_file(options.config_path);
  if (!loaded.ok()) {
    print_diagnostics(loaded, options.config_path);
    return kExitBadInput;
  }
  config::Config cfg = std::move(*loaded.config);
  if (options.dry_run) cfg.agent.dry_run = true;
  if (options.period) cfg.agent.period = *options.period;
  if (options.metrics_address) cfg.agent.metrics_address = *options.metrics_address;
  if (options.state_dir) cfg.agent.state_dir = *options.state_dir;
  if (cfg.agent.period < config::kMinAgentPeriod || cfg.agent.period > config::kMaxAgentPeriod) {
    std::fprintf(stderr, "period %s is outside %s .. %s\n",
                 format_duration(cfg.agent.period).c_str(),
                 format_duration(config::kMinAgentPeriod).c_str(),
                 format_duration(config::kMaxAgentPeriod).c_str());
    return kExitBadInput;
  }
  // A descriptor per statistics file of every watched cgroup: as many as the host allows.
  if (auto limit = raise_file_limit(); !limit) {
    log_warn("open-file limit not raised: " + limit.error().message);
  }

  auto layout = hostfs::detect_layout(options.paths);
  if (!layout) {
    log_error("cannot read the cgroup layout: " + layout.error().message);
    return kExitFailure;
  }
  std::error_code ec;
  std::filesystem::create_directories(cfg.agent.state_dir, ec);
  if (ec) {
    log_error("cannot create the state directory " + cfg.agent.state_dir + ": " + ec.message());
    return kExitFailure;
  }
  // One agent per state directory, dry-run or not: two would overwrite each other's status
  // file and interleave their audit logs.
  const std::string state_lock_path = state_file(cfg.agent, "agent.lock");
  const auto state_lock = LockFile::acquire(
      state_lock_path, "state directory " + cfg.agent.state_dir +
                           " is used by another running dwae (it holds " + state_lock_path +
                           "); give this one its own --state-dir");
  if (!state_lock) {
    log_error(state_lock.error().message);
    return kExitFailure;
  }

  // Signals are blocked before any thread starts, so every thread inherits the mask.
  Signals signals;
  if (!signals.ok()) {
    log_error(std::string("signalfd: ") + std::strerror(errno));
    return kExitFailure;
  }

  actuator::RealFileSystem fs;
  actuator::ActuatorOptions aopts;
  aopts.cgroup_roots = cfg.agent.cgroup_roots;
  aopts.journal_path = journal_path(cfg.agent);
  aopts.plan.hysteresis = cfg.agent.hysteresis;
  aopts.plan.max_step = cfg.agent.max_step;
  aopts.dry_run = cfg.agent.dry_run;
  if (!cfg.agent.dry_run) {
    if (auto j = actuator::Journal::open(aopts.journal_path); j && !j->entries().empty()) {
      log_warn("a previous run did not stop cleanly: restoring " +
               std::to_string(j->entries().size()) + " values from " + aopts.journal_path);
    }
  }
  auto act = actuator::CgroupActuator::create(*layout, aopts, fs);
  if (!act) {
    log_error(act.error().message);
    return kExitFailure;
  }

  RealHostOptions hopts;
  hopts.use_bpf = options.use_bpf;
  SteadyClock clock;
  RealHost host(cfg, *layout, hostfs::ProcFs(options.paths), clock, hopts);
  const std::string telemetry = host.telemetry_summary();
  log_info("telemetry: " + telemetry);

  if (auto w = host.workloads(); !w) {
    log_error("discovery failed: " + w.error().message);
    return kExitFailure;
  }
  auto pol = make_policy(cfg, host, options.paths);
  if (!pol) {
    log_error("policy: " + pol.error().message);
    return kExitFailure;
  }
  std::unique_ptr<policy::Policy> policy = std::move(*pol);
  release_log(act->set_workloads(managed_workloads(cfg, *layout, host)));
  uint64_t generation = host.generation();

  Metrics metrics;
  metrics.set_info(policy->name(), cfg.agent.dry_run);
  HttpServer server;
  if (!cfg.agent.metrics_address.empty()) {
    auto started = server.start(cfg.agent.metrics_address, [&metrics](const std::string& path) {
      if (path == "/metrics") {
        return HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8", metrics.render()};
      }
      if (path == "/") {
        return HttpResponse{200, "text/plain; charset=utf-8", "dwae agent: see /metrics\n"};
      }
      return HttpResponse{404, "text/plain; charset=utf-8", "not found\n"};
    });
    if (!started) {
      log_error("metrics endpoint: " + started.error().message);
      return kExitFailure;
    }
  }
  auto audit = AuditWriter::open(audit_path(cfg.agent));
  if (!audit) {
    log_error(audit.error().message);
    return kExitFailure;
  }

  ControlLoop loop(host, *act, *policy, clock);
  // New workloads: the actuator gets their directories, the policy their configured settings
  // (its state for the others carries on).
  loop.on_workloads([&](const std::vector<WorkloadInfo>&) {
    if (host.generation() == generation) return;
    generation = host.generation();
    release_log(act->set_workloads(managed_workloads(cfg, *layout, host)));
    for (const auto& w : host.discovered()) {
      loop.policy().set_configured(w.name, configured_targets(w, cfg));
    }
  });
  log_info(
      "started: " + std::to_string(host.discovered().size()) + " workloads, policy " +
      policy->name() + (cfg.agent.dry_run ? ", dry-run (nothing is written)" : "") + ", period " +
      format_duration(cfg.agent.period) +
      (cfg.agent.metrics_address.empty()
           ? ""
           : ", metrics on " +
                 cfg.agent.metrics_address.substr(0, cfg.agent.metrics_address.rfind(':') + 1) +
                 std::to_string(server.port())));

  StatusHeader header{static_cast<int>(::getpid()),
                      policy->name(),
                      cfg.agent.dry_run,
                      cfg.agent.period,
                      "real",
                      telemetry};
  PlannedChanges planned;
  const Nanos started = clock.now();
  Nanos next = started;
  uint64_t failures_logged = 0;
  bool running = true;
  while (running) {
    TickResult tick = loop.tick();
    if (!tick.ok) {
      if (failures_logged++ % 100 == 0) log_warn("tick failed: " + tick.error);
    } else {
      const auto now_wall = std::chrono::system_clock::now();
      std::map<std::string, const policy::WorkloadExplanation*> why;
      for (const auto& e : tick.explanations) why[e.workload] = &e;
      std::map<std::string, std::string> failed;
      for (const auto& f : tick.report.fields) {
        if (!f.ok) failed[f.workload] = f.field + ": " + f.message;
      }
      std::vector<AuditRecord> records;
      // The actuator's plans are this tick's only when it ran this tick.
      const std::vector<actuator::WorkloadPlan> no_plans;
      for (const auto& plan : tick.applied ? act->last_plans() : no_plans) {
        const auto e = why.find(plan.workload);
        const bool plan_failed = failed.count(plan.workload) != 0;
        auto rs = records_for_plan(plan, e == why.end() ? nullptr : e->second, policy->name(),
                                   cfg.agent.dry_run, plan_failed, now_wall);
        // Enforcing, every change is logged (each was written); a dry run logs a plan once.
        if (cfg.agent.dry_run && !planned.is_new(plan.workload, rs)) continue;
        for (auto& r : rs) {
          for (const auto& info : tick.workloads) {
            if (info.name == r.workload) r.class_name = info.class_name;
          }
        }
        records.insert(records.end(), rs.begin(), rs.end());
        if (!plan_failed && !cfg.agent.dry_run)
          host.note_applied(plan.workload, targets_of(plan.after));
      }
      for (const auto& [workload, why_failed] : failed) {
        std::string message = "workload ";
        message += workload;
        message += ": rolled back: ";
        message += why_failed;
        log_warn(message);
      }
      if (tick.applied) planned.end_tick();
      if (auto s = audit->write(records); !s) log_warn(s.error().message);
    }
    metrics.observe(tick);
    header.policy = policy->name();
    // The status file is for people: once a second is live enough, and a rename per tick is
    // a noticeable share of the agent's own cost.
    if ((loop.ticks() - 1) % status_every_ticks(cfg.agent.period) == 0) {
      if (auto s = write_atomically(
              status_path(cfg.agent),
              status_json(header, tick, loop.ticks(), std::chrono::system_clock::now()));
          !s) {
        if (failures_logged++ % 100 == 0) log_warn(s.error().message);
      }
    }

    next += cfg.agent.period;
    const Nanos now = clock.now();
    if (next < now) next = now;  // overran: start the next tick at once, do not catch up
    if (options.duration && now - started >= *options.duration) break;
    // Sleep until the next tick, handling signals as they come.
    for (;;) {
      const Nanos left = next - clock.now();
      const int sig = signals.wait(left.count() > 0 ? left : Nanos{0});
      if (sig == SIGTERM || sig == SIGINT) {
        log_info(std::string("received ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") + ": stopping");
        running = false;
        break;
      }
      if (sig == SIGHUP) {
        auto reloaded = config::load_config_file(options.config_path);
        if (!reloaded.ok()) {
          for (const auto& d : reloaded.diagnostics) log_error("reload refused: " + d.format());
          metrics.count_reload(false);
          continue;
        }
        config::Config next_cfg = std::move(*reloaded.config);
        // The agent section (roots, state, endpoint) stays as started; the rest applies now.
        // Say so when the file changed any of it (enforcing needs a restart, not a reload).
        const config::AgentConfig kept = cfg.agent;
        {
          const config::AgentConfig& in_file = next_cfg.agent;
          std::string ignored;
          const auto note = [&](bool changed, const char* name) {
            if (changed) ignored += std::string(ignored.empty() ? "" : ", ") + name;
          };
          note(!options.dry_run && in_file.dry_run != kept.dry_run, "dry_run");
          note(!options.state_dir && in_file.state_dir != kept.state_dir, "state_dir");
          note(!options.metrics_address && in_file.metrics_address != kept.metrics_address,
               "metrics_address");
          note(in_file.cgroup_roots != kept.cgroup_roots, "cgroup_roots");
          note(in_file.journal_path != kept.journal_path, "journal");
          note(in_file.hysteresis != kept.hysteresis, "hysteresis");
          note(in_file.max_step != kept.max_step, "max_step");
          if (!ignored.empty()) {
            log_warn("reload: agent." + ignored +
                     " changed in the file; that takes effect at the next start, not now");
          }
        }
        const Nanos new_period = next_cfg.agent.period;
        next_cfg.agent = kept;
        if (!options.period && new_period >= config::kMinAgentPeriod) {
          next_cfg.agent.period = new_period;
        }
        host.set_config(next_cfg);
        if (auto w = host.workloads(); !w) {
          log_error("reload refused: discovery: " + w.error().message);
          host.set_config(cfg);
          metrics.count_reload(false);
          continue;
        }
        auto p = make_policy(next_cfg, host, options.paths);
        if (!p) {
          log_error("reload refused: policy: " + p.error().message);
          host.set_config(cfg);
          metrics.count_reload(false);
          continue;
        }
        cfg = std::move(next_cfg);
        policy = std::move(*p);
        loop.set_policy(*policy);
        generation = host.generation();
        release_log(act->set_workloads(managed_workloads(cfg, *layout, host)));
        header.period = cfg.agent.period;
        metrics.set_info(policy->name(), cfg.agent.dry_run);
        metrics.count_reload(true);
        log_info("config reloaded: " + std::to_string(host.discovered().size()) +
                 " workloads, policy " + policy->name());
        continue;
      }
      if (clock.now() >= next) break;
    }
  }

  server.stop();
  const Status restored = act->restore();
  std::filesystem::remove(status_path(cfg.agent), ec);
  if (!restored) {
    log_error("restore failed: " + restored.error().message + " (run `dwae restore --journal " +
              journal_path(cfg.agent) + "`)");
    return kExitFailure;
  }
  log_info("stopped; every value touched was restored");
  return kExitOk;
}

}  // namespace dwae::agent
