#include "oci/manifest.h"

#include <gtest/gtest.h>

#include <string>

#include "oci/media_types.h"

namespace cangku::oci {
namespace {

const std::string kD1 = "sha256:" + std::string(64, '1');
const std::string kD2 = "sha256:" + std::string(64, '2');
const std::string kD3 = "sha256:" + std::string(64, '3');

std::string Desc(std::string_view media_type, const std::string& digest, int64_t size,
                 std::string_view extra = "") {
  return "{\"mediaType\":\"" + std::string(media_type) + "\",\"digest\":\"" + digest +
         "\",\"size\":" + std::to_string(size) + std::string(extra) + "}";
}

std::string OciImage(std::string_view extra = "") {
  return "{\"schemaVersion\":2,\"mediaType\":\"" + std::string(kOciImageManifest) +
         "\",\"config\":" + Desc(kOciImageConfig, kD1, 7) + ",\"layers\":[" +
         Desc("application/vnd.oci.image.layer.v1.tar+gzip", kD2, 100) + "," +
         Desc("application/vnd.oci.image.layer.v1.tar+gzip", kD3, 200) + "]" + std::string(extra) +
         "}";
}

StatusCode CodeOf(std::string_view bytes, std::string_view content_type) {
  return ParseManifest(bytes, content_type).status().code();
}

TEST(ManifestTest, OciImageManifest) {
  StatusOr<ParsedManifest> m = ParseManifest(OciImage(), kOciImageManifest);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->kind, ManifestKind::kImage);
  EXPECT_EQ(m->media_type, kOciImageManifest);
  ASSERT_TRUE(m->config.has_value());
  EXPECT_EQ(m->config->digest.str(), kD1);
  EXPECT_EQ(m->config->size, 7);
  ASSERT_EQ(m->layers.size(), 2u);
  EXPECT_EQ(m->layers[1].size, 200);
  EXPECT_FALSE(m->subject.has_value());
  EXPECT_EQ(m->artifact_type, kOciImageConfig);  // Falls back to config.mediaType.
  std::vector<Digest> blobs = m->BlobDigests();
  ASSERT_EQ(blobs.size(), 3u);
  EXPECT_EQ(blobs[0].str(), kD1);
  EXPECT_EQ(blobs[1].str(), kD2);
  EXPECT_EQ(blobs[2].str(), kD3);
}

TEST(ManifestTest, ContentTypeParametersAndAbsentHeader) {
  EXPECT_EQ(CodeOf(OciImage(), std::string(kOciImageManifest) + "; charset=utf-8"),
            StatusCode::kOk);
  EXPECT_EQ(CodeOf(OciImage(), std::string(kOciImageManifest) + " ;q=1"), StatusCode::kOk);
  EXPECT_EQ(CodeOf(OciImage(), ""), StatusCode::kOk);
}

TEST(ManifestTest, MediaTypeFromContentTypeWhenFieldAbsent) {
  std::string doc =
      "{\"schemaVersion\":2,\"config\":" + Desc(kOciImageConfig, kD1, 7) + ",\"layers\":[]}";
  StatusOr<ParsedManifest> m = ParseManifest(doc, kOciImageManifest);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->media_type, kOciImageManifest);
  EXPECT_TRUE(m->layers.empty());
  EXPECT_EQ(CodeOf(doc, ""), StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeOf(doc, "application/json"), StatusCode::kInvalidArgument);
}

TEST(ManifestTest, MediaTypeMismatchIsInvalid) {
  EXPECT_EQ(CodeOf(OciImage(), kOciImageIndex), StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeOf(OciImage(), kDockerManifest), StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeOf(OciImage(), "application/octet-stream"), StatusCode::kInvalidArgument);
}

TEST(ManifestTest, ArtifactWithEmptyConfigAndSubject) {
  std::string doc = "{\"schemaVersion\":2,\"mediaType\":\"" + std::string(kOciImageManifest) +
                    "\",\"artifactType\":\"application/vnd.example.sbom\",\"config\":" +
                    Desc(kOciEmptyJson, kD1, 2) + ",\"layers\":[" +
                    Desc("application/spdx+json", kD2, 10) +
                    "],\"subject\":" + Desc(kOciImageManifest, kD3, 500) +
                    ",\"annotations\":{\"org.opencontainers.image.created\":\"2024-01-01\"}}";
  StatusOr<ParsedManifest> m = ParseManifest(doc, kOciImageManifest);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->artifact_type, "application/vnd.example.sbom");
  ASSERT_TRUE(m->subject.has_value());
  EXPECT_EQ(m->subject->digest.str(), kD3);
  EXPECT_EQ(m->subject->media_type, kOciImageManifest);
  EXPECT_EQ(m->annotations.at("org.opencontainers.image.created"), "2024-01-01");
  EXPECT_EQ(m->config->media_type, kOciEmptyJson);
}

