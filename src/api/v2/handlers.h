#pragma once

#include <string>

#include "api/v2/context.h"
#include "http/exchange.h"

// One handler per resource of the OCI distribution spec, each in its own file. `name` is a
// valid repository name; everything else is raw from the path and checked by the handler.
namespace cangku::api::v2 {

// end-1: GET /v2/
http::Task<void> HandleBase(Context& ctx, http::Request& req, http::Response& resp);
// GET /v2/_catalog: the repositories `filter` lets through (all when it is null).
http::Task<void> HandleCatalog(Context& ctx, const CatalogFilter& filter, http::Request& req,
                               http::Response& resp);
// end-8a/8b: GET /v2/<name>/tags/list
http::Task<void> HandleTags(Context& ctx, const std::string& name, http::Request& req,
                            http::Response& resp);
// end-3, end-7, end-9: GET/HEAD/PUT/DELETE /v2/<name>/manifests/<reference>
http::Task<void> HandleManifest(Context& ctx, const std::string& name, const std::string& ref,
                                http::Request& req, http::Response& resp);
// end-2, end-10: GET/HEAD/DELETE /v2/<name>/blobs/<digest>
http::Task<void> HandleBlob(Context& ctx, const std::string& name, const std::string& digest,
                            http::Request& req, http::Response& resp);
// end-4a/4b, end-11: POST /v2/<name>/blobs/uploads/. A mount the caller may not make
// (`may_mount` false) opens a session instead, as the spec allows.
http::Task<void> HandleUploadStart(Context& ctx, const std::string& name, bool may_mount,
                                   http::Request& req, http::Response& resp);
// end-5, end-6, end-13 and cancel: GET/PATCH/PUT/DELETE /v2/<name>/blobs/uploads/<session>
http::Task<void> HandleUpload(Context& ctx, const std::string& name, const std::string& id,
                              http::Request& req, http::Response& resp);
// end-12a/12b: GET /v2/<name>/referrers/<digest>
http::Task<void> HandleReferrers(Context& ctx, const std::string& name, const std::string& digest,
                                 http::Request& req, http::Response& resp);

}  // namespace cangku::api::v2
