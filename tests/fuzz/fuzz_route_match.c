/* fuzz_route_match.c - the gateway's route lookup (services/gateway/route_table.c) on
 * hostile request lines. Input: "<method>\n<path>". Besides not crashing, a path the
 * gateway routes must never be one it promises to refuse: /internal/..., an empty
 * segment, or a "." or ".." segment in any spelling ("%2e", ".%2E", ...), since an
 * upstream could resolve those into a path other than the one whose roles were checked.
 */
#include <ctype.h>
#include <stdbool.h>

#include "fuzz_support.h"
#include "route_table.h"

/* True when a segment, %XX-decoded, is "." or "..". Written independently of the
 * gateway's own check, so that the two can disagree. */
static bool dot_like(const char *seg, size_t n)
{
    char dec[3];
    size_t d = 0;
    for (size_t i = 0; i < n; d++) {
        if (d == sizeof dec - 1)
            return false; /* three or more characters decoded: not a dot segment */
        if (seg[i] == '%' && n - i >= 3 && isxdigit((unsigned char)seg[i + 1]) &&
            isxdigit((unsigned char)seg[i + 2])) {
            char hex[3] = {seg[i + 1], seg[i + 2], '\0'};
            dec[d] = (char)strtol(hex, NULL, 16);
            i += 3;
        } else {
            dec[d] = seg[i];
            i += 1;
        }
        if (dec[d] != '.')
            return false;
    }
    return d == 1 || d == 2;
}

/* What the gateway promises never to route (route_table.h). */
static bool must_refuse(const char *path)
{
    if (path[0] != '/' || strlen(path) > GW_MAX_PATH)
        return true;
    if (strncmp(path, "/internal", 9) == 0 && (path[9] == '\0' || path[9] == '/'))
        return true;
    for (const char *seg = path + 1;;) {
        size_t n = strcspn(seg, "/");
        if (n == 0 || dot_like(seg, n))
            return true;
        if (seg[n] == '\0')
            return false;
        seg += n + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = fz_cstr(data, size);
    if (in == NULL)
        return 0;
    char *nl = strchr(in, '\n');
    const char *method = "GET", *path = in;
    if (nl != NULL) {
        *nl = '\0';
        method = in;
        path = nl + 1;
    }

    gw_match_t *m = malloc(sizeof *m);
    if (m == NULL)
        goto out;
    enum gw_lookup r = gw_route_lookup(method, path, m);
    if (r == GW_FOUND) {
        FZ_ASSERT(m->route != NULL);
        FZ_ASSERT(!must_refuse(path));
        FZ_ASSERT(strcmp(m->route->method, method) == 0);
        FZ_ASSERT(m->count >= 0 && m->count <= HTTP_MAX_PARAMS);
        for (int i = 0; i < m->count; i++) {
            /* A parameter is one whole, non-empty segment of the path. */
            FZ_ASSERT(m->values[i][0] != '\0' && strchr(m->values[i], '/') == NULL);
            FZ_ASSERT(gw_match_param(m, m->names[i]) != NULL);
        }
        FZ_ASSERT(gw_match_param(m, "no-such-parameter") == NULL);
    } else {
        FZ_ASSERT(m->route == NULL);
    }

    char methods[64];
    int n = gw_route_methods(path, methods, sizeof methods);
    FZ_ASSERT(n >= 0 && strlen(methods) < sizeof methods);
    FZ_ASSERT(r != GW_METHOD_NOT_ALLOWED || n > 0);
    FZ_ASSERT(r != GW_NOT_FOUND || n == 0);

    for (size_t i = 0; i < gw_route_count; i++) {
        gw_route_is_public(&gw_routes[i]);
        gw_route_any_role(&gw_routes[i]);
    }
out:
    free(m);
    free(in);
    return 0;
}
