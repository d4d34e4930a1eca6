#include "api/errors.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace cangku::api {
namespace {

TEST(ErrorsTest, SpecStatuses) {
  EXPECT_EQ(HttpStatus(ErrorCode::kBlobUnknown), 404);
  EXPECT_EQ(HttpStatus(ErrorCode::kBlobUploadUnknown), 404);
  EXPECT_EQ(HttpStatus(ErrorCode::kManifestUnknown), 404);
  EXPECT_EQ(HttpStatus(ErrorCode::kNameUnknown), 404);
  EXPECT_EQ(HttpStatus(ErrorCode::kDigestInvalid), 400);
  EXPECT_EQ(HttpStatus(ErrorCode::kManifestBlobUnknown), 400);
  EXPECT_EQ(HttpStatus(ErrorCode::kManifestInvalid), 400);
  EXPECT_EQ(HttpStatus(ErrorCode::kNameInvalid), 400);
  EXPECT_EQ(HttpStatus(ErrorCode::kManifestTooLarge), 413);
  EXPECT_EQ(HttpStatus(ErrorCode::kTagImmutable), 409);
  EXPECT_EQ(ErrorCodeName(ErrorCode::kTagImmutable), "DENIED");
  EXPECT_EQ(HttpStatus(ErrorCode::kRangeInvalid), 416);
  EXPECT_EQ(HttpStatus(ErrorCode::kTooManyRequests), 429);
  EXPECT_EQ(ErrorCodeName(ErrorCode::kManifestTooLarge), "MANIFEST_INVALID");
}

TEST(ErrorsTest, Body) {
  auto j = nlohmann::json::parse(
      ErrorBody(ErrorCode::kBlobUnknown, "no \"such\" blob", R"({"digest":"sha256:00"})"));
  ASSERT_EQ(j["errors"].size(), 1u);
  EXPECT_EQ(j["errors"][0]["code"], "BLOB_UNKNOWN");
  EXPECT_EQ(j["errors"][0]["message"], "no \"such\" blob");
  EXPECT_EQ(j["errors"][0]["detail"]["digest"], "sha256:00");
  j = nlohmann::json::parse(ErrorBody(ErrorCode::kUnknown, "x"));
  EXPECT_FALSE(j["errors"][0].contains("detail"));
}

TEST(ErrorsTest, UnexpectedStatuses) {
  EXPECT_EQ(UnexpectedErrorCode(InternalError("disk")), ErrorCode::kUnknown);
  EXPECT_EQ(UnexpectedErrorCode(UnavailableError("db")), ErrorCode::kUnavailable);
  // A store's NotFound that no handler expected is a server fault, not the client's 404.
  EXPECT_EQ(UnexpectedErrorCode(NotFoundError("uploads dir")), ErrorCode::kUnknown);
}

TEST(ErrorsTest, AdminStatuses) {
  EXPECT_EQ(ErrorCodeForStatus(InvalidArgumentError("bad name")), ErrorCode::kBadRequest);
  EXPECT_EQ(HttpStatus(ErrorCode::kBadRequest), 400);
  EXPECT_EQ(ErrorCodeName(ErrorCode::kBadRequest), "BAD_REQUEST");
  EXPECT_EQ(ErrorCodeForStatus(NotFoundError("no user")), ErrorCode::kNotFound);
  EXPECT_EQ(HttpStatus(ErrorCode::kNotFound), 404);
  EXPECT_EQ(ErrorCodeName(ErrorCode::kNotFound), "NOT_FOUND");
  EXPECT_EQ(ErrorCodeForStatus(AlreadyExistsError("user")), ErrorCode::kConflict);
  EXPECT_EQ(ErrorCodeForStatus(FailedPreconditionError("last admin")), ErrorCode::kConflict);
  EXPECT_EQ(HttpStatus(ErrorCode::kConflict), 409);
  EXPECT_EQ(ErrorCodeName(ErrorCode::kConflict), "CONFLICT");
  EXPECT_EQ(ErrorCodeForStatus(PermissionDeniedError("no")), ErrorCode::kDenied);
  EXPECT_EQ(ErrorCodeForStatus(UnauthenticatedError("who")), ErrorCode::kUnauthorized);
  EXPECT_EQ(ErrorCodeForStatus(ResourceExhaustedError("slow")), ErrorCode::kTooManyRequests);
  EXPECT_EQ(ErrorCodeForStatus(UnavailableError("db")), ErrorCode::kUnavailable);
  EXPECT_EQ(ErrorCodeForStatus(InternalError("disk")), ErrorCode::kUnknown);
}

}  // namespace
}  // namespace cangku::api
