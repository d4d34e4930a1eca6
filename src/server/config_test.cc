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

}  // namespace
}  // namespace cangku::server
