// A small HTTP/1.1 server for the metrics endpoint: one thread, one connection at a time, GET
// only, each response closes its connection. Enough for Prometheus scrapes and curl, with no
// thread pool in the agent.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include "dwae/common/result.h"

namespace dwae::agent {

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

class HttpServer {
 public:
  // path (without the query string) -> response; called on the server thread.
  using Handler = std::function<HttpResponse(const std::string& path)>;

  HttpServer() = default;
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  ~HttpServer();

  // Binds "HOST:PORT" (an IPv4 address; port 0 picks a free port) and starts serving.
  Status start(const std::string& address, Handler handler);
  void stop();
  // The bound port (useful after binding port 0).
  int port() const { return port_; }

 private:
  void serve();
  void answer(int fd);

  Handler handler_;
  int listen_fd_ = -1;
  int wake_fds_[2] = {-1, -1};
  int port_ = 0;
  std::thread thread_;
};

// Splits "HOST:PORT"; fails with a message naming the address when malformed.
Result<std::pair<std::string, int>> parse_host_port(const std::string& address);

}  // namespace dwae::agent
