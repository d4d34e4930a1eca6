#pragma once

#include <optional>
#include <string>

#include "api/v2/context.h"
#include "registry/registry.h"

namespace cangku::api::v2 {

// The n/last parameters of a paginated listing.
struct PageParams {
  int limit = 0;
  std::string last;
};

// Reads n (default: the registry's page cap) and last; sends PAGINATION_NUMBER_INVALID and
// returns nullopt when n is not a non-negative integer.
http::Task<std::optional<PageParams>> PageParamsOrError(Context& ctx, http::Request& req,
                                                        http::Response& resp);

// Sets the Link header to the next page when there is one.
void SetNextLink(http::Response& resp, const std::string& path, const PageParams& params,
                 const registry::Page& page);

}  // namespace cangku::api::v2
