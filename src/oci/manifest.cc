#include "oci/manifest.h"

#include <exception>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "oci/media_types.h"

namespace cangku::oci {
namespace {

using Json = nlohmann::json;

// Manifests are shallow (root > manifests[] > descriptor > platform > features[]); a limit
// keeps hostile input like "[[[[..." from costing stack or memory.
constexpr int kMaxJsonDepth = 64;

constexpr std::string_view kDockerSchema1 = "application/vnd.docker.distribution.manifest.v1+json";
constexpr std::string_view kDockerSchema1Signed =
    "application/vnd.docker.distribution.manifest.v1+prettyjws";

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// "application/x; charset=utf-8" -> "application/x".
std::string_view StripParameters(std::string_view content_type) {
  return Trim(content_type.substr(0, content_type.find(';')));
}

// True when brackets nest deeper than `limit` outside of strings.
bool NestsDeeperThan(std::string_view bytes, int limit) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : bytes) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

bool IsImageManifestType(std::string_view media_type) {
  return media_type == kOciImageManifest || media_type == kDockerManifest;
}

bool IsIndexType(std::string_view media_type) {
  return media_type == kOciImageIndex || media_type == kDockerManifestList;
}

Status Invalid(std::string_view where, std::string_view what) {
  return InvalidArgumentError("invalid manifest: " + std::string(where) + ": " + std::string(what));
}

// Reads an optional string field into `out`; absent leaves `out` untouched.
Status OptionalString(const Json& object, const char* key, std::string_view where,
                      std::string* out) {
  auto it = object.find(key);
  if (it == object.end()) return OkStatus();
  if (!it->is_string()) return Invalid(where, std::string(key) + " must be a string");
  *out = it->get<std::string>();
  return OkStatus();
}

Status ParseAnnotations(const Json& object, std::string_view where,
                        std::map<std::string, std::string>* out) {
  auto it = object.find("annotations");
  if (it == object.end() || it->is_null()) return OkStatus();
  std::string here = std::string(where) + ".annotations";
  if (!it->is_object()) return Invalid(here, "must be an object");
  for (const auto& [key, value] : it->items()) {
    if (!value.is_string()) return Invalid(here + "." + key, "value must be a string");
    (*out)[key] = value.get<std::string>();
  }
  return OkStatus();
}

StatusOr<Descriptor> ParseDescriptor(const Json& json, const std::string& where) {
  if (!json.is_object()) return Invalid(where, "descriptor must be an object");

  auto media_type = json.find("mediaType");
  if (media_type == json.end()) return Invalid(where, "mediaType is missing");
  if (!media_type->is_string() || media_type->get_ref<const std::string&>().empty()) {
    return Invalid(where, "mediaType must be a non-empty string");
  }

  auto digest_field = json.find("digest");
  if (digest_field == json.end()) return Invalid(where, "digest is missing");
  if (!digest_field->is_string()) return Invalid(where, "digest must be a string");
  StatusOr<Digest> digest = Digest::Parse(digest_field->get_ref<const std::string&>());
  if (!digest.ok()) return Invalid(where, digest.status().message());

  auto size_field = json.find("size");
  if (size_field == json.end()) return Invalid(where, "size is missing");
  int64_t size = 0;
  if (size_field->is_number_unsigned()) {
    uint64_t u = size_field->get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Invalid(where, "size is too large");
    }
    size = static_cast<int64_t>(u);
  } else if (size_field->is_number_integer()) {
    size = size_field->get<int64_t>();
    if (size < 0) return Invalid(where, "size must not be negative");
  } else {
    return Invalid(where, "size must be an integer");
  }

  Descriptor descriptor{media_type->get<std::string>(), std::move(digest).value(), size, {}, {}};
  RETURN_IF_ERROR(OptionalString(json, "artifactType", where, &descriptor.artifact_type));
  RETURN_IF_ERROR(ParseAnnotations(json, where, &descriptor.annotations));
  return descriptor;
}

Status ParseDescriptorList(const Json& root, const char* key, std::vector<Descriptor>* out) {
  auto it = root.find(key);
  if (it == root.end()) return Invalid(key, "is missing");
  if (!it->is_array()) return Invalid(key, "must be an array");
  out->reserve(it->size());
  for (size_t i = 0; i < it->size(); ++i) {
    ASSIGN_OR_RETURN(Descriptor d,
                     ParseDescriptor((*it)[i], std::string(key) + "[" + std::to_string(i) + "]"));
    out->push_back(std::move(d));
  }
  return OkStatus();
}

