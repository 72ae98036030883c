/* ratelimit.c - token buckets in a set-associative table with one lock per set.
 *
 * A key hashes to one set of RL_WAYS buckets; only that set's mutex is taken, so
 * clients rarely contend. Within a set a key is found by comparison; a new key
 * takes an empty bucket, else a full one (a bucket that has refilled to `burst`
 * is the same as no bucket at all, so evicting it loses nothing), else the one
 * seen least recently. Memory is fixed at creation.
 */
#include "ratelimit.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RL_WAYS 8

typedef struct bucket {
    char key[RL_KEY_MAX + 1]; /* empty string: unused */
    double tokens;
    double last; /* when tokens was last brought up to date */
} bucket_t;

typedef struct rl_set {
    pthread_mutex_t lock;
    bucket_t ways[RL_WAYS];
} rl_set_t;

struct ratelimit {
    double rps;
    double burst;
    size_t nsets;
    rl_set_t *sets;
};

ratelimit_t *rl_new(double rps, double burst, size_t slots)
{
    ratelimit_t *rl = calloc(1, sizeof *rl);
    if (rl == NULL)
        return NULL;
    rl->rps = rps;
    rl->burst = burst;
    if (rl_disabled(rl))
        return rl;
    if (rl->burst < 1)
        rl->burst = 1; /* a bucket that can never hold a token would refuse everyone */
    rl->nsets = (slots + RL_WAYS - 1) / RL_WAYS;
    if (rl->nsets == 0)
        rl->nsets = 1;
    rl->sets = calloc(rl->nsets, sizeof *rl->sets);
    if (rl->sets == NULL) {
        free(rl);
        return NULL;
    }
    for (size_t i = 0; i < rl->nsets; i++)
        pthread_mutex_init(&rl->sets[i].lock, NULL);
    return rl;
}

void rl_free(ratelimit_t *rl)
{
    if (rl == NULL)
        return;
    for (size_t i = 0; i < rl->nsets; i++)
        pthread_mutex_destroy(&rl->sets[i].lock);
    free(rl->sets);
    free(rl);
}

bool rl_disabled(const ratelimit_t *rl)
{
    return !(rl->rps > 0) || !(rl->burst > 0);
}

/* FNV-1a: keys are short and not chosen by an attacker in a way that matters here,
 * since a crowded set only costs the crowded clients a fresh bucket. */
static uint64_t hash_key(const char *key, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)key[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static double level(const ratelimit_t *rl, const bucket_t *b, double now)
{
    double t = b->tokens + (now - b->last) * rl->rps;
    return t > rl->burst ? rl->burst : t;
}

/* The bucket of key in set, claiming one when the key has none. Caller holds the lock. */
static bucket_t *find_or_claim(const ratelimit_t *rl, rl_set_t *set, const char *key, double now)
{
    bucket_t *empty = NULL, *full = NULL, *oldest = NULL;
    for (int i = 0; i < RL_WAYS; i++) {
        bucket_t *b = &set->ways[i];
        if (b->key[0] == '\0') {
            if (empty == NULL)
                empty = b;
            continue;
        }
        if (strcmp(b->key, key) == 0)
            return b;
        if (full == NULL && level(rl, b, now) >= rl->burst)
            full = b;
        if (oldest == NULL || b->last < oldest->last)
            oldest = b;
    }
    bucket_t *b = empty != NULL ? empty : full != NULL ? full : oldest;
    snprintf(b->key, sizeof b->key, "%s", key);
    b->tokens = rl->burst;
    b->last = now;
    return b;
}

bool rl_allow(ratelimit_t *rl, const char *key, double now, int *retry_after)
{
    if (rl_disabled(rl))
        return true;
    char k[RL_KEY_MAX + 1];
    snprintf(k, sizeof k, "%s", key != NULL && key[0] != '\0' ? key : "-");
    rl_set_t *set = &rl->sets[hash_key(k, strlen(k)) % rl->nsets];

    pthread_mutex_lock(&set->lock);
    bucket_t *b = find_or_claim(rl, set, k, now);
    /* A clock that went backwards must not mint tokens or push the refill away. */
    double tokens = now >= b->last ? level(rl, b, now) : b->tokens;
    bool ok = tokens >= 1.0;
    if (ok)
        tokens -= 1.0;
    b->tokens = tokens;
    if (now > b->last)
        b->last = now;
    pthread_mutex_unlock(&set->lock);

    if (!ok && retry_after != NULL) {
        double wait = ceil((1.0 - tokens) / rl->rps);
        *retry_after = wait < 1 ? 1 : wait > 86400 ? 86400 : (int)wait;
    }
    return ok;
}

size_t rl_used(ratelimit_t *rl)
{
    size_t n = 0;
    for (size_t i = 0; i < rl->nsets; i++) {
        pthread_mutex_lock(&rl->sets[i].lock);
        for (int w = 0; w < RL_WAYS; w++)
            n += rl->sets[i].ways[w].key[0] != '\0';
        pthread_mutex_unlock(&rl->sets[i].lock);
    }
    return n;
}

size_t rl_capacity(const ratelimit_t *rl)
{
    return rl->nsets * RL_WAYS;
}
