#pragma once

// The on-disk layout of the filesystem blob store. This file and paths.cc are the only code
// that knows it; everything else asks PathMapper. Under the data root:
//
//   blobs/<alg>/<first two hex>/<hex>   one committed blob, named by its digest
//                                       (e.g. blobs/sha256/ab/ab12...); immutable once there
//   uploads/<id>                        the temp data of one upload session; <id> matches
//                                       [0-9a-f-]{1,64}. Survives restarts (resumable); the
//                                       registry decides which are abandoned
//   tmp/<random>.tmp                    temporaries of Put; anything here after a crash is
//                                       garbage and removed at startup
//
// A blob reaches blobs/ only by rename(2) from uploads/ or tmp/ (same filesystem), so a
// reader never sees a partly written blob. Pure functions, no I/O; thread-safe.

#include <optional>
#include <string>
#include <string_view>

#include "oci/digest.h"

namespace cangku::storage {

class PathMapper {
 public:
  explicit PathMapper(std::string root);

  const std::string& root() const { return root_; }
  std::string BlobsDir() const;    // <root>/blobs
  std::string UploadsDir() const;  // <root>/uploads
  std::string TmpDir() const;      // <root>/tmp

  // <root>/blobs/<alg>/<hex[0:2]>
  std::string BlobDir(const oci::Digest& digest) const;
  // <root>/blobs/<alg>/<hex[0:2]>/<hex>
  std::string BlobPath(const oci::Digest& digest) const;
  // <root>/uploads/<id>. The caller has checked IsValidUploadId(id).
  std::string UploadPath(std::string_view id) const;
  // <root>/tmp/<name>.tmp, `name` being a random token.
  std::string TmpPath(std::string_view name) const;

  // The digest a blob path names, given its three components below blobs/ (algorithm
  // directory, two-hex prefix directory, file name); nullopt for anything else (stray files,
  // wrong prefix, invalid or unsupported digests).
  static std::optional<oci::Digest> DigestFromBlobPath(std::string_view alg,
                                                       std::string_view prefix,
                                                       std::string_view name);
  // True for the names TmpPath produces.
  static bool IsTmpName(std::string_view name);

 private:
  const std::string root_;
};

// Upload ids are [0-9a-f-]{1,64}: safe as a file or object name, never "." or "..".
bool IsValidUploadId(std::string_view id);

}  // namespace cangku::storage
