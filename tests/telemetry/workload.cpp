// Test workloads for the collectors, one per subcommand; each does a known amount of one kind
// of work and exits 0 (non-zero with a message on failure).
//   io DEVICE seq-write|rand-read COUNT BLOCK_BYTES   O_DIRECT I/O on a block device
//   touch MEGABYTES                                    allocate and write anonymous memory
//   serve ADDRESS PORT                                 accept one TCP connection, read to EOF
//   send ADDRESS PORT BYTES                            connect (retrying) and send BYTES
//   spawn COUNT                                        fork+exec /bin/true COUNT times
//   pingpong ROUNDS OUT_FILE                           two threads bounce a byte ROUNDS times
//                                                      through pipes; writes the context
//                                                      switches of both threads (the kernel's
//                                                      own per-thread counters) to OUT_FILE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

int fail(const char* what) {
  std::fprintf(stderr, "workload: %s: %s\n", what, std::strerror(errno));
  return 1;
}

int block_io(const char* device, const std::string& mode, long count, long block) {
  const bool write = mode == "seq-write";
  const int fd = ::open(device, (write ? O_WRONLY : O_RDONLY) | O_DIRECT);
  if (fd < 0) return fail("open device");
  const off_t size = ::lseek(fd, 0, SEEK_END);
  if (size <= 0) return fail("device size");
  void* buf = nullptr;
  if (::posix_memalign(&buf, 4096, static_cast<size_t>(block)) != 0) return fail("memalign");
  std::memset(buf, 0x5a, static_cast<size_t>(block));
  std::mt19937_64 rng(42);  // seeded: the same offsets every run
  const auto blocks = static_cast<uint64_t>(size / block);
  for (long i = 0; i < count; ++i) {
    const off_t at =
        write ? static_cast<off_t>(i) * block : static_cast<off_t>(rng() % blocks) * block;
    const ssize_t n = write ? ::pwrite(fd, buf, static_cast<size_t>(block), at)
                            : ::pread(fd, buf, static_cast<size_t>(block), at);
    if (n != block) return fail("direct I/O");
  }
  std::free(buf);
  ::close(fd);
  return 0;
}

int touch(long megabytes) {
  const size_t bytes = static_cast<size_t>(megabytes) << 20;
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return fail("mmap");
  ::madvise(p, bytes, MADV_NOHUGEPAGE);  // one fault per 4 KiB page, whatever the THP setting
  auto* c = static_cast<volatile char*>(p);
  for (size_t i = 0; i < bytes; i += 4096) c[i] = 1;
  ::munmap(p, bytes);
  return 0;
}

sockaddr_in address_of(const char* ip, const char* port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(std::atoi(port)));
  ::inet_pton(AF_INET, ip, &a.sin_addr);
  return a;
}

int serve(const char* ip, const char* port) {
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  const int one = 1;
  ::setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  const sockaddr_in a = address_of(ip, port);
  if (::bind(s, reinterpret_cast<const sockaddr*>(&a), sizeof(a)) != 0) return fail("bind");
  if (::listen(s, 1) != 0) return fail("listen");
  const int c = ::accept(s, nullptr, nullptr);
  if (c < 0) return fail("accept");
  std::vector<char> buf(1 << 16);
  while (::read(c, buf.data(), buf.size()) > 0) {
  }
  ::close(c);
  ::close(s);
  return 0;
}

int send_bytes(const char* ip, const char* port, long long total) {
  const sockaddr_in a = address_of(ip, port);
  int s = -1;
  for (int attempt = 0; attempt < 500; ++attempt) {  // the server may not listen yet
    s = ::socket(AF_INET, SOCK_STREAM, 0);
    if (::connect(s, reinterpret_cast<const sockaddr*>(&a), sizeof(a)) == 0) break;
    ::close(s);
    s = -1;
    ::usleep(10'000);
  }
  if (s < 0) return fail("connect");
  std::vector<char> buf(1 << 16, 'x');
  long long sent = 0;
  while (sent < total) {
    const auto chunk = static_cast<size_t>(std::min<long long>(total - sent, 1 << 16));
    const ssize_t n = ::write(s, buf.data(), chunk);
    if (n <= 0) return fail("write");
    sent += n;
  }
  ::shutdown(s, SHUT_WR);
  while (::read(s, buf.data(), buf.size()) > 0) {  // until the server has read everything
  }
  ::close(s);
  return 0;
}

int spawn(long count) {
  for (long i = 0; i < count; ++i) {
    const pid_t pid = ::fork();
    if (pid < 0) return fail("fork");
    if (pid == 0) {
      ::execl("/bin/true", "true", static_cast<char*>(nullptr));
      _exit(127);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
  }
  return 0;
}

// Voluntary + involuntary context switches of the calling thread so far.
long long own_context_switches() {
  std::ifstream in("/proc/thread-self/status");
  std::string line;
  long long total = 0;
  while (std::getline(in, line)) {
    if (line.rfind("voluntary_ctxt_switches:", 0) == 0 ||
        line.rfind("nonvoluntary_ctxt_switches:", 0) == 0) {
      total += std::stoll(line.substr(line.find(':') + 1));
    }
  }
  return total;
}

int pingpong(long rounds, const char* out_path) {
  int ab[2];
  int ba[2];
  if (::pipe(ab) != 0 || ::pipe(ba) != 0) return fail("pipe");
  long long peer_switches = 0;
  std::thread peer([&] {
    char c = 0;
    for (long i = 0; i < rounds; ++i) {
      if (::read(ab[0], &c, 1) != 1 || ::write(ba[1], &c, 1) != 1) break;
    }
    peer_switches = own_context_switches();
  });
  char c = 'x';
  for (long i = 0; i < rounds; ++i) {
    if (::write(ab[1], &c, 1) != 1 || ::read(ba[0], &c, 1) != 1) break;
  }
  peer.join();
  std::ofstream out(out_path);
  out << own_context_switches() + peer_switches << "\n";
  return out ? 0 : fail("write OUT_FILE");
}

}  // namespace

int main(int argc, char** argv) {
  const std::string cmd = argc > 1 ? argv[1] : "";
  if (cmd == "io" && argc == 6)
    return block_io(argv[2], argv[3], std::atol(argv[4]), std::atol(argv[5]));
  if (cmd == "touch" && argc == 3) return touch(std::atol(argv[2]));
  if (cmd == "serve" && argc == 4) return serve(argv[2], argv[3]);
  if (cmd == "send" && argc == 5) return send_bytes(argv[2], argv[3], std::atoll(argv[4]));
  if (cmd == "spawn" && argc == 3) return spawn(std::atol(argv[2]));
  if (cmd == "pingpong" && argc == 4) return pingpong(std::atol(argv[2]), argv[3]);
  std::fprintf(stderr, "usage: workload io|touch|serve|send|spawn|pingpong ...\n");
  return 2;
}
