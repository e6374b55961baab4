// fork/exec with the child joining its cgroups before exec, so not one instruction of the
// program runs outside them.
#include "dwae/bench/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace dwae::bench {
namespace {

volatile std::sig_atomic_t g_signal = 0;

extern "C" void on_interrupt(int sig) {
  g_signal = sig;
}

int status_code(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

void install_interrupt_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  for (const int sig : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(sig, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
}

bool interrupted() {
  return g_signal != 0;
}
int interrupt_signal() {
  return g_signal;
}

bool sleep_unless_interrupted(std::chrono::milliseconds d) {
  const auto end = std::chrono::steady_clock::now() + d;
  while (!interrupted()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= end) return true;
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(end - now, std::chrono::milliseconds(20)));
  }
  return false;
}

std::string read_file_or_empty(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Result<Child> Child::spawn(const SpawnSpec& spec) {
  if (spec.argv.empty()) return Error{"nothing to run"};
  // Everything the child needs is prepared before fork: it only makes system calls after.
  std::vector<std::string> procs;
  for (const auto& d : spec.cgroup_dirs) procs.push_back(d + "/cgroup.procs");
  std::vector<char*> args;
  for (const auto& a : spec.argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return Error::from_errno("fork", errno);
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, spec.parent_death_signal);
    // exec resets handled signals but keeps ignored ones: a tool must die of SIGPIPE as usual.
    for (const int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) ::signal(sig, SIG_DFL);
    char self[32];
    const int len = std::snprintf(self, sizeof self, "%d", static_cast<int>(::getpid()));
    for (const auto& file : procs) {
      const int fd = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
      if (fd < 0 || ::write(fd, self, static_cast<size_t>(len)) != len) _exit(126);
      ::close(fd);
    }
    const int in = ::open("/dev/null", O_RDONLY);
    const int out = ::open(spec.stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err = ::open(spec.stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (in < 0 || out < 0 || err < 0) _exit(126);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    if (!spec.cwd.empty() && ::chdir(spec.cwd.c_str()) != 0) _exit(126);
    ::execvp(args[0], args.data());
    _exit(127);
  }
  return Child(pid);
}

Child::Child(Child&& other) noexcept
    : pid_(other.pid_), code_(other.code_), exited_(other.exited_) {
  other.pid_ = -1;
}

Child& Child::operator=(Child&& other) noexcept {
  if (this != &other) {
    if (pid_ > 0 && !exited_) stop(SIGKILL, std::chrono::milliseconds(2000));
    pid_ = other.pid_;
    code_ = other.code_;
    exited_ = other.exited_;
    other.pid_ = -1;
  }
  return *this;
}

Child::~Child() {
  if (pid_ > 0 && !exited_) stop(SIGKILL, std::chrono::milliseconds(2000));
}

bool Child::running() {
  if (pid_ <= 0 || exited_) return false;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    exited_ = true;
    code_ = status_code(status);
  } else if (r < 0 && errno == ECHILD) {
    exited_ = true;
  }
  return !exited_;
}

bool Child::wait(std::chrono::milliseconds limit, bool stop_on_interrupt) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (running()) {
    if (stop_on_interrupt && interrupted()) return false;
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

int Child::stop(int sig, std::chrono::milliseconds limit) {
  if (!running()) return code_;
  ::kill(pid_, sig);
  if (!wait(limit, false)) {
    ::kill(pid_, SIGKILL);
    wait(std::chrono::milliseconds(5000), false);
  }
  return code_;
}

Result<std::string> run_to_completion(const std::vector<std::string>& argv,
                                      const std::vector<std::string>& cgroup_dirs,
                                      const std::string& scratch_prefix,
                                      std::chrono::milliseconds limit) {
  SpawnSpec spec;
  spec.argv = argv;
  spec.cgroup_dirs = cgroup_dirs;
  spec.stdout_path = scratch_prefix + ".out";
  spec.stderr_path = scratch_prefix + ".err";
  spec.parent_death_signal = SIGKILL;
  auto child = Child::spawn(spec);
  if (!child) return child.error();
  if (!child->wait(limit)) {
    child->stop(SIGKILL, std::chrono::milliseconds(2000));
    if (interrupted()) return Error{"interrupted"};
    return Error{argv[0] + " did not finish within " + std::to_string(limit.count()) + " ms"};
  }
  if (child->exit_code() != 0) {
    return Error{argv[0] + " exited with " + std::to_string(child->exit_code()) + ": " +
                 read_file_or_empty(spec.stderr_path)};
  }
  return read_file_or_empty(spec.stdout_path);
}

}  // namespace dwae::bench
