#include "http/tls.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "http/server.h"

namespace cangku::http {
namespace {

// Makes, with the openssl command, a CA, a server certificate for 127.0.0.1 and a client
// certificate it signed, a self-signed client certificate, and a key that matches nothing.
bool MakeCertificates(const std::string& dir) {
  std::string script =
      "(set -e; cd '" + dir +
      "'; k='-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes';"
      " openssl req -x509 $k -keyout ca.key -out ca.crt -days 2 -subj /CN=cangku-test-ca;"
      " printf 'subjectAltName=IP:127.0.0.1\\n' > server.ext;"
      " printf 'extendedKeyUsage=clientAuth\\n' > client.ext;"
      " for n in server client; do"
      "  openssl req $k -keyout $n.key -out $n.csr -subj /CN=$n;"
      "  openssl x509 -req -in $n.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2"
      "   -extfile $n.ext -out $n.crt;"
      " done;"
      " openssl req -x509 $k -keyout rogue.key -out rogue.crt -days 2 -subj /CN=rogue;"
      " openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out other.key;"
      " echo 'not a certificate' > garbage.pem) > openssl.log 2>&1";
  return std::system(script.c_str()) == 0;
}

// Serves GET /file?offset=&length= from the file, with SendFile; anything else gets "hello".
class FileHandler final : public Handler {
 public:
  explicit FileHandler(std::string path) : path_(std::move(path)) {}
  Task<void> Handle(Request& req, Response& resp) override {
    if (req.path() != "/file") {
      (co_await resp.Send(200, "hello")).IgnoreError();
      co_return;
    }
    uint64_t offset = std::stoull(req.query("offset").value_or("0"));
    uint64_t length = std::stoull(req.query("length").value_or("0"));
    int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    (co_await resp.SendFile(200, fd, offset, length)).IgnoreError();
    ::close(fd);
  }

 private:
  std::string path_;
};

struct Fetched {
  std::string response;  // what the server sent, up to the close
  std::string error;     // the handshake or read error; "" on a clean close
};

// Sends `request` over TLS, verifying the server against `ca`, with a client certificate when
// `client` names one ("client" for client.crt/client.key).
Fetched FetchTls(uint16_t port, const std::string& dir, const std::string& request,
                 const std::string& client = "") {
  asio::io_context io;
  ssl::context ctx(ssl::context::tls_client);
  ctx.load_verify_file(dir + "/ca.crt");
  ctx.set_verify_mode(ssl::verify_peer);
  if (!client.empty()) {
    ctx.use_certificate_chain_file(dir + "/" + client + ".crt");
    ctx.use_private_key_file(dir + "/" + client + ".key", ssl::context::pem);
  }
  ssl::stream<tcp::socket> stream(io, ctx);
  stream.set_verify_callback(ssl::host_name_verification("127.0.0.1"));
  Fetched out;
  beast::error_code ec;
  stream.next_layer().connect(tcp::endpoint(asio::ip::address_v4::loopback(), port), ec);
  if (!ec) stream.handshake(ssl::stream_base::client, ec);
  if (!ec) asio::write(stream, asio::buffer(request), ec);
  char buf[65536];
  while (!ec) {
    size_t n = stream.read_some(asio::buffer(buf), ec);
    out.response.append(buf, n);
  }
  if (ec != asio::error::eof && ec != ssl::error::stream_truncated) out.error = ec.message();
  return out;
}

std::string Get(const std::string& target) {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
}

std::string Body(const std::string& response) {
  size_t end = response.find("\r\n\r\n");
  return end == std::string::npos ? "" : response.substr(end + 4);
}

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/cangku-tls-XXXXXX";
    dir_ = new std::string(mkdtemp(tmpl));
    ASSERT_TRUE(MakeCertificates(*dir_)) << "openssl failed; see " << *dir_ << "/openssl.log";
    // A blob of a little more than four 256 KiB buffers.
    std::string data(1024 * 1024 + 4321, '\0');
    std::mt19937 rng(7);
    for (char& c : data) c = static_cast<char>(rng());
    std::ofstream(*dir_ + "/blob", std::ios::binary) << data;
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }
  void TearDown() override {
    if (!server_) return;
    server_->Shutdown();
    thread_.join();
  }

