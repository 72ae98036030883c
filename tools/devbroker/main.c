/* devbroker - a development Kafka broker on librdkafka's mock cluster.
 *
 * FOR DEVELOPMENT AND TESTS ONLY: it keeps a few megabytes per partition in memory,
 * nothing on disk, and has no security. Production runs Apache Kafka.
 *
 * It creates the store's topics (and their ".dlq" twins), prints "bootstrap=<addr>"
 * on stdout and writes the address to --bootstrap-file. Outage drills: SIGUSR1 takes
 * every broker down, SIGUSR2 brings them back; SIGTERM or SIGINT exits.
 */
#include <errno.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *const default_topics[] = {
    "identity.events", "catalog.events", "inventory.events",   "cart.events",
    "order.events",    "payment.events", "fulfillment.events", "notification.events",
};

/* Set by the signal handler, acted upon by the main loop: the mock cluster's calls are
 * not async-signal-safe. The last of USR1/USR2 wins. */
static volatile sig_atomic_t want_state = -1; /* 0 down, 1 up, -1 nothing asked */
static volatile sig_atomic_t want_exit;

static void on_signal(int sig)
{
    if (sig == SIGUSR1)
        want_state = 0;
    else if (sig == SIGUSR2)
        want_state = 1;
    else
        want_exit = 1;
}

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void logf_(const char *fmt, ...)
{
    struct timespec ts;
    struct tm tm;
    char stamp[32];
    va_list ap;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    fprintf(stderr, "%s.%03ldZ devbroker: ", stamp, ts.tv_nsec / 1000000);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static void usage(void)
{
    fprintf(stderr, "usage: devbroker [--brokers N] [--partitions N] [--bootstrap-file PATH]\n"
                    "                 [--topics a,b,...]\n");
}

static int parse_count(const char *s, int max, int *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || *s == '\0' || *end != '\0' || v < 1 || v > max)
        return -1;
    *out = (int)v;
    return 0;
}

/* Writes the address beside the target and renames it over, so a reader polling for
 * the file never sees it half-written. */
static int write_bootstrap_file(const char *path, const char *addr)
{
    char tmp[4096];
    FILE *f;
    int rc = -1;

    if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp)
        return -1;
    f = fopen(tmp, "w");
    if (!f)
        return -1;
    if (fprintf(f, "%s\n", addr) < 0) {
        fclose(f);
        goto out;
    }
    if (fclose(f) != 0)
        goto out;
    if (rename(tmp, path) != 0)
        goto out;
    rc = 0;
out:
    if (rc != 0)
        unlink(tmp);
    return rc;
}

static int create_topic(rd_kafka_mock_cluster_t *mc, const char *topic, int partitions,
                        int replication)
{
    rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(mc, topic, partitions, replication);

    if (err) {
        logf_("cannot create topic %s: %s", topic, rd_kafka_err2str(err));
        return -1;
    }
    return 0;
}

/* Creates each topic of a comma-separated list, or the defaults, with its ".dlq" twin. */
static int create_topics(rd_kafka_mock_cluster_t *mc, const char *list, int partitions,
                         int replication)
{
    char name[512];
    int rc = 0;

    if (!list) {
        for (size_t i = 0; i < sizeof default_topics / sizeof default_topics[0]; i++) {
            snprintf(name, sizeof name, "%s.dlq", default_topics[i]);
            if (create_topic(mc, default_topics[i], partitions, replication) ||
                create_topic(mc, name, partitions, replication))
                rc = -1;
        }
        return rc;
    }

    char *copy = strdup(list);
    char *save = NULL;

    if (!copy)
        return -1;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (*t == '\0')
            continue;
        if (snprintf(name, sizeof name, "%s.dlq", t) >= (int)sizeof name) {
            logf_("topic name too long: %s", t);
            rc = -1;
            continue;
        }
        if (create_topic(mc, t, partitions, replication) ||
            create_topic(mc, name, partitions, replication))
            rc = -1;
    }
    free(copy);
    return rc;
}

/* Brokers are numbered 1..count; each is switched separately because not every
 * librdkafka version accepts -1 for "all". */
