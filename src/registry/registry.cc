#include "registry/registry.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "oci/media_types.h"

namespace cangku::registry {

Registry::Registry(storage::BlobStore& blobs, metadata::MetadataStore& metadata, const Clock& clock,
                   Random& random, RegistryOptions options)
    : blobs_(blobs),
      metadata_(metadata),
      clock_(clock),
      options_(options),
      uploads_(blobs, metadata, clock, random),
      cache_(options.manifest_cache_entries) {}

StatusOr<uint64_t> Registry::StatBlob(const std::string& repository, const oci::Digest& digest) {
  StatusOr<int64_t> size = metadata_.GetBlobLink(repository, digest);
  if (size.ok()) return static_cast<uint64_t>(*size);
  if (size.status().code() != StatusCode::kNotFound) return size.status();
  // Manifests are content too: distribution serves them through the blobs API.
  ASSIGN_OR_RETURN(auto manifest, metadata_.GetManifest(repository, digest));
  return static_cast<uint64_t>(manifest.size);
}

StatusOr<BlobContent> Registry::OpenBlob(const std::string& repository, const oci::Digest& digest) {
  BlobContent content;
  StatusOr<int64_t> size = metadata_.GetBlobLink(repository, digest);
  if (!size.ok()) {
    if (size.status().code() != StatusCode::kNotFound) return size.status();
    ASSIGN_OR_RETURN(auto manifest, metadata_.GetManifest(repository, digest));
    content.size = manifest.content.size();
    content.inline_content = std::move(manifest.content);
    return content;
  }
  StatusOr<std::unique_ptr<storage::BlobReader>> reader = blobs_.Open(digest);
  if (!reader.ok()) {
    if (reader.status().code() == StatusCode::kNotFound) {
      return DataLossError("blob " + digest.str() + " is linked but missing from storage");
    }
    return reader.status();
  }
  content.size = (*reader)->size();
  content.reader = std::move(*reader);
  return content;
}

Status Registry::DeleteBlob(const std::string& repository, const oci::Digest& digest) {
  return metadata_.UnlinkBlob(repository, digest);
}

Status Registry::FinishUpload(UploadLease lease, const oci::Digest& digest) {
  std::string repository = lease->repository;
  ASSIGN_OR_RETURN(uint64_t size, uploads_.Commit(std::move(lease), digest));
  return metadata_.LinkBlob(repository, digest, static_cast<int64_t>(size),
                            UnixSeconds(clock_.Now()));
}

StatusOr<bool> Registry::Mount(const std::string& repository, const oci::Digest& digest,
                               const std::string& from) {
  StatusOr<int64_t> size =
      from.empty() ? metadata_.FindBlob(digest) : metadata_.GetBlobLink(from, digest);
  if (!size.ok()) {
    if (size.status().code() == StatusCode::kNotFound) return false;
    return size.status();
  }
  if (!blobs_.Stat(digest).ok()) return false;
  RETURN_IF_ERROR(metadata_.LinkBlob(repository, digest, *size, UnixSeconds(clock_.Now())));
  return true;
}

Status Registry::CheckBlobSizes(const std::string& repository,
                                const oci::ParsedManifest& manifest) {
  std::vector<const oci::Descriptor*> blobs;
  if (manifest.config) blobs.push_back(&*manifest.config);
  for (const auto& layer : manifest.layers) blobs.push_back(&layer);
  for (const oci::Descriptor* d : blobs) {
    ASSIGN_OR_RETURN(int64_t size, metadata_.GetBlobLink(repository, d->digest));
    if (size != d->size) {
      return InvalidArgumentError("descriptor of " + d->digest.str() + " says " +
                                  std::to_string(d->size) + " bytes; the blob has " +
                                  std::to_string(size));
    }
  }
  return OkStatus();
}

StatusOr<PutManifestResult> Registry::PutManifest(const std::string& repository,
                                                  const oci::Reference& reference,
                                                  std::string_view content_type,
                                                  std::string content) {
  ASSIGN_OR_RETURN(oci::ParsedManifest parsed, oci::ParseManifest(content, content_type));
  oci::Digest digest = oci::Digest::Sha256Of(content);
  if (reference.is_digest()) {
    if (reference.digest().algorithm() != oci::DigestAlgorithm::kSha256) {
      oci::Digester digester(reference.digest().algorithm());
      digester.Update(content);
      digest = digester.Current();
    }
    if (digest != reference.digest()) {
      return FailedPreconditionError("manifest body hashes to " + digest.str() + ", not " +
                                     reference.digest().str());
    }
  }
  RETURN_IF_ERROR(CheckBlobSizes(repository, parsed));
  if (options_.push_policy != nullptr)
    RETURN_IF_ERROR(options_.push_policy->CheckQuota(repository));
  metadata::ManifestWrite write{
      .manifest = {.repository = repository,
                   .digest = digest,
                   .media_type = parsed.media_type,
                   .artifact_type = parsed.artifact_type,
                   .subject = parsed.subject ? std::optional(parsed.subject->digest) : std::nullopt,
                   .annotations_json = nlohmann::json(parsed.annotations).dump(),
                   .content = std::move(content),
                   .size = 0,
                   .created_at = UnixSeconds(clock_.Now())},
      .blobs = parsed.BlobDigests(),
      .children = {},
      .tag = reference.is_digest() ? std::nullopt : std::optional(reference.tag())};
  write.manifest.size = static_cast<int64_t>(write.manifest.content.size());
  for (const auto& child : parsed.manifests) write.children.push_back(child.digest);
  ASSIGN_OR_RETURN(ImmutableTags immutable, ImmutableTagsOf(repository));
  write.tag_immutable = write.tag && immutable.matches && immutable.matches(*write.tag);
  Status put = metadata_.PutManifest(write);
  if (put.code() == StatusCode::kPermissionDenied) {
    return PermissionDeniedError(put.message() + " in project " + immutable.project);
  }
  RETURN_IF_ERROR(put);
  if (write.tag) cache_.InvalidateRepository(repository);
  return PutManifestResult{digest, write.manifest.subject};
}

CachedManifest Registry::CachedManifest(const std::string& repository,
                                        const oci::Reference& reference) const {
  return cache_.Get(repository, reference);
}

void Registry::NotePull(const registry::CachedManifest& manifest) {
  if (options_.pull_recorder) options_.pull_recorder->Note(manifest);
}

StatusOr<CachedManifest> Registry::GetManifest(const std::string& repository,
                                               const oci::Reference& reference) {
  StatusOr<metadata::ManifestRecord> record =
      reference.is_digest() ? metadata_.GetManifest(repository, reference.digest())
                            : metadata_.GetTaggedManifest(repository, reference.tag());
  if (!record.ok()) return record.status();
  registry::CachedManifest manifest(repository, record->digest.str(), record->media_type,
                                    record->content);
  cache_.Put(repository, reference, manifest);
  return manifest;
}

StatusOr<ImmutableTags> Registry::ImmutableTagsOf(const std::string& repository) {
  if (options_.push_policy == nullptr) return ImmutableTags{};
  return options_.push_policy->ImmutableTagsOf(repository);
}

Status Registry::DeleteManifest(const std::string& repository, const oci::Reference& reference) {
  ASSIGN_OR_RETURN(ImmutableTags immutable, ImmutableTagsOf(repository));
  Status s;
  if (reference.is_digest()) {
    s = metadata_.DeleteManifest(repository, reference.digest(), immutable.matches);
  } else if (immutable.matches && immutable.matches(reference.tag())) {
    // An immutable tag is never deleted; say so only when it exists.
    s = metadata_.GetTaggedManifest(repository, reference.tag()).status();
    if (s.ok()) s = PermissionDeniedError("tag " + reference.tag() + " is immutable");
  } else {
    s = metadata_.DeleteTag(repository, reference.tag());
  }
  if (s.code() == StatusCode::kPermissionDenied) {
    return PermissionDeniedError(s.message() + " in project " + immutable.project);
  }
  cache_.InvalidateRepository(repository);
  return s;
}

namespace {

StatusOr<Page> ToPage(StatusOr<std::vector<std::string>> items, int limit) {
  if (!items.ok()) return items.status();
  Page page;
  page.items = std::move(*items);
  if (static_cast<int>(page.items.size()) > limit) {
    page.items.resize(static_cast<size_t>(limit));
    page.more = true;
  }
  return page;
}

}  // namespace

StatusOr<Page> Registry::ListTags(const std::string& repository, const std::string& last,
                                  int limit) {
  limit = std::clamp(limit, 0, options_.max_page_size);
  if (limit == 0) {
    // Still tells an unknown repository apart from an empty page.
    RETURN_IF_ERROR(metadata_.ListTags(repository, {last, 1}).status());
    return Page{};
  }
  return ToPage(metadata_.ListTags(repository, {last, limit + 1}), limit);
}

StatusOr<Page> Registry::ListRepositories(const std::string& last, int limit) {
  limit = std::clamp(limit, 0, options_.max_page_size);
  if (limit == 0) return Page{};
  return ToPage(metadata_.ListRepositories({last, limit + 1}), limit);
}

StatusOr<std::string> Registry::Referrers(const std::string& repository, const oci::Digest& subject,
                                          const std::string& artifact_type) {
  ASSIGN_OR_RETURN(auto records, metadata_.ListReferrers(repository, subject, artifact_type));
  nlohmann::json manifests = nlohmann::json::array();
  for (const auto& r : records) {
    nlohmann::json d = {{"mediaType", r.media_type}, {"digest", r.digest.str()}, {"size", r.size}};
    if (!r.artifact_type.empty()) d["artifactType"] = r.artifact_type;
    nlohmann::json annotations = nlohmann::json::parse(r.annotations_json, nullptr, false);
    if (annotations.is_object() && !annotations.empty()) d["annotations"] = annotations;
    manifests.push_back(std::move(d));
  }
  nlohmann::json index = {{"schemaVersion", 2},
                          {"mediaType", std::string(oci::kOciImageIndex)},
                          {"manifests", std::move(manifests)}};
  return index.dump();
}

StatusOr<size_t> Registry::ExpireUploads(bool at_startup) {
  auto now = clock_.Now();
  ASSIGN_OR_RETURN(size_t sessions, uploads_.ExpireSessions(now - options_.upload_expiry));
  // At start-up nothing is in flight, so every upload without a session is a crash's leftover.
  auto orphan_age = at_startup ? std::chrono::seconds(0) : std::chrono::seconds(3600);
  ASSIGN_OR_RETURN(size_t orphans, uploads_.RemoveOrphans(now - orphan_age));
  return sessions + orphans;
}

}  // namespace cangku::registry
