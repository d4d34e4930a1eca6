#include "auth/password.h"

#include <gtest/gtest.h>

#include <string>

namespace cangku::auth {
namespace {

// Returns the same byte, as hex, however many are asked for: makes salts predictable.
class FixedRandom final : public Random {
 public:
  explicit FixedRandom(std::string byte_hex) : byte_hex_(std::move(byte_hex)) {}
  std::string Hex(size_t bytes) override {
    std::string out;
    for (size_t i = 0; i < bytes; ++i) out += byte_hex_;
    return out;
  }

 private:
  std::string byte_hex_;
};

// Known answers published with OpenBSD's bcrypt and jBCrypt (cost 6). htpasswd -B writes $2y$,
// which computes the same hash for these ASCII passwords.
struct Vector {
  const char* password;
  const char* hash;
};
constexpr Vector kVectors[] = {
    {"a", "$2a$06$m0CrhHm10qJ3lXRY.5zDGO3rS2KdeeWLuGmsfGlMfOxih58VYVfxe"},
    {"abc", "$2a$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i"},
    {"abcdefghijklmnopqrstuvwxyz", "$2a$06$.rCVZVOThsIa97pEDOxvGuRRgzG64bvtJ0938xuqzv18d3ZpQhstC"},
    {"~!@#$%^&*()      ~!@#$%^&*()PNBFRD",
     "$2y$06$fPIsBO8qRqkjj273rfaOI.HtSV9jLDpTbZn782DC6/t7qT67P6FfO"},
    {"abc", "$2b$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i"},
};

TEST(PasswordTest, VerifiesKnownBcryptVectors) {
  for (const Vector& v : kVectors) {
    EXPECT_TRUE(IsBcryptHash(v.hash)) << v.hash;
    EXPECT_TRUE(VerifyPassword(v.password, v.hash)) << v.password;
    EXPECT_FALSE(VerifyPassword(std::string(v.password) + "x", v.hash)) << v.password;
  }
}

TEST(PasswordTest, HashRoundTrip) {
  SystemRandom random;
  StatusOr<std::string> hash = HashPassword("correct horse", random, 4);
  ASSERT_TRUE(hash.ok()) << hash.status().ToString();
  EXPECT_EQ(hash->substr(0, 7), "$2b$04$");
  EXPECT_EQ(hash->size(), 60u);
  EXPECT_TRUE(IsBcryptHash(*hash));
  EXPECT_TRUE(VerifyPassword("correct horse", *hash));
  EXPECT_FALSE(VerifyPassword("correct horsE", *hash));
  EXPECT_FALSE(VerifyPassword("correct hors", *hash));
  EXPECT_FALSE(VerifyPassword("", *hash));
}

TEST(PasswordTest, DefaultCostAndFreshSalts) {
  SystemRandom random;
  StatusOr<std::string> a = HashPassword("secret", random);
  StatusOr<std::string> b = HashPassword("secret", random);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->substr(0, 7), "$2b$10$");
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(VerifyPassword("secret", *a));
  EXPECT_TRUE(VerifyPassword("secret", *b));
}

TEST(PasswordTest, SaltComesFromRandom) {
  // Expected values computed with Python's crypt module over the same settings.
  FixedRandom zeros("00");
  StatusOr<std::string> hash = HashPassword("secret", zeros, 4);
  ASSERT_TRUE(hash.ok()) << hash.status().ToString();
  EXPECT_EQ(*hash, "$2b$04$....................../dCAsp4PpJoDgv6BeaLP6BKrXlBV1oi");
}

TEST(PasswordTest, HashRefusesBadInput) {
  SystemRandom random;
  EXPECT_EQ(HashPassword("", random, 4).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(HashPassword(std::string(73, 'x'), random, 4).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(HashPassword(std::string(72, 'x'), random, 4).ok());
  EXPECT_EQ(HashPassword(std::string("a\0b", 3), random, 4).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(HashPassword("pw", random, 3).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(HashPassword("pw", random, 32).status().code(), StatusCode::kInvalidArgument);
  FixedRandom broken("zz");
  EXPECT_EQ(HashPassword("pw", broken, 4).status().code(), StatusCode::kInternal);
}

TEST(PasswordTest, NulByteDoesNotTruncate) {
  // libxcrypt sees a C string: "abc\0anything" must not pass for "abc".
  EXPECT_FALSE(VerifyPassword(std::string("abc\0zzz", 7), kVectors[1].hash));
}

TEST(PasswordTest, MalformedHashesNeverVerify) {
  const std::string good = kVectors[1].hash;
  EXPECT_FALSE(IsBcryptHash(""));
  EXPECT_FALSE(IsBcryptHash(good.substr(0, 59)));
  EXPECT_FALSE(IsBcryptHash(good + "a"));
  EXPECT_FALSE(IsBcryptHash("$2x$" + good.substr(4)));
  EXPECT_FALSE(IsBcryptHash("$2a$03$" + good.substr(7)));
  EXPECT_FALSE(IsBcryptHash("$2a$32$" + good.substr(7)));
  EXPECT_FALSE(IsBcryptHash("$2a$06$" + good.substr(7, 52) + "!"));
  EXPECT_FALSE(IsBcryptHash("$apr1$abcdefgh$0123456789abcdefghijkl"));
  EXPECT_FALSE(IsBcryptHash("{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g="));
  EXPECT_FALSE(VerifyPassword("abc", "$1$abc$whatever"));
  EXPECT_FALSE(VerifyPassword("abc", "abc"));
  EXPECT_FALSE(VerifyPassword("", ""));
}

TEST(PasswordTest, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
  EXPECT_FALSE(ConstantTimeEquals("", "a"));
  EXPECT_FALSE(ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0c", 3)));
}

TEST(PasswordTest, RobotSecret) {
  SystemRandom random;
  std::string a = NewRobotSecret(random);
  std::string b = NewRobotSecret(random);
  EXPECT_EQ(a.size(), 64u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a, b);
  // SHA-256 of "abc" (FIPS 180-2 example).
  EXPECT_EQ(HashRobotSecret("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HashRobotSecret(a), HashRobotSecret(a));
  EXPECT_NE(HashRobotSecret(a), HashRobotSecret(b));
}

TEST(HtpasswdTest, ParsesEntriesSkippingBlanksAndComments) {
  std::string text = std::string("# users\n\nalice:") + kVectors[0].hash + "\r\n  \n" +
                     "bob:" + kVectors[3].hash + "\n#carol:x\n";
  StatusOr<std::vector<HtpasswdEntry>> entries = ParseHtpasswd(text);
  ASSERT_TRUE(entries.ok()) << entries.status().ToString();
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[0].user, "alice");
  EXPECT_EQ((*entries)[0].hash, kVectors[0].hash);
  EXPECT_EQ((*entries)[1].user, "bob");
  EXPECT_EQ((*entries)[1].hash, kVectors[3].hash);
  EXPECT_TRUE(VerifyPassword(kVectors[3].password, (*entries)[1].hash));
}

TEST(HtpasswdTest, LastLineWithoutNewline) {
  StatusOr<std::vector<HtpasswdEntry>> entries =
      ParseHtpasswd(std::string("alice:") + kVectors[0].hash);
  ASSERT_TRUE(entries.ok()) << entries.status().ToString();
  EXPECT_EQ(entries->size(), 1u);
  EXPECT_TRUE(ParseHtpasswd("").ok());
  EXPECT_TRUE(ParseHtpasswd("\n\n# nothing\n")->empty());
}

void ExpectLineError(const std::string& text, const std::string& needle) {
  StatusOr<std::vector<HtpasswdEntry>> entries = ParseHtpasswd(text);
  ASSERT_FALSE(entries.ok()) << text;
  EXPECT_EQ(entries.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(entries.status().message().find(needle), std::string::npos)
      << entries.status().message();
}

TEST(HtpasswdTest, ErrorsNameTheLine) {
  const std::string alice = std::string("alice:") + kVectors[0].hash + "\n";
  ExpectLineError(alice + "\nbob\n", "line 3:");
  ExpectLineError(alice + ":" + kVectors[0].hash + "\n", "line 2:");
  ExpectLineError(alice + "bob:\n", "line 2:");
  // MD5 (htpasswd default), SHA-1 and crypt entries are refused.
  ExpectLineError(alice + "bob:$apr1$abcdefgh$0123456789abcdefghijkl\n", "line 2: the hash");
  ExpectLineError("# c\nbob:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n", "line 2: the hash");
  ExpectLineError("bob:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n", "htpasswd -B");
  ExpectLineError(alice + "\n" + alice, "line 3: user \"alice\" repeats line 1");
}

TEST(HtpasswdTest, ErrorsDoNotEchoTheHash) {
  std::string text = "bob:$apr1$secretsalt$0123456789abcdefghijkl\n";
  StatusOr<std::vector<HtpasswdEntry>> entries = ParseHtpasswd(text);
  ASSERT_FALSE(entries.ok());
  EXPECT_EQ(entries.status().message().find("secretsalt"), std::string::npos);
}

}  // namespace
}  // namespace cangku::auth
