#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace cangku::registry {

// Which tags of a repository are immutable: once such a tag exists it may not be moved to
// another manifest or deleted, nor may the manifest it points at be deleted.
struct ImmutableTags {
  std::string project;                                // for messages
  std::function<bool(std::string_view tag)> matches;  // null: no tag is immutable
};

// The policy the registry consults on manifest pushes and deletes. The registry core ships no
// implementation (no policy); features/policy provides one and the server wires it in.
// Thread-safe; may block (it reads the metadata store).
class PushPolicy {
 public:
  virtual ~PushPolicy() = default;
  virtual StatusOr<ImmutableTags> ImmutableTagsOf(const std::string& repository) = 0;
  // Called before a manifest is stored, once its blobs are linked to the repository (so they
  // are part of the project's usage). kResourceExhausted refuses the push (the message names
  // the project, its usage and its limit).
  virtual Status CheckQuota(const std::string& repository) = 0;
};

}  // namespace cangku::registry