  ServerOptions Options(bool mtls = false) {
    ServerOptions o;
    o.port = 0;
    o.io_threads = 2;
    o.access_log = false;
    o.tls_cert_file = *dir_ + "/server.crt";
    o.tls_key_file = *dir_ + "/server.key";
    if (mtls) o.tls_client_ca_file = *dir_ + "/ca.crt";
    return o;
  }
  StatusOr<std::unique_ptr<Server>> Create(const ServerOptions& o) {
    return Server::Create(o, handler_, logger_, logger_);
  }
  uint16_t Start(const ServerOptions& o) {
    auto server = Create(o);
    EXPECT_TRUE(server.ok()) << server.status().ToString();
    if (!server.ok()) return 0;
    server_ = std::move(*server);
    thread_ = std::thread([this] { server_->Run(); });
    return server_->port();
  }
  static std::string Blob() {
    std::ifstream in(*dir_ + "/blob", std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  static std::string* dir_;
  std::shared_ptr<Logger> logger_ = MakeStderrLogger("test", LogFormat::kText, "warn");
  FileHandler handler_{*dir_ + "/blob"};
  std::unique_ptr<Server> server_;
  std::thread thread_;
};

std::string* TlsTest::dir_ = nullptr;

TEST_F(TlsTest, HttpsRequestWorks) {
  uint16_t port = Start(Options());
  Fetched f = FetchTls(port, *dir_, Get("/"));
  EXPECT_EQ(f.error, "");
  EXPECT_EQ(f.response.rfind("HTTP/1.1 200", 0), 0u) << f.response;
  EXPECT_EQ(Body(f.response), "hello");
}

TEST_F(TlsTest, SendFileGoesThroughTlsWithRanges) {
  uint16_t port = Start(Options());
  std::string blob = Blob();
  Fetched f = FetchTls(port, *dir_, Get("/file?offset=0&length=" + std::to_string(blob.size())));
  EXPECT_EQ(f.error, "");
  EXPECT_TRUE(Body(f.response) == blob) << "whole blob differs";
  f = FetchTls(port, *dir_, Get("/file?offset=300000&length=500001"));
  EXPECT_TRUE(Body(f.response) == blob.substr(300000, 500001)) << "range differs";
}

TEST_F(TlsTest, PlainHttpToHttpsPortIsToldToUseHttps) {
  uint16_t port = Start(Options());
  asio::io_context io;
  tcp::socket socket(io);
  beast::error_code ec;
  socket.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port), ec);
  ASSERT_FALSE(ec) << ec.message();
  asio::write(socket, asio::buffer(Get("/")), ec);
  std::string response(4096, '\0');
  size_t n = asio::read(socket, asio::buffer(response), ec);
  response.resize(n);
  EXPECT_EQ(response.rfind("HTTP/1.1 400", 0), 0u) << response;
  EXPECT_NE(response.find("https://"), std::string::npos) << response;
}

TEST_F(TlsTest, MutualTlsNeedsAClientCertificateFromTheCa) {
  uint16_t port = Start(Options(/*mtls=*/true));
  Fetched f = FetchTls(port, *dir_, Get("/"), "client");
  EXPECT_EQ(f.error, "");
  EXPECT_EQ(Body(f.response), "hello");
  // TLS 1.3 clients finish their side of the handshake before the server checks their
  // certificate: the refusal shows as an alert instead of a response.
  for (std::string client : {"", "rogue"}) {
    f = FetchTls(port, *dir_, Get("/"), client);
    EXPECT_NE(f.error, "") << client;
    EXPECT_EQ(f.response, "") << client;
  }
}

TEST_F(TlsTest, CreateRefusesBadFiles) {
  struct Case {
    std::string cert, key, ca, needle;
  };
  const std::string d = *dir_;
  std::vector<Case> cases = {
      {d + "/missing.crt", d + "/server.key", "", "cannot read TLS certificate"},
      {d + "/garbage.pem", d + "/server.key", "", "is not a PEM certificate chain"},
      {d + "/server.crt", d + "/missing.key", "", "cannot read TLS key"},
      {d + "/server.crt", d + "/garbage.pem", "", "is not an unencrypted PEM private key"},
      {d + "/server.crt", d + "/other.key", "", "does not match the certificate"},
      {d + "/server.crt", d + "/client.key", "", "does not match the certificate"},
      {d + "/server.crt", d + "/server.key", d + "/missing.pem", "cannot read TLS client CA"},
      {d + "/server.crt", d + "/server.key", d + "/garbage.pem", "holds no PEM certificate"},
      {d + "/server.crt", "", "", "both a certificate and a key"},
      {"", "", d + "/ca.crt", "needs a certificate and key"},
  };
  for (const Case& c : cases) {
    ServerOptions o = Options();
    o.tls_cert_file = c.cert;
    o.tls_key_file = c.key;
    o.tls_client_ca_file = c.ca;
    auto server = Create(o);
    ASSERT_EQ(server.status().code(), StatusCode::kInvalidArgument) << c.needle;
    EXPECT_NE(server.status().message().find(c.needle), std::string::npos)
        << server.status().message();
  }
}

}  // namespace
}  // namespace cangku::http
