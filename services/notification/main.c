/* main.c - the notification daemon: its settings (SMTP, SMS, retries, templates), then the
 * common service life (migrations, relay, the consumer of identity, order, payment and
 * fulfillment events, HTTP), with the sender thread delivering messages beside it. */
#include <stdlib.h>

#include "common/config.h"
#include "common/log.h"
#include "common/service.h"
#include "consumers.h"
#include "mime.h"
#include "peers.h"
#include "routes.h"
#include "sender.h"
#include "sms.h"
#include "smtp.h"
#include "templates.h"

#ifndef NOTIFICATION_MIGRATIONS_DIR
#define NOTIFICATION_MIGRATIONS_DIR "migrations"
#endif
#ifndef NOTIFICATION_TEMPLATES_DIR
#define NOTIFICATION_TEMPLATES_DIR "templates"
#endif

static sender_config_t sender_cfg;
static sms_provider_t *sms;

static int configure(void)
{
    if (templates_init(config_str("TEMPLATES_DIR", NOTIFICATION_TEMPLATES_DIR)) != 0 ||
        smtp_init() != 0)
        return -1;
    long smtp_timeout = service_setting("SMTP_TIMEOUT_MS", 10000, 100, 300000);
    long sms_timeout = service_setting("SMS_TIMEOUT_MS", 10000, 100, 300000);
    sender_cfg.threads = (int)service_setting("NOTIFY_SENDERS", 4, 1, SENDER_THREADS_MAX);
    sender_cfg.poll_ms = service_setting("NOTIFY_POLL_MS", 250, 10, 60000);
    sender_cfg.retry_base_ms = service_setting("NOTIFY_RETRY_BASE_MS", 1000, 10, 3600000);
    sender_cfg.retry_cap_ms = service_setting("NOTIFY_RETRY_CAP_MS", 300000, 10, 86400000);
    sender_cfg.max_attempts = (int)service_setting("NOTIFY_MAX_ATTEMPTS", 10, 1, 100);
    sender_cfg.lease_ms = service_setting("NOTIFY_LEASE_MS", 60000, 1000, 3600000);
    /* The lease is what keeps a second sender off a message still being sent: it must
     * outlast the longest send, or "never twice" fails under a slow server. */
    long longest = smtp_timeout > sms_timeout ? smtp_timeout : sms_timeout;
    if (sender_cfg.lease_ms < longest + 5000) {
        log_error("NOTIFY_LEASE_MS must exceed SMTP_TIMEOUT_MS and SMS_TIMEOUT_MS by 5000");
        return -1;
    }
    if (sender_cfg.retry_cap_ms < sender_cfg.retry_base_ms) {
        log_error("NOTIFY_RETRY_CAP_MS must be at least NOTIFY_RETRY_BASE_MS");
        return -1;
    }
    const char *domain = mime_domain_of(smtp_from_address());
    sender_cfg.id_domain = config_str("MESSAGE_ID_DOMAIN", domain != NULL ? domain : "store.local");
    const char *sms_base = config_str("SMS_API_BASE", NULL);
    if (sms_base != NULL) {
        char *key = config_secret("SMS_API_KEY");
        int rc = sms_http_new(sms_base, key, config_str("SMS_FROM", "Store"), sms_timeout, &sms);
        free(key);
        if (rc != 0) {
            log_error("SMS_API_BASE must be an http(s):// URL");
            return -1;
        }
    }
    sender_cfg.sms = sms;
    consumers_init(sms != NULL);
    if (peers_init(service_setting("NOTIFY_PEER_TIMEOUT_MS", 3000, 50, 60000)) != 0) {
        log_error("IDENTITY_URLS and ORDER_URLS must list 1 to 16 http(s) base URLs");
        return -1;
    }
    log_info("SMS %s", sms != NULL ? "on" : "off (SMS_API_BASE is not set)");
    return 0;
}

static int start(void)
{
    return sender_start(&sender_cfg);
}

static void stop(void)
{
    sender_stop();
}

int main(void)
{
    service_def_t def = {
        .name = "notification",
        .schema = "notifications",
        .migrations_dir = NOTIFICATION_MIGRATIONS_DIR,
        .default_listen = "127.0.0.1:8088",
        .max_body = 16 * 1024, /* the largest body, the preferences, is under 100 bytes */
        .configure = configure,
        .start = start,
        .stop = stop,
        .metrics = sender_metrics,
    };
    def.routes = routes_table(&def.route_count);
    def.consumes = consumers_table(&def.consume_count);
    int status = service_run(&def);
    peers_free();
    sms_free(sms);
    smtp_free();
    return status;
}
