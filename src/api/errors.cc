#include "api/errors.h"

#include <nlohmann/json.hpp>

namespace cangku::api {

namespace {
struct Entry {
  std::string_view name;
  int status;
};

Entry Lookup(ErrorCode code) {
  switch (code) {
    case ErrorCode::kBlobUnknown:
      return {"BLOB_UNKNOWN", 404};
    case ErrorCode::kBlobUploadInvalid:
      return {"BLOB_UPLOAD_INVALID", 400};
    case ErrorCode::kBlobUploadUnknown:
      return {"BLOB_UPLOAD_UNKNOWN", 404};
    case ErrorCode::kDigestInvalid:
      return {"DIGEST_INVALID", 400};
    case ErrorCode::kManifestBlobUnknown:
      return {"MANIFEST_BLOB_UNKNOWN", 400};
    case ErrorCode::kManifestInvalid:
      return {"MANIFEST_INVALID", 400};
    case ErrorCode::kManifestUnknown:
      return {"MANIFEST_UNKNOWN", 404};
    case ErrorCode::kNameInvalid:
      return {"NAME_INVALID", 400};
    case ErrorCode::kNameUnknown:
      return {"NAME_UNKNOWN", 404};
    case ErrorCode::kSizeInvalid:
      return {"SIZE_INVALID", 400};
    case ErrorCode::kUnauthorized:
      return {"UNAUTHORIZED", 401};
    case ErrorCode::kDenied:
      return {"DENIED", 403};
    case ErrorCode::kUnsupported:
      return {"UNSUPPORTED", 405};
    case ErrorCode::kTooManyRequests:
      return {"TOOMANYREQUESTS", 429};
    case ErrorCode::kPaginationNumberInvalid:
      return {"PAGINATION_NUMBER_INVALID", 400};
    case ErrorCode::kTagInvalid:
      return {"TAG_INVALID", 400};
    case ErrorCode::kRangeInvalid:
      return {"BLOB_UPLOAD_INVALID", 416};
    case ErrorCode::kManifestTooLarge:
      return {"MANIFEST_INVALID", 413};
    case ErrorCode::kTagImmutable:
      return {"DENIED", 409};
    case ErrorCode::kUnavailable:
      return {"UNAVAILABLE", 503};
    case ErrorCode::kUnknown:
      return {"UNKNOWN", 500};
    case ErrorCode::kBadRequest:
      return {"BAD_REQUEST", 400};
    case ErrorCode::kNotFound:
      return {"NOT_FOUND", 404};
    case ErrorCode::kConflict:
      return {"CONFLICT", 409};
  }
  return {"UNKNOWN", 500};
}
}  // namespace

std::string_view ErrorCodeName(ErrorCode code) { return Lookup(code).name; }

int HttpStatus(ErrorCode code) { return Lookup(code).status; }

ErrorCode UnexpectedErrorCode(const Status& status) {
  switch (status.code()) {
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
      return ErrorCode::kUnavailable;
    case StatusCode::kResourceExhausted:
      return ErrorCode::kTooManyRequests;
    default:
      return ErrorCode::kUnknown;
  }
}

ErrorCode ErrorCodeForStatus(const Status& status) {
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kOutOfRange:
      return ErrorCode::kBadRequest;
    case StatusCode::kNotFound:
      return ErrorCode::kNotFound;
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition:
    case StatusCode::kAborted:
      return ErrorCode::kConflict;
    case StatusCode::kPermissionDenied:
      return ErrorCode::kDenied;
    case StatusCode::kUnauthenticated:
      return ErrorCode::kUnauthorized;
    default:
      return UnexpectedErrorCode(status);
  }
}

std::string ErrorBody(ErrorCode code, std::string_view message, std::string_view detail_json) {
  nlohmann::json error = {{"code", ErrorCodeName(code)}, {"message", message}};
  if (!detail_json.empty()) {
    nlohmann::json detail = nlohmann::json::parse(detail_json, nullptr, false);
    if (!detail.is_discarded()) error["detail"] = std::move(detail);
  }
  return nlohmann::json({{"errors", nlohmann::json::array({std::move(error)})}}).dump();
}

}  // namespace cangku::api
