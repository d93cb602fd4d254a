/* Prometheus metrics (text format 0.0.4) and the health report.
 *
 * Counters that only the HTTP layer sees live in aula_http_metrics; the
 * rest is a snapshot (aula_node_status) the server fills from its live
 * state right before rendering, so nothing is counted twice.
 * Thread: the control thread. */
#ifndef AULA_ADMIN_METRICS_H
#define AULA_ADMIN_METRICS_H

#include "core/buf.h"
#include "event/mailer.h"
#include "sfu/worker.h"

#include <stddef.h>
#include <stdint.h>

typedef struct aula_http_metrics aula_http_metrics;

aula_http_metrics *aula_http_metrics_create(void);
void aula_http_metrics_destroy(aula_http_metrics *m);
/* Counts one answered request. route is a static string naming the route
 * pattern ("/api/v1/rooms/{id}"), never the raw path, so that the number of
 * series stays bounded whatever clients send. */
void aula_http_metrics_count(aula_http_metrics *m, const char *route, int status);

typedef struct aula_worker_status {
    int id;
    int port;
    int answered;         /* a pong arrived at least once */
    uint64_t pong_age_ms; /* since the last pong */
    aula_worker_load load;
} aula_worker_status;

typedef struct aula_node_status {
    size_t websockets;
    size_t http_connections;
    size_t rooms_live;
    int64_t rooms_stored; /* -1 when the store could not say */
    size_t participants;
    uint64_t chat_messages;
    /* Room and event password checks (auth/shared_password.h): by argon2id,
     * and answered by a remembered match. */
    uint64_t password_argon2, password_remembered;
    int store_ok;
    const aula_worker_status *workers;
    size_t n_workers;
    double start_time;             /* seconds since the epoch */
    const aula_mailer_stats *mail; /* borrowed; NULL: no mailer, no e-mail series */
} aula_node_status;

/* A worker is healthy when it answered a ping within this time. */
#define AULA_WORKER_HEALTHY_MS 3000

/* Appends the whole /metrics page. */
void aula_metrics_render(const aula_http_metrics *m, const aula_node_status *st, aula_buf *out);

/* Appends the /healthz JSON and returns the HTTP status: 200 when the
 * store is open and every worker is healthy, else 503. */
int aula_health_render(const aula_node_status *st, aula_buf *out);

#endif
