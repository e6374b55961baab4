// HttpServer: serves GET over a real loopback socket, answers unknown paths with 404 and
// other methods with 405, and refuses malformed addresses.
#include "dwae/agent/http_server.h"

#include <gtest/gtest.h>

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