TEST(ManifestTest, OciIndex) {
  std::string doc = "{\"schemaVersion\":2,\"mediaType\":\"" + std::string(kOciImageIndex) +
                    "\",\"artifactType\":\"application/x.t\",\"manifests\":[" +
                    Desc(kOciImageManifest, kD1, 500,
                         ",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"},"
                         "\"annotations\":{\"k\":\"v\"}") +
                    "," + Desc(kOciImageManifest, kD2, 501) + "]}";
  StatusOr<ParsedManifest> m = ParseManifest(doc, kOciImageIndex);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->kind, ManifestKind::kIndex);
  ASSERT_EQ(m->manifests.size(), 2u);
  EXPECT_EQ(m->manifests[0].annotations.at("k"), "v");
  EXPECT_EQ(m->artifact_type, "application/x.t");
  EXPECT_FALSE(m->config.has_value());
  EXPECT_TRUE(m->BlobDigests().empty());
}

TEST(ManifestTest, DockerSchema2AndList) {
  std::string manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + std::string(kDockerManifest) +
                         "\",\"config\":" + Desc(kDockerContainerConfig, kD1, 1469) +
                         ",\"layers\":[" +
                         Desc("application/vnd.docker.image.rootfs.diff.tar.gzip", kD2, 2) + "]}";
  StatusOr<ParsedManifest> m = ParseManifest(manifest, kDockerManifest);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->kind, ManifestKind::kImage);
  EXPECT_EQ(m->media_type, kDockerManifest);
  EXPECT_EQ(m->artifact_type, kDockerContainerConfig);

  std::string list = "{\"schemaVersion\":2,\"mediaType\":\"" + std::string(kDockerManifestList) +
                     "\",\"manifests\":[" + Desc(kDockerManifest, kD1, 500) + "]}";
  StatusOr<ParsedManifest> l = ParseManifest(list, "");
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  EXPECT_EQ(l->kind, ManifestKind::kIndex);
  EXPECT_EQ(l->media_type, kDockerManifestList);
}

TEST(ManifestTest, DockerSchema1Refused) {
  std::string doc =
      "{\"schemaVersion\":1,\"name\":\"a\",\"tag\":\"b\",\"fsLayers\":[],\"history\":[]}";
  EXPECT_EQ(CodeOf(doc, "application/vnd.docker.distribution.manifest.v1+prettyjws"),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeOf(doc, ""), StatusCode::kInvalidArgument);
  std::string v2 =
      "{\"schemaVersion\":2,\"config\":" + Desc(kOciImageConfig, kD1, 7) + ",\"layers\":[]}";
  EXPECT_EQ(CodeOf(v2, "application/vnd.docker.distribution.manifest.v1+json"),
            StatusCode::kInvalidArgument);
}

TEST(ManifestTest, NotJsonOrNotObject) {
  for (std::string_view doc :
       {"", "not json", "[]", "2", "\"s\"", "null", "{", "{\"a\":}", "{\"schemaVersion\":2}x"}) {
    EXPECT_EQ(CodeOf(doc, kOciImageManifest), StatusCode::kInvalidArgument) << doc;
  }
  EXPECT_EQ(CodeOf(std::string(100000, '[') + std::string(100000, ']'), kOciImageManifest),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeOf("{\"a\":\"\xff\"}", kOciImageManifest), StatusCode::kInvalidArgument);
}

TEST(ManifestTest, SchemaVersion) {
  std::string body = ",\"config\":" + Desc(kOciImageConfig, kD1, 7) + ",\"layers\":[]}";
  EXPECT_EQ(CodeOf("{" + body.substr(1), kOciImageManifest), StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeOf("{\"schemaVersion\":3" + body, kOciImageManifest), StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeOf("{\"schemaVersion\":\"2\"" + body, kOciImageManifest),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeOf("{\"schemaVersion\":2.0" + body, kOciImageManifest),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeOf("{\"schemaVersion\":2" + body, kOciImageManifest), StatusCode::kOk);
}