static void set_brokers(rd_kafka_mock_cluster_t *mc, int count, int up)
{
    for (int id = 1; id <= count; id++) {
        rd_kafka_resp_err_t err =
            up ? rd_kafka_mock_broker_set_up(mc, id) : rd_kafka_mock_broker_set_down(mc, id);
        if (err)
            logf_("broker %d: cannot set %s: %s", id, up ? "up" : "down", rd_kafka_err2str(err));
    }
    logf_("all %d broker(s) %s", count, up ? "UP" : "DOWN");
}

int main(int argc, char **argv)
{
    int brokers = 1, partitions = 4;
    const char *bootstrap_file = NULL, *topics = NULL;
    rd_kafka_t *rk = NULL;
    rd_kafka_mock_cluster_t *mc = NULL;
    char errstr[512];
    sigset_t block, old;
    struct sigaction sa;
    int rc = 1, wrote_file = 0;

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;

        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            usage();
            return 0;
        }
        if (!val) {
            usage();
            return 2;
        }
        if (!strcmp(arg, "--brokers")) {
            if (parse_count(val, 16, &brokers)) {
                fprintf(stderr, "devbroker: --brokers wants 1..16\n");
                return 2;
            }
        } else if (!strcmp(arg, "--partitions")) {
            if (parse_count(val, 256, &partitions)) {
                fprintf(stderr, "devbroker: --partitions wants 1..256\n");
                return 2;
            }
        } else if (!strcmp(arg, "--bootstrap-file")) {
            bootstrap_file = val;
        } else if (!strcmp(arg, "--topics")) {
            topics = val;
        } else {
            usage();
            return 2;
        }
        i++;
    }

    logf_("*** development and test broker (librdkafka mock cluster): in memory, no "
          "durability, no security; NOT for production ***");

    /* Block the signals before librdkafka starts its threads, so they inherit the mask
     * and every signal is taken by sigsuspend() in the main loop. */
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigaddset(&block, SIGUSR2);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    if (sigprocmask(SIG_BLOCK, &block, &old) != 0) {
        perror("sigprocmask");
        return 1;
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGUSR1, &sa, NULL) || sigaction(SIGUSR2, &sa, NULL) ||
        sigaction(SIGTERM, &sa, NULL) || sigaction(SIGINT, &sa, NULL)) {
        perror("sigaction");
        return 1;
    }

    /* The mock cluster needs a host client instance; a producer that never produces. */
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    /* log_level 4 hides the notice that this host client has no bootstrap.servers. */
    if (rd_kafka_conf_set(conf, "client.id", "devbroker", errstr, sizeof errstr) !=
            RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "log_level", "4", errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
        logf_("config: %s", errstr);
        rd_kafka_conf_destroy(conf);
        return 1;
    }
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!rk) {
        logf_("rd_kafka_new: %s", errstr);
        rd_kafka_conf_destroy(conf);
        return 1;
    }
    mc = rd_kafka_mock_cluster_new(rk, brokers);
    if (!mc) {
        logf_("cannot create the mock cluster");
        goto out;
    }
    int replication = brokers < 3 ? brokers : 3;
    if (create_topics(mc, topics, partitions, replication) != 0)
        goto out;

    const char *addr = rd_kafka_mock_cluster_bootstraps(mc);
    if (!addr) {
        logf_("mock cluster has no bootstrap address");
        goto out;
    }
    if (bootstrap_file) {
        if (write_bootstrap_file(bootstrap_file, addr) != 0) {
            logf_("cannot write %s: %s", bootstrap_file, strerror(errno));
            goto out;
        }
        wrote_file = 1;
    }
    printf("bootstrap=%s\n", addr);
    fflush(stdout);
    logf_("listening: %d broker(s), %d partition(s) per topic, bootstrap %s (pid %ld)", brokers,
          partitions, addr, (long)getpid());

    /* The signals stay blocked outside sigsuspend(), so the flags cannot change between
     * the test and the wait. */
    while (!want_exit) {
        if (want_state < 0)
            sigsuspend(&old);
        if (want_state >= 0) {
            int up = want_state;
            want_state = -1;
            set_brokers(mc, brokers, up);
        }
    }
    logf_("exiting");
    rc = 0;
out:
    if (wrote_file)
        unlink(bootstrap_file);
    if (mc)
        rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
    return rc;
}
