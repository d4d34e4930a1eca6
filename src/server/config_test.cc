#include "server/config.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>

namespace cangku::server {
namespace {

std::string WriteTemp(const std::string& text) {
  char path[] = "/tmp/cangku-config-XXXXXX";
  int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  close(fd);
  std::ofstream(path) << text;
  return path;
}

TEST(ConfigTest, DefaultsNeedNoFile) {
  auto c = LoadConfig("", {});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->addr, "127.0.0.1:5000");
  EXPECT_EQ(c->data_dir, "./data");
  EXPECT_EQ(c->max_manifest_bytes, 4 * 1024 * 1024);
}

TEST(ConfigTest, FileThenEnvironment) {
  std::string path = WriteTemp("http:\n  addr: 127.0.0.1:6000\nlog:\n  format: json\n");
  auto c = LoadConfig(
      path, {{"CANGKU_HTTP_ADDR", "127.0.0.1:7000"}, {"CANGKU_LIMITS_MAX_PAGE_SIZE", "50"}});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->addr, "127.0.0.1:7000");
  EXPECT_EQ(c->max_page_size, 50);
  EXPECT_EQ(c->log_format, LogFormat::kJson);
  unlink(path.c_str());
}

TEST(ConfigTest, UnknownKeyNamesKeyAndLine) {
  std::string path = WriteTemp("http:\n  addr: 127.0.0.1:6000\n  adr: x\n");
  auto c = LoadConfig(path, {});
  ASSERT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(c.status().message().find(":3:"), std::string::npos) << c.status().message();
  EXPECT_NE(c.status().message().find("http.adr"), std::string::npos);
  unlink(path.c_str());
}

TEST(ConfigTest, BadValues) {
  std::string path = WriteTemp("limits:\n  max_page_size: many\n");
  auto c = LoadConfig(path, {});
  ASSERT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(c.status().message().find(":2:"), std::string::npos);
  EXPECT_NE(c.status().message().find("not an integer"), std::string::npos);
  unlink(path.c_str());
  EXPECT_EQ(LoadConfig("", {{"CANGKU_HTTP_ADDR", "nowhere"}}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(LoadConfig("", {{"CANGKU_LOG_LEVEL", "loud"}}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(LoadConfig("/nonexistent/cangku.yaml", {}).status().code(), StatusCode::kNotFound);
  path = WriteTemp("http: [1, 2\n");
  EXPECT_EQ(LoadConfig(path, {}).status().code(), StatusCode::kInvalidArgument);
  unlink(path.c_str());
}

TEST(ConfigTest, TlsKeysFromFileAndEnvironment) {
  std::string path = WriteTemp("tls:\n  cert: /etc/cangku/tls.crt\n  key: /etc/cangku/tls.key\n");
  auto c = LoadConfig(path, {{"CANGKU_TLS_CLIENT_CA", "/etc/cangku/ca.crt"}});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->tls_cert, "/etc/cangku/tls.crt");
  EXPECT_EQ(c->tls_key, "/etc/cangku/tls.key");
  EXPECT_EQ(c->tls_client_ca, "/etc/cangku/ca.crt");
  EXPECT_FALSE(c->allow_insecure);
  unlink(path.c_str());
  for (const char* key : {"tls.cert", "tls.key", "tls.client_ca", "http.allow_insecure"}) {
    EXPECT_EQ(ConfigKeys().count(key), 1u) << key;
  }
}

// The message of LoadConfig's error for `env`, "" when it succeeds.
std::string ErrorOf(const std::map<std::string, std::string>& env) {
  auto c = LoadConfig("", env);
  if (c.ok()) return "";
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  return std::string(c.status().message());
}

TEST(ConfigTest, TlsKeysComeTogether) {
  EXPECT_NE(ErrorOf({{"CANGKU_TLS_CERT", "a.crt"}}).find("tls.cert is set without tls.key"),
            std::string::npos);
  EXPECT_NE(ErrorOf({{"CANGKU_TLS_KEY", "a.key"}}).find("tls.key is set without tls.cert"),
            std::string::npos);
  EXPECT_NE(ErrorOf({{"CANGKU_TLS_CLIENT_CA", "ca.crt"}}).find("tls.client_ca"), std::string::npos);
  EXPECT_EQ(ErrorOf({{"CANGKU_TLS_CERT", "a.crt"}, {"CANGKU_TLS_KEY", "a.key"}}), "");
}

TEST(ConfigTest, PlainHttpOnlyOnLoopbackUnlessAllowed) {
  for (const char* addr : {"127.0.0.1:5000", "127.1.2.3:0", "[::1]:5000", "localhost:5000",
                           "[::ffff:127.0.0.1]:5000"}) {
    EXPECT_EQ(ErrorOf({{"CANGKU_HTTP_ADDR", addr}}), "") << addr;
  }
  for (const char* addr :
       {"0.0.0.0:5000", "[::]:5000", "10.0.0.5:5000", "registry.example:443", "128.0.0.1:5000"}) {
    std::string err = ErrorOf({{"CANGKU_HTTP_ADDR", addr}});
    EXPECT_NE(err.find("not a loopback address"), std::string::npos) << addr << ": " << err;
    for (const char* key : {"tls.cert", "tls.key", "http.allow_insecure"}) {
      EXPECT_NE(err.find(key), std::string::npos) << addr << ": " << err;
    }
    EXPECT_EQ(ErrorOf({{"CANGKU_HTTP_ADDR", addr}, {"CANGKU_HTTP_ALLOW_INSECURE", "true"}}), "");
    EXPECT_EQ(ErrorOf({{"CANGKU_HTTP_ADDR", addr},
                       {"CANGKU_TLS_CERT", "a.crt"},
                       {"CANGKU_TLS_KEY", "a.key"}}),
              "");
  }
  std::string path = WriteTemp("http:\n  addr: 0.0.0.0:5000\n  allow_insecure: yes\n");
  EXPECT_TRUE(LoadConfig(path, {}).ok());
  unlink(path.c_str());
}

}  // namespace
}  // namespace cangku::server
