// HttpServer: serves GET over a real loopback socket, answers unknown paths with 404 and
// other methods with 405, and refuses malformed addresses.
#include "dwae/agent/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "agent/agent_test_support.h"

namespace dwae::agent {
namespace {

std::string request(int port, const std::string& text) {
  return fixtures::http_exchange(port, text);
}

TEST(HttpServer, ServesPathsOverLoopback) {
  HttpServer server;
  ASSERT_TRUE(server
                  .start("127.0.0.1:0",
                         [](const std::string& path) {
                           if (path == "/metrics") return HttpResponse{200, "text/plain", "m 1\n"};
                           return HttpResponse{404, "text/plain", "no\n"};
                         })
                  .ok());
  ASSERT_GT(server.port(), 0);
  const std::string ok = request(server.port(), "GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(ok.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << ok;
  EXPECT_NE(ok.find("Content-Length: 4\r\n"), std::string::npos);
  EXPECT_EQ(ok.substr(ok.size() - 4), "m 1\n");
  EXPECT_EQ(request(server.port(), "GET /x HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 404", 0), 0u);
  EXPECT_EQ(request(server.port(), "POST /metrics HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 405", 0), 0u);
  EXPECT_EQ(request(server.port(), "garbage\r\n\r\n").rfind("HTTP/1.1 400", 0), 0u);
  server.stop();
  EXPECT_EQ(request(server.port(), "GET /metrics HTTP/1.1\r\n\r\n"), "connect failed");
}

// A client that trickles its request a byte at a time (for up to 30 s) holds the endpoint for
// the request deadline only: the next client is answered, and stop() returns, long before.
TEST(HttpServer, ATricklingClientHoldsTheEndpointForTheDeadlineOnly) {
  HttpServer server;
  ASSERT_TRUE(server
                  .start("127.0.0.1:0",
                         [](const std::string&) {
                           return HttpResponse{200, "text/plain", "m 1\n"};
                         })
                  .ok());
  const int slow = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(slow, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(server.port()));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(slow, reinterpret_cast<const sockaddr*>(&sa), sizeof sa), 0);
  std::atomic<bool> done{false};
  std::thread trickle([&] {
    for (int i = 0; i < 60 && !done; ++i) {  // 30 s at most
      if (::send(slow, "G", 1, MSG_NOSIGNAL) != 1) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
  });
  const auto t0 = std::chrono::steady_clock::now();
  const std::string ok = request(server.port(), "GET /metrics HTTP/1.1\r\n\r\n");
  const auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(ok.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << ok;
  EXPECT_LT(waited, std::chrono::seconds(10));  // not the trickle's 30 s
  // And a second trickler does not hold stop() either.
  const int slow2 = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_EQ(::connect(slow2, reinterpret_cast<const sockaddr*>(&sa), sizeof sa), 0);
  const auto t1 = std::chrono::steady_clock::now();
  server.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t1, std::chrono::seconds(10));
  done = true;
  trickle.join();
  ::close(slow);
  ::close(slow2);
}

TEST(HttpServer, RefusesBadAddressesAndBusyPorts) {
  HttpServer a;
  EXPECT_FALSE(a.start("localhost", [](const std::string&) { return HttpResponse{}; }).ok());
  EXPECT_FALSE(a.start("127.0.0.1:99999", [](const std::string&) { return HttpResponse{}; }).ok());
  EXPECT_FALSE(a.start("::1:80", [](const std::string&) { return HttpResponse{}; }).ok());
  ASSERT_TRUE(a.start("127.0.0.1:0", [](const std::string&) { return HttpResponse{}; }).ok());
  HttpServer b;
  const auto busy = b.start("127.0.0.1:" + std::to_string(a.port()),
                            [](const std::string&) { return HttpResponse{}; });
  ASSERT_FALSE(busy.ok());
  EXPECT_NE(busy.error().message.find("listening on 127.0.0.1:"), std::string::npos);
}

}  // namespace
}  // namespace dwae::agent
