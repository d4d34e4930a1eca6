#include "oci/reference.h"

#include <gtest/gtest.h>

#include <string>

namespace cangku::oci {
namespace {

StatusCode NameCode(std::string_view name) { return ValidateRepositoryName(name).code(); }
StatusCode TagCode(std::string_view tag) { return ValidateTag(tag).code(); }

TEST(RepositoryNameTest, AcceptsValidNames) {
  for (std::string_view name :
       {"a", "library/ubuntu", "my-org/my.app/sub_dir", "a__b", "a--b", "a---b", "a.b", "a_b", "0",
        "9lives/x0", "a/b/c/d/e/f", "foo-bar.baz__qux"}) {
    EXPECT_TRUE(ValidateRepositoryName(name).ok()) << name;
  }
}

TEST(RepositoryNameTest, RefusesTraversalAndMalformedNames) {
  const std::string_view kBadNames[] = {"",
                                        "..",
                                        "../etc",
                                        "a/../b",
                                        "a/./b",
                                        "./a",
                                        "%2e%2e",
                                        "a/%2e%2e/b",
                                        "a%2fb",
                                        "Ubuntu",
                                        "library/Ubuntu",
                                        "a//b",
                                        "/a",
                                        "a/",
                                        "-a",
                                        "a-",
                                        "_a",
                                        "a_",
                                        ".a",
                                        "a.",
                                        "a___b",
                                        "a..b",
                                        "a._b",
                                        "a_-b",
                                        "a b",
                                        "a\nb",
                                        "a:b",
                                        "a@b",
                                        "a\\b",
                                        std::string_view("a\0b", 3),
                                        "a/-b",
                                        "a/b.",
                                        "/"};
  for (std::string_view name : kBadNames) {
    Status status = ValidateRepositoryName(name);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << "\"" << name << "\"";
    EXPECT_FALSE(status.message().empty());
  }
}

TEST(RepositoryNameTest, LengthLimit) {
  std::string name(255, 'a');
  EXPECT_TRUE(ValidateRepositoryName(name).ok());
  name.push_back('a');
  Status status = ValidateRepositoryName(name);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("255"), std::string::npos) << status.message();
  EXPECT_EQ(NameCode(std::string(126, 'a') + "/" + std::string(128, 'b')), StatusCode::kOk);
  EXPECT_EQ(NameCode(std::string(127, 'a') + "/" + std::string(128, 'b')),
            StatusCode::kInvalidArgument);
}

TEST(RepositoryNameTest, MessagesSayWhatIsWrong) {
  EXPECT_NE(ValidateRepositoryName("Abc").message().find("uppercase"), std::string::npos);
  EXPECT_NE(ValidateRepositoryName("aB").message().find("uppercase"), std::string::npos);
  EXPECT_NE(ValidateRepositoryName("a//b").message().find("'/'"), std::string::npos);
}

TEST(TagTest, AcceptsValidTags) {
  for (std::string_view tag : {"latest", "v1.2.3", "_hidden", "A", "1", "Release-Candidate_2",
                               "sha256-abc.sig", "a..b", "a--"}) {
    EXPECT_TRUE(ValidateTag(tag).ok()) << tag;
  }
  EXPECT_EQ(TagCode(std::string(128, 'x')), StatusCode::kOk);
}

TEST(TagTest, RefusesInvalidTags) {
  EXPECT_EQ(TagCode(std::string(129, 'x')), StatusCode::kInvalidArgument);
  for (std::string_view tag :
       {"", ".hidden", "-dash", "a/b", "a:b", "a b", "a@b", "tag\n", "ä", "..", "%2e"}) {
    EXPECT_EQ(TagCode(tag), StatusCode::kInvalidArgument) << "\"" << tag << "\"";
  }
}

TEST(ReferenceTest, ParsesTag) {
  StatusOr<Reference> ref = Reference::Parse("v1.0");
  ASSERT_TRUE(ref.ok());
  EXPECT_FALSE(ref->is_digest());
  EXPECT_EQ(ref->tag(), "v1.0");
  EXPECT_EQ(ref->str(), "v1.0");
}

TEST(ReferenceTest, ParsesDigest) {
  std::string text = "sha256:" + std::string(64, '0');
  StatusOr<Reference> ref = Reference::Parse(text);
  ASSERT_TRUE(ref.ok());
  EXPECT_TRUE(ref->is_digest());
  EXPECT_EQ(ref->digest().str(), text);
  EXPECT_EQ(ref->str(), text);
}

TEST(ReferenceTest, Errors) {
  EXPECT_EQ(Reference::Parse("").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Reference::Parse(".bad").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Reference::Parse("sha256:abc").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Reference::Parse("latest:").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Reference::Parse("md5:d41d8cd98f00b204e9800998ecf8427e").status().code(),
            StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace cangku::oci
