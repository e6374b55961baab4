// HttpServer: poll(2) on the listening socket and a wake pipe; requests are read with a
// deadline so a slow client cannot hold the thread for long.
#include "dwae/agent/http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace dwae::agent {
namespace {

constexpr int kRequestTimeoutMs = 2000;
constexpr size_t kMaxRequest = size_t{16} * 1024;

const char* reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    default:
      return "Bad Request";
  }
}

void write_all(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the client went away
    done += static_cast<size_t>(n);
  }
}

}  // namespace

Result<std::pair<std::string, int>> parse_host_port(const std::string& address) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == address.size()) {
    return Error{"metrics address '" + address + "' is not HOST:PORT"};
  }
  const std::string host = address.substr(0, colon);
  const std::string port_text = address.substr(colon + 1);
  char* end = nullptr;
  const long port = std::strtol(port_text.c_str(), &end, 10);
  if (*end != '\0' || port < 0 || port > 65535) {
    return Error{"metrics address '" + address + "': port must be 0..65535"};
  }
  in_addr addr{};
  if (::inet_pton(AF_INET, host.c_str(), &addr) != 1) {
    return Error{"metrics address '" + address + "': host must be an IPv4 address"};
  }
  return std::pair{host, static_cast<int>(port)};
}

HttpServer::~HttpServer() {
  stop();
}

Status HttpServer::start(const std::string& address, Handler handler) {
  auto hp = parse_host_port(address);
  if (!hp) return hp.error();
  handler_ = std::move(handler);
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) return Error::from_errno("socket", errno);
  const int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(hp->second));
  ::inet_pton(AF_INET, hp->first.c_str(), &sa.sin_addr);
  if (::bind(listen_fd_, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0 ||
      ::listen(listen_fd_, 16) != 0) {
    const int err = errno;
    ::close(listen_fd_);
    listen_fd_ = -1;
    return Error::from_errno("listening on " + address, err);
  }
  socklen_t len = sizeof sa;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&sa), &len);
  port_ = ntohs(sa.sin_port);
  if (::pipe2(wake_fds_, O_CLOEXEC) != 0) {
    const int err = errno;
    ::close(listen_fd_);
    listen_fd_ = -1;
    return Error::from_errno("pipe", err);
  }
  thread_ = std::thread([this] { serve(); });
  return Status::success();
}

void HttpServer::stop() {
  if (thread_.joinable()) {
    const char c = 'x';
    [[maybe_unused]] const ssize_t n = ::write(wake_fds_[1], &c, 1);
    thread_.join();
  }
  for (int* fd : {&listen_fd_, &wake_fds_[0], &wake_fds_[1]}) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
}

void HttpServer::serve() {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_fds_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    answer(fd);
    ::close(fd);
  }
}

void HttpServer::answer(int fd) {
  // One client at a time, so each gets kRequestTimeoutMs in all to send its request (a client
  // that trickles bytes must not hold the endpoint, nor the agent's stop), and as long for the
  // answer to leave.
  const timeval send_timeout{kRequestTimeoutMs / 1000,
                             static_cast<suseconds_t>(kRequestTimeoutMs % 1000) * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof send_timeout);
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(kRequestTimeoutMs);
  std::string request;
  char buf[4096];
  while (request.find("\r\n\r\n") == std::string::npos && request.size() < kMaxRequest) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) return;
    pollfd p[2] = {{fd, POLLIN, 0}, {wake_fds_[0], POLLIN, 0}};
    if (::poll(p, 2, static_cast<int>(left)) <= 0) return;
    if (p[1].revents != 0) return;  // stopping
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    request.append(buf, static_cast<size_t>(n));
  }
  HttpResponse response;
  const auto line_end = request.find("\r\n");
  const std::string line = request.substr(0, line_end);
  const auto sp1 = line.find(' ');
  const auto sp2 = sp1 == std::string::npos ? std::string::npos : line.find(' ', sp1 + 1);
  if (sp1 == std::string::npos || sp2 == std::string::npos) {
    response = {400, "text/plain; charset=utf-8", "bad request\n"};
  } else if (line.compare(0, sp1, "GET") != 0 && line.compare(0, sp1, "HEAD") != 0) {
    response = {405, "text/plain; charset=utf-8", "only GET\n"};
  } else {
    std::string path = line.substr(sp1 + 1, sp2 - sp1 - 1);
    if (const auto q = path.find('?'); q != std::string::npos) path.resize(q);
    response = handler_(path);
  }
  std::string head = "HTTP/1.1 " + std::to_string(response.status) + " " + reason(response.status) +
                     "\r\nContent-Type: " + response.content_type +
                     "\r\nContent-Length: " + std::to_string(response.body.size()) +
                     "\r\nConnection: close\r\n\r\n";
  const bool head_only = line.compare(0, 4, "HEAD") == 0;
  write_all(fd, head_only ? head : head + response.body);
}

}  // namespace dwae::agent
