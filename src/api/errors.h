#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace cangku::api {

// The error codes of the OCI distribution spec (and the Docker registry API before it).
enum class ErrorCode {
  kBlobUnknown,
  kBlobUploadInvalid,
  kBlobUploadUnknown,
  kDigestInvalid,
  kManifestBlobUnknown,
  kManifestInvalid,
  kManifestUnknown,
  kNameInvalid,
  kNameUnknown,
  kSizeInvalid,
  kUnauthorized,
  kDenied,
  kUnsupported,
  kTooManyRequests,
  kPaginationNumberInvalid,
  kTagInvalid,
  kRangeInvalid,      // BLOB_UPLOAD_INVALID with 416: a chunk out of order
  kManifestTooLarge,  // MANIFEST_INVALID with 413
  kTagImmutable,      // DENIED with 409: a project policy forbids changing the tag
  kUnavailable,
  kUnknown,
  // Codes of the admin API (/api/v1), which reports the services' canonical codes as they are.
  kBadRequest,  // BAD_REQUEST 400: bad input (kInvalidArgument)
  kNotFound,    // NOT_FOUND 404: no such user, project, member or robot (kNotFound)
  kConflict,    // CONFLICT 409: exists already, or the state forbids it (the last admin, a
                // project that holds repositories)
};

// The spec's name of the code ("BLOB_UNKNOWN").
std::string_view ErrorCodeName(ErrorCode code);
// The HTTP status the spec pairs with the code: the one place this mapping lives.
int HttpStatus(ErrorCode code);
// The code for a status no handler expected (storage failures and the like): UNAVAILABLE
// (503) for what may pass, TOOMANYREQUESTS (429) for exhausted resources, else UNKNOWN (500).
ErrorCode UnexpectedErrorCode(const Status& status);
// The code for a status the admin API reports to the client as it is (the services' errors are
// the client's: a NotFound there is a missing user, not a server fault): the one place that maps
// canonical codes to admin API codes.
ErrorCode ErrorCodeForStatus(const Status& status);
// {"errors":[{"code":..,"message":..,"detail":..}]}; `detail_json` is a JSON value or empty.
std::string ErrorBody(ErrorCode code, std::string_view message, std::string_view detail_json = "");

}  // namespace cangku::api
