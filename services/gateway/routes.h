/* routes.h - the gateway's request handling: the proxy entry point for every public
 * route, and GET /openapi.json. */
#ifndef GATEWAY_ROUTES_H
#define GATEWAY_ROUTES_H

#include <stddef.h>

#include "common/http.h"
#include "cors.h"
#include "ratelimit.h"

typedef struct gw_config {
    size_t max_body;      /* MAX_BODY_BYTES */
    size_t max_upload;    /* MAX_UPLOAD_BYTES, for routes marked upload */
    long timeout_ms;      /* UPSTREAM_TIMEOUT_MS */
    size_t max_response;  /* largest upstream answer relayed */
    ratelimit_t *limiter; /* borrowed; outlives the server */
    cors_t *cors;         /* borrowed; outlives the server */
    const char *openapi;  /* the rendered document; borrowed */
} gw_config_t;

/* Sets what the handlers use; call before the server starts (copied). */
void gw_routes_init(const gw_config_t *config);

/* The http module's fallback: every request that is not /healthz, /readyz, /metrics or
 * /openapi.json. Runs on a worker thread. */
void gw_handle(http_req_t *req);

/* GET /openapi.json. */
void gw_handle_openapi(http_req_t *req);

#endif
