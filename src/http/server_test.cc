#include "http/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

namespace cangku::http {
namespace {

// Echoes the body length back, or streams a fixed payload for GET.
class EchoHandler final : public Handler {
 public:
  Task<void> Handle(Request& req, Response& resp) override {
    if (req.method() == "GET" || req.method() == "HEAD") {
      resp.SetHeader("X-Path", req.path());
      (co_await resp.Send(200, "hello " + req.query("who").value_or("nobody"))).IgnoreError();
      co_return;
    }
    std::vector<char> buf(7);
    uint64_t total = 0;
    for (;;) {
      StatusOr<size_t> n = co_await req.ReadBody(buf);
      if (!n.ok() || *n == 0) break;
      total += *n;
    }
    (co_await resp.Send(201, std::to_string(total))).IgnoreError();
  }
};

std::string Exchange(uint16_t port, const std::string& request) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  EXPECT_EQ(write(fd, request.data(), request.size()), static_cast<ssize_t>(request.size()));
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  close(fd);
  return out;
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.port = 0;
    options.io_threads = 2;
    options.access_log = false;
    logger_ = MakeStderrLogger("test", LogFormat::kText, "warn");
    auto server = Server::Create(options, handler_, logger_, logger_);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    thread_ = std::thread([this] { server_->Run(); });
  }
  void TearDown() override {
    server_->Shutdown();
    thread_.join();
  }
  EchoHandler handler_;
  std::shared_ptr<Logger> logger_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
};

TEST_F(ServerTest, GetWithQuery) {
  std::string r = Exchange(server_->port(),
                           "GET /a/b?who=me%21 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(r.find("HTTP/1.1 200"), std::string::npos) << r;
  EXPECT_NE(r.find("X-Path: /a/b"), std::string::npos);
  EXPECT_NE(r.find("hello me!"), std::string::npos);
}

TEST_F(ServerTest, HeadHasLengthButNoBody) {
  std::string r =
      Exchange(server_->port(), "HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(r.find("Content-Length: 12"), std::string::npos) << r;
  EXPECT_EQ(r.find("hello"), std::string::npos);
}

TEST_F(ServerTest, StreamsLengthAndChunkedBodies) {
  std::string r = Exchange(server_->port(),
                           "PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\nConnection: "
                           "close\r\n\r\n01234567890123456789");
  EXPECT_NE(r.find("\r\n\r\n20"), std::string::npos) << r;
  r = Exchange(server_->port(),
               "PUT / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: "
               "close\r\n\r\n5\r\nhello\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n");
  EXPECT_NE(r.find("\r\n\r\n21"), std::string::npos) << r;
}

TEST_F(ServerTest, KeepAliveServesSeveralRequests) {
  std::string r = Exchange(server_->port(),
                           "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: "
                           "x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(r.find("X-Path: /1"), std::string::npos) << r;
  EXPECT_NE(r.find("X-Path: /2"), std::string::npos) << r;
}

TEST_F(ServerTest, MalformedRequestGets400) {
  std::string r = Exchange(server_->port(), "NONSENSE\r\n\r\n");
  EXPECT_NE(r.find("400"), std::string::npos) << r;
}

}  // namespace
}  // namespace cangku::http
