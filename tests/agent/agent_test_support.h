// Helpers shared by the agent tests.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "dwae/host/host.h"

namespace dwae::agent::fixtures {

inline WorkloadInfo info(const std::string& name, const std::string& class_name,
                         WorkloadClassKind kind) {
  WorkloadInfo i;
  i.name = name;
  i.class_name = class_name;
  i.class_kind = kind;
  return i;
}

// Sends `request` to 127.0.0.1:port and returns the whole response ("connect failed" when
// nothing listens).
inline std::string http_exchange(int port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return "connect failed";
  }
  ::send(fd, request.data(), request.size(), 0);
  std::string out;
  char buf[8192];
  ssize_t n = 0;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return out;
}

}  // namespace dwae::agent::fixtures
