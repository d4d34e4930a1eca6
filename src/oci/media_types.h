#pragma once

#include <string_view>

namespace cangku::oci {

inline constexpr std::string_view kOciImageManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciImageIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kOciImageConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kOciEmptyJson = "application/vnd.oci.empty.v1+json";
inline constexpr std::string_view kDockerManifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kDockerContainerConfig =
    "application/vnd.docker.container.image.v1+json";

}  // namespace cangku::oci
