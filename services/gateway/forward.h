/* forward.h - the rules for what crosses the gateway, as pure functions: which
 * request headers go upstream, which response headers come back, how a path is
 * re-encoded, and which traceparent values are kept. Thread-safe.
 */
#ifndef GATEWAY_FORWARD_H
#define GATEWAY_FORWARD_H

#include <stdbool.h>
#include <stddef.h>

/* True when a client's request header is forwarded upstream (case-insensitive).
 * An explicit allow-list: hop-by-hop headers, X-Service-Token, X-Forwarded-* and
 * anything unknown are never forwarded. */
bool fwd_request_header(const char *name);

/* True when an upstream's response header is relayed to the client (besides
 * Content-Type, which is always relayed). */
bool fwd_response_header(const char *name);

/* Makes the path as the client sent it (still percent-encoded: the http module runs
 * civetweb with decode_url=no) safe for the upstream URL: existing %XX escapes are kept
 * as they are, so an encoded "/" stays inside its segment; any other byte outside RFC
 * 3986's unreserved, sub-delims, ':', '@' and '/' (a stray '%' included) becomes %XX.
 * 0, or -1 when buf is too small. */
int fwd_encode_path(const char *path, char *buf, size_t len);

/* True when a header value may be copied into a header line (no CR, LF or NUL and not
 * absurdly long). */
bool fwd_header_value_safe(const char *value);

#endif
