/* hello.c - a civetweb hello-world server: the ceiling the benchmarks compare the gateway
 * and identity against. Configured like the services (tcp_nodelay, keep-alive), with no
 * routing, JSON, logging or database, so the difference is what the services add.
 *
 *   bench_hello PORT [THREADS]
 *
 * Listens on 127.0.0.1 only; SIGTERM or SIGINT stops it.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <civetweb.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static int hello(struct mg_connection *conn, void *arg)
{
    static const char body[] = "{\"hello\":\"world\"}";
    (void)arg;
    mg_send_http_ok(conn, "application/json", (long long)(sizeof body - 1));
    mg_write(conn, body, sizeof body - 1);
    return 200;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s PORT [THREADS]\n", argv[0]);
        return 2;
    }
    char listen[64];
    snprintf(listen, sizeof listen, "127.0.0.1:%s", argv[1]);
    const char *threads = argc > 2 ? argv[2] : "64";
    /* The settings DESIGN.md measured: without tcp_nodelay every response waits on
     * Nagle and delayed ACK; a short keep-alive timeout frees idle workers. */
    /* clang-format off */
    const char *options[] = {
        "listening_ports", listen,
        "num_threads", threads,
        "tcp_nodelay", "1",
        "enable_keep_alive", "yes",
        "keep_alive_timeout_ms", "2000",
        NULL,
    };
    /* clang-format on */

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    if (sigaction(SIGTERM, &sa, NULL) != 0 || sigaction(SIGINT, &sa, NULL) != 0) {
        perror("sigaction");
        return 1;
    }

    mg_init_library(0);
    struct mg_callbacks callbacks;
    memset(&callbacks, 0, sizeof callbacks);
    struct mg_context *ctx = mg_start(&callbacks, NULL, options);
    if (ctx == NULL) {
        fprintf(stderr, "bench_hello: cannot listen on %s\n", listen);
        mg_exit_library();
        return 1;
    }
    mg_set_request_handler(ctx, "/", hello, NULL);
    fprintf(stderr, "bench_hello: listening on %s with %s threads\n", listen, threads);
    while (!stop)
        pause();
    mg_stop(ctx);
    mg_exit_library();
    return 0;
}