// Chooses the media type from the document's field and the request's Content-Type.
StatusOr<std::string> ResolveMediaType(const Json& root, std::string_view content_type) {
  std::string field;
  auto it = root.find("mediaType");
  if (it != root.end()) {
    if (!it->is_string()) return Invalid("mediaType", "must be a string");
    field = it->get<std::string>();
  }
  std::string media_type = field.empty() ? std::string(content_type) : field;
  if (!field.empty() && !content_type.empty() && field != content_type) {
    return InvalidArgumentError("invalid manifest: mediaType \"" + field +
                                "\" does not match Content-Type \"" + std::string(content_type) +
                                "\"");
  }
  if (media_type.empty()) {
    return InvalidArgumentError(
        "invalid manifest: no mediaType field and no Content-Type to say what it is");
  }
  if (media_type == kDockerSchema1 || media_type == kDockerSchema1Signed) {
    return InvalidArgumentError("Docker schema 1 manifests are not supported");
  }
  if (!IsManifestMediaType(media_type)) {
    return InvalidArgumentError("unsupported manifest media type \"" + media_type + "\"");
  }
  return media_type;
}

StatusOr<ParsedManifest> ParseJsonManifest(const Json& root, std::string_view content_type) {
  if (!root.is_object()) return InvalidArgumentError("invalid manifest: not a JSON object");

  auto version = root.find("schemaVersion");
  if (version == root.end()) return Invalid("schemaVersion", "is missing");
  if (!version->is_number_integer() || version->get<int64_t>() != 2) {
    if (version->is_number_integer() && version->get<int64_t>() == 1) {
      return InvalidArgumentError("Docker schema 1 manifests are not supported");
    }
    return Invalid("schemaVersion", "must be 2");
  }

  ParsedManifest m;
  ASSIGN_OR_RETURN(m.media_type, ResolveMediaType(root, content_type));

  if (IsImageManifestType(m.media_type)) {
    m.kind = ManifestKind::kImage;
    if (root.contains("manifests")) return Invalid("manifests", "not allowed in an image manifest");
    auto config = root.find("config");
    if (config == root.end()) return Invalid("config", "is missing");
    ASSIGN_OR_RETURN(Descriptor c, ParseDescriptor(*config, "config"));
    m.config = std::move(c);
    RETURN_IF_ERROR(ParseDescriptorList(root, "layers", &m.layers));
  } else {
    m.kind = ManifestKind::kIndex;
    if (root.contains("layers")) return Invalid("layers", "not allowed in an index");
    RETURN_IF_ERROR(ParseDescriptorList(root, "manifests", &m.manifests));
  }

  auto subject = root.find("subject");
  if (subject != root.end() && !subject->is_null()) {
    ASSIGN_OR_RETURN(Descriptor s, ParseDescriptor(*subject, "subject"));
    m.subject = std::move(s);
  }
  RETURN_IF_ERROR(OptionalString(root, "artifactType", "artifactType", &m.artifact_type));
  if (m.artifact_type.empty() && m.config.has_value()) m.artifact_type = m.config->media_type;
  RETURN_IF_ERROR(ParseAnnotations(root, "manifest", &m.annotations));
  return m;
}

}  // namespace

std::vector<Digest> ParsedManifest::BlobDigests() const {
  std::vector<Digest> out;
  out.reserve(layers.size() + 1);
  if (config.has_value()) out.push_back(config->digest);
  for (const Descriptor& layer : layers) out.push_back(layer.digest);
  return out;
}

StatusOr<ParsedManifest> ParseManifest(std::string_view bytes, std::string_view content_type) {
  content_type = StripParameters(content_type);
  if (NestsDeeperThan(bytes, kMaxJsonDepth)) {
    return InvalidArgumentError("invalid manifest: JSON nests too deeply");
  }
  try {
    Json root = Json::parse(bytes.begin(), bytes.end(), /*cb=*/nullptr,
                            /*allow_exceptions=*/false);
    if (root.is_discarded()) return InvalidArgumentError("invalid manifest: not valid JSON");
    return ParseJsonManifest(root, content_type);
  } catch (const std::exception& e) {
    // The checks above should leave nothing to throw; stay safe if the library disagrees.
    return InvalidArgumentError(std::string("invalid manifest: ") + e.what());
  }
}

bool IsManifestMediaType(std::string_view media_type) {
  return IsImageManifestType(media_type) || IsIndexType(media_type);
}

}  // namespace cangku::oci
