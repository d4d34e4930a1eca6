#include "oci/digest.h"

#include <gtest/gtest.h>

#include <string>
#include <unordered_set>

namespace cangku::oci {
namespace {

constexpr char kEmptySha256[] =
    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr char kAbcSha256[] =
    "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

StatusCode CodeOf(std::string_view text) { return Digest::Parse(text).status().code(); }

TEST(DigestTest, ParsesSha256) {
  StatusOr<Digest> d = Digest::Parse(kAbcSha256);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->algorithm(), DigestAlgorithm::kSha256);
  EXPECT_EQ(d->algorithm_name(), "sha256");
  EXPECT_EQ(d->hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(d->str(), kAbcSha256);
}

TEST(DigestTest, ParsesSha512) {
  std::string text = "sha512:" + std::string(128, 'a');
  StatusOr<Digest> d = Digest::Parse(text);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->algorithm(), DigestAlgorithm::kSha512);
  EXPECT_EQ(d->algorithm_name(), "sha512");
  EXPECT_EQ(d->hex(), std::string(128, 'a'));
}

TEST(DigestTest, RefusesMalformed) {
  EXPECT_EQ(CodeOf(""), StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeOf("sha256"), StatusCode::kInvalidArgument);  // No colon.
  EXPECT_EQ(CodeOf("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeOf("sha256:"), StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeOf(":abc"), StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeOf("sha256:abc"), StatusCode::kInvalidArgument);  // Short.
  EXPECT_EQ(CodeOf("sha256:" + std::string(63, 'a')), StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeOf("sha256:" + std::string(65, 'a')), StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeOf("sha256:" + std::string(64, 'A')), StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeOf("sha256:" + std::string(63, 'a') + "g"), StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeOf("SHA256:" + std::string(64, 'a')), StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeOf("sha512:" + std::string(64, 'a')), StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeOf("sha256:" + std::string(64, 'a') + "\n"), StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeOf("sha256::" + std::string(64, 'a')), StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeOf("+sha256:" + std::string(64, 'a')), StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeOf("sha256+:" + std::string(64, 'a')), StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeOf("sha..256:" + std::string(64, 'a')), StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeOf("md5:d41d8cd9 8f00b204e9800998ecf8427e"), StatusCode::kInvalidArgument);
}

TEST(DigestTest, WellFormedOtherAlgorithmIsUnimplemented) {
  EXPECT_EQ(CodeOf("md5:d41d8cd98f00b204e9800998ecf8427e"), StatusCode::kUnimplemented);
  EXPECT_EQ(CodeOf("blake3:abc"), StatusCode::kUnimplemented);
  EXPECT_EQ(CodeOf("multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8"),
            StatusCode::kUnimplemented);
  EXPECT_EQ(CodeOf("sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564"),
            StatusCode::kUnimplemented);
}

TEST(DigestTest, Sha256OfKnownVectors) {
  EXPECT_EQ(Digest::Sha256Of("").str(), kEmptySha256);
  EXPECT_EQ(Digest::Sha256Of("abc").str(), kAbcSha256);
}

TEST(DigestTest, EqualityOrderingAndHash) {
  Digest a = Digest::Sha256Of("a");
  Digest b = Digest::Sha256Of("b");
  EXPECT_EQ(a, Digest::Sha256Of("a"));
  EXPECT_NE(a, b);
  EXPECT_TRUE(a < b || b < a);
  std::unordered_set<Digest> set = {a, b, Digest::Parse(a.str()).value()};
  EXPECT_EQ(set.size(), 2u);
}

TEST(DigesterTest, MatchesSha256Of) {
  Digester digester;
  digester.Update("hello, ");
  digester.Update("world");
  EXPECT_EQ(digester.Current(), Digest::Sha256Of("hello, world"));
}

TEST(DigesterTest, EmptyAndZeroLengthUpdates) {
  Digester digester;
  EXPECT_EQ(digester.Current().str(), kEmptySha256);
  digester.Update(nullptr, 0);
  EXPECT_EQ(digester.Current().str(), kEmptySha256);
}

TEST(DigesterTest, IncrementalByteByByteOverLargeInput) {
  std::string data;
  for (int i = 0; i < 100000; ++i) data.push_back(static_cast<char>(i * 31 + 7));
  Digester digester;
  for (size_t i = 0; i < data.size(); i += 997) {
    digester.Update(std::string_view(data).substr(i, 997));
  }
  EXPECT_EQ(digester.Current(), Digest::Sha256Of(data));
}

TEST(DigesterTest, CurrentThenMoreUpdates) {
  Digester digester;
  digester.Update("abc");
  EXPECT_EQ(digester.Current().str(), kAbcSha256);
  EXPECT_EQ(digester.Current().str(), kAbcSha256);  // Current() does not disturb the stream.
  digester.Update("def");
  EXPECT_EQ(digester.Current(), Digest::Sha256Of("abcdef"));
  digester.Update("ghi");
  EXPECT_EQ(digester.Current(), Digest::Sha256Of("abcdefghi"));
}

TEST(DigesterTest, Sha512) {
  Digester digester(DigestAlgorithm::kSha512);
  digester.Update("abc");
  Digest d = digester.Current();
  EXPECT_EQ(d.algorithm(), DigestAlgorithm::kSha512);
  EXPECT_EQ(d.str(),
            "sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
  EXPECT_TRUE(Digest::Parse(d.str()).ok());
}

TEST(DigesterTest, Movable) {
  Digester a;
  a.Update("ab");
  Digester b(std::move(a));
  b.Update("c");
  EXPECT_EQ(b.Current().str(), kAbcSha256);
  Digester c(DigestAlgorithm::kSha512);
  c = std::move(b);
  EXPECT_EQ(c.algorithm(), DigestAlgorithm::kSha256);
  EXPECT_EQ(c.Current().str(), kAbcSha256);
}

}  // namespace
}  // namespace cangku::oci