TEST(ManifestTest, RequiredSections) {
  std::string no_config = "{\"schemaVersion\":2,\"layers\":[]}";
  EXPECT_EQ(CodeOf(no_config, kOciImageManifest), StatusCode::kInvalidArgument);
  std::string no_layers = "{\"schemaVersion\":2,\"config\":" + Desc(kOciImageConfig, kD1, 7) + "}";
  EXPECT_EQ(CodeOf(no_layers, kOciImageManifest), StatusCode::kInvalidArgument);
  std::string layers_object =
      "{\"schemaVersion\":2,\"config\":" + Desc(kOciImageConfig, kD1, 7) + ",\"layers\":{}}";
  EXPECT_EQ(CodeOf(layers_object, kOciImageManifest), StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeOf("{\"schemaVersion\":2}", kOciImageIndex), StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeOf(OciImage(",\"manifests\":[]"), kOciImageManifest), StatusCode::kInvalidArgument);
  std::string index_with_layers = "{\"schemaVersion\":2,\"manifests\":[],\"layers\":[]}";
  EXPECT_EQ(CodeOf(index_with_layers, kOciImageIndex), StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeOf("{\"schemaVersion\":2,\"manifests\":[]}", kOciImageIndex), StatusCode::kOk);
}

TEST(ManifestTest, BadDescriptors) {
  auto with_config = [](const std::string& config) {
    return "{\"schemaVersion\":2,\"config\":" + config + ",\"layers\":[]}";
  };
  const std::string d = "\"digest\":\"" + kD1 + "\"";
  const std::string mt = "\"mediaType\":\"a/b\"";
  for (const std::string& config : {
           std::string("[]"),
           std::string("null"),
           "{" + d + ",\"size\":1}",                             // No mediaType.
           "{\"mediaType\":5," + d + ",\"size\":1}",             // mediaType not string.
           "{\"mediaType\":\"\"," + d + ",\"size\":1}",          // Empty mediaType.
           "{" + mt + ",\"size\":1}",                            // No digest.
           "{" + mt + ",\"digest\":\"sha256:abc\",\"size\":1}",  // Bad digest.
           "{" + mt + ",\"digest\":\"md5:d41d8cd98f00b204e9800998ecf8427e\",\"size\":1}",
           "{" + mt + ",\"digest\":7,\"size\":1}",                  // Digest not string.
           "{" + mt + "," + d + "}",                                // No size.
           "{" + mt + "," + d + ",\"size\":-1}",                    // Negative.
           "{" + mt + "," + d + ",\"size\":1.5}",                   // Not integer.
           "{" + mt + "," + d + ",\"size\":\"1\"}",                 // String size.
           "{" + mt + "," + d + ",\"size\":18446744073709551615}",  // Too large.
           "{" + mt + "," + d + ",\"size\":1,\"annotations\":{\"k\":1}}",
           "{" + mt + "," + d + ",\"size\":1,\"annotations\":[]}",
           "{" + mt + "," + d + ",\"size\":1,\"artifactType\":1}",
       }) {
    EXPECT_EQ(CodeOf(with_config(config), kOciImageManifest), StatusCode::kInvalidArgument)
        << config;
  }
  EXPECT_EQ(CodeOf(with_config("{" + mt + "," + d + ",\"size\":0}"), kOciImageManifest),
            StatusCode::kOk);
  EXPECT_EQ(
      CodeOf(with_config("{" + mt + "," + d + ",\"size\":9223372036854775807}"), kOciImageManifest),
      StatusCode::kOk);
}

TEST(ManifestTest, BadTopLevelFields) {
  EXPECT_EQ(CodeOf(OciImage(",\"annotations\":{\"k\":true}"), kOciImageManifest),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeOf(OciImage(",\"artifactType\":[]"), kOciImageManifest),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeOf(OciImage(",\"subject\":{\"digest\":\"x\"}"), kOciImageManifest),
            StatusCode::kInvalidArgument);
  std::string bad_media_type = "{\"schemaVersion\":2,\"mediaType\":3,\"manifests\":[]}";
  EXPECT_EQ(CodeOf(bad_media_type, ""), StatusCode::kInvalidArgument);
  std::string bad_layer = "{\"schemaVersion\":2,\"config\":" + Desc(kOciImageConfig, kD1, 7) +
                          ",\"layers\":[" + Desc("a/b", "sha256:AB", 1) + "]}";
  StatusOr<ParsedManifest> m = ParseManifest(bad_layer, kOciImageManifest);
  EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(m.status().message().find("layers[0]"), std::string::npos) << m.status().message();
}

TEST(ManifestTest, IsManifestMediaType) {
  EXPECT_TRUE(IsManifestMediaType(kOciImageManifest));
  EXPECT_TRUE(IsManifestMediaType(kOciImageIndex));
  EXPECT_TRUE(IsManifestMediaType(kDockerManifest));
  EXPECT_TRUE(IsManifestMediaType(kDockerManifestList));
  EXPECT_FALSE(IsManifestMediaType(kOciImageConfig));
  EXPECT_FALSE(IsManifestMediaType("application/vnd.docker.distribution.manifest.v1+json"));
  EXPECT_FALSE(IsManifestMediaType(""));
}

}  // namespace
}  // namespace cangku::oci
