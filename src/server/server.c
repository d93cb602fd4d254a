#include "server/server.h"

#include "admin/metrics.h"
#include "auth/join_key.h"
#include "auth/join_token.h"
#include "auth/login_limit.h"
#include "auth/shared_password.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/log.h"
#include "event/event_api.h"
#include "event/mailer.h"
#include "event/reminder.h"
#include "http/http_server.h"
#include "room/media_signaling.h"
#include "room/room.h"
#include "room/signaling.h"
#include "rtc/dtls.h"
#include "rtc/srtp.h"
#include "server/routes.h"
#include "sfu/worker.h"
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PING_INTERVAL_MS 1000
/* RSS growth since the last heap trim that triggers the next (trim_heap). */
#define TRIM_GROWTH_BYTES (1u << 20)

#ifndef AULA_SOURCE_WEB_DIR
#define AULA_SOURCE_WEB_DIR "web"
#endif

typedef struct worker_slot {
    aula_worker *worker; /* owned; NULL once stopped */
    uint64_t pong_at;    /* uv_now of the last pong */
} worker_slot;

struct aula_server {
    uv_loop_t *loop;               /* borrowed */
    const aula_config *cfg;        /* borrowed */
    int *exit_status;              /* borrowed: 1 when start-up failed late */
    aula_store *store;             /* owned */
    aula_rooms *rooms;             /* owned */
    aula_signaling *signaling;     /* owned */
    aula_media_sig *media;         /* owned */
    aula_dtls_identity *identity;  /* owned; destroyed after the workers stop */
    aula_join_signer *signer;      /* owned: signs and checks join tokens */
    aula_login_limit *login_limit; /* owned */
    aula_http_metrics *metrics;    /* owned */
    aula_mailer *mailer;           /* owned: e-mail, off when smtp_url is empty */
    aula_mailer_stats mail_stats;  /* for /metrics */
    aula_event_reminder *reminder; /* owned: reminders before events */
    aula_http_server *http;        /* owned; NULL once closed */
    aula_routes routes;
    worker_slot *workers;              /* owned */
    aula_worker_status *worker_status; /* owned: one per slot, for /metrics */
    size_t n_workers;
    size_t workers_running;
    uint64_t ping_seq;
    double start_time;
    int stopping;
    int waiting; /* HTTP server and signaling sessions still closing */
    uv_timer_t ping_timer;
    uint64_t rss_after_trim; /* bytes; 0 before the first trim */
    uv_timer_t shutdown_timer;
    uv_signal_t sigterm;
    uv_signal_t sigint;
    int open_handles; /* closed one by one at the end; the last frees s */
};

/* ---- status ----------------------------------------------------------- */

static void fill_status(void *ud, aula_node_status *st)
{
    aula_server *s = ud;
    uint64_t now = uv_now(s->loop);
    memset(st, 0, sizeof *st);
    st->websockets = aula_signaling_sessions(s->signaling);
    st->http_connections = s->http ? aula_http_server_connections(s->http) : 0;
    st->rooms_live = aula_rooms_live(s->rooms);
    if (!s->store || aula_store_room_count(s->store, &st->rooms_stored) != 0)
        st->rooms_stored = -1;
    st->participants = aula_rooms_participants(s->rooms);
    st->chat_messages = aula_signaling_chat_total(s->signaling);
    aula_shared_password_counts(&st->password_argon2, &st->password_remembered);
    st->store_ok = s->store != NULL;
    for (size_t i = 0; i < s->n_workers; i++) {
        aula_worker_status *ws = &s->worker_status[i];
        ws->pong_age_ms = ws->answered ? now - s->workers[i].pong_at : 0;
    }
    st->workers = s->worker_status;
    st->n_workers = s->n_workers;
    st->start_time = s->start_time;
    if (s->mailer) {
        aula_mailer_stats_get(s->mailer, &s->mail_stats);
        st->mail = &s->mail_stats;
    }
}

/* ---- media workers ---------------------------------------------------- */

/* The process's resident set in bytes (/proc/self/statm), 0 if unknown. */
static uint64_t resident_bytes(void)
{
    char buf[128];
    int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    unsigned long long size = 0, resident = 0;
    if (sscanf(buf, "%llu %llu", &size, &resident) != 2)
        return 0;
    return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* glibc's malloc keeps freed memory for reuse, and bursts leave much of it
 * resident: a room announces each join to every participant, so a few
 * hundred viewers joining within seconds allocate and free megabytes of
 * messages between the small allocations that live on. With 300 viewers
 * that doubled the resident memory per viewer (heaptrack: about 25 KiB of
 * live heap per viewer; malloc_trim took the process from 36 to 26 MB).
 * So once a second, when the resident set grew by TRIM_GROWTH_BYTES since
 * the last trim, malloc_trim(0) hands the free pages of every arena back.
 * At a steady size nothing happens; it takes each arena's lock briefly,
 * and the media workers do not allocate per packet. */
static void trim_heap(aula_server *s)
{
#ifdef __GLIBC__
    uint64_t rss = resident_bytes();
    if (rss == 0 || rss < s->rss_after_trim + TRIM_GROWTH_BYTES)
        return;
    uint64_t t0 = uv_hrtime();
    malloc_trim(0);
    s->rss_after_trim = resident_bytes();
    AULA_LOG_DEBUG("server", "heap trimmed", "rss_before=%llu rss_after=%llu us=%llu",
                   (unsigned long long)rss, (unsigned long long)s->rss_after_trim,
                   (unsigned long long)((uv_hrtime() - t0) / 1000));
#else
    (void)s;
#endif
}

static void on_ping_timer(uv_timer_t *t)
{
    aula_server *s = t->data;
    trim_heap(s);
    aula_worker_msg ping;
    memset(&ping, 0, sizeof ping);
    ping.type = AULA_WORKER_PING;
    ping.seq = ++s->ping_seq;
    for (size_t i = 0; i < s->n_workers; i++)
        if (s->workers[i].worker)
            aula_worker_send(s->workers[i].worker, &ping);
}

static int start_http(aula_server *s);
static void print_url(aula_server *s);

/* HTTP opens only once every worker has answered: a node that says it is
 * running can serve media. */
static void open_when_workers_ready(aula_server *s)
{
    if (s->http || s->stopping)
        return;
    for (size_t i = 0; i < s->n_workers; i++)
        if (!s->worker_status[i].answered)
            return;
    if (start_http(s) != 0) {
        *s->exit_status = 1;
        aula_server_shutdown(s);
        return;
    }
    uv_timer_start(&s->ping_timer, on_ping_timer, PING_INTERVAL_MS, PING_INTERVAL_MS);
    /* Links in reminders when public_url is not set. */
    snprintf(s->routes.events.local_url, sizeof s->routes.events.local_url, "%s://%s:%d",
             *s->cfg->tls_cert ? "https" : "http",
             strcmp(s->cfg->http_host, "0.0.0.0") == 0 ? "127.0.0.1" : s->cfg->http_host,
             aula_http_server_port(s->http));
    print_url(s);
}

/* Media signaling talks to the workers through these two. */
static void media_send(void *ud, size_t worker, const aula_media_msg *mm)
{
    aula_server *s = ud;
    if (worker >= s->n_workers || !s->workers[worker].worker)
        return;
    aula_worker_msg m;
    memset(&m, 0, sizeof m);
    m.type = AULA_WORKER_MEDIA;
    m.media = *mm;
    aula_worker_send(s->workers[worker].worker, &m);
}

static int media_worker_port(void *ud, size_t worker)
{
    aula_server *s = ud;
    return worker < s->n_workers ? s->worker_status[worker].port : 0;
}

static size_t worker_count(const aula_server *s)
{
    return s->cfg->workers ? (size_t)s->cfg->workers : (size_t)uv_available_parallelism();
}

static void on_worker_message(void *ud, aula_worker *w, const aula_worker_msg *m)
{
    aula_server *s = ud;
    int id = aula_worker_id(w);
    if (m->type == AULA_WORKER_MEDIA) {
        if (s->media)
            aula_media_sig_on_report(s->media, &m->media);
    } else if (m->type == AULA_WORKER_PONG) {
        s->worker_status[id].answered = 1;
        s->worker_status[id].load = m->load;
        s->workers[id].pong_at = uv_now(s->loop);
        open_when_workers_ready(s);
    }
}

static int start_workers(aula_server *s)
{
    size_t n = worker_count(s);
    s->workers = aula_calloc(n, sizeof *s->workers);
    s->worker_status = aula_calloc(n, sizeof *s->worker_status);
    static const aula_worker_cb cb = {on_worker_message};
    for (size_t i = 0; i < n; i++) {
        aula_worker_config wc = {
            .id = (int)i,
            .media_host = s->cfg->media_host,
            .media_port = s->cfg->media_port ? (int)(s->cfg->media_port + (int64_t)i) : 0,
            .identity = s->identity,
        };
        int rc = aula_worker_start(s->loop, &wc, &cb, s, &s->workers[i].worker);
        if (rc != 0)
            return rc;
        s->worker_status[i].id = (int)i;
        s->worker_status[i].port = aula_worker_port(s->workers[i].worker);
        s->n_workers++;
        s->workers_running++;
    }
    return 0;
}

/* ---- shutdown --------------------------------------------------------- */

/* The last of the handles (and the mailer) to finish closing frees s. */
static void part_closed(aula_server *s)
{
    if (--s->open_handles > 0)
        return;
    aula_free(s->workers);
    aula_free(s->worker_status);
    aula_free(s);
}

static void on_handle_closed(uv_handle_t *h)
{
    part_closed(h->data);
}

static void on_mailer_closed(void *ud)
{
    part_closed(ud);
}

static void release(aula_server *s)
{
    aula_signaling_destroy(s->signaling);
    aula_media_sig_destroy(s->media);
    s->media = NULL;
    aula_dtls_identity_destroy(s->identity);
    s->identity = NULL;
    aula_rooms_destroy(s->rooms);
    aula_http_metrics_destroy(s->metrics);
    aula_files_api_deinit(&s->routes.files);
    aula_store_close(s->store);
    s->store = NULL;
    aula_join_signer_destroy(s->signer);
    s->signer = NULL;
    aula_login_limit_destroy(s->login_limit);
    s->login_limit = NULL;
    s->open_handles = 5;
    /* E-mails still queued are given up (logged); one being delivered is
     * aborted within a second. */
    aula_mailer_close(s->mailer, on_mailer_closed, s);
    uv_close((uv_handle_t *)&s->ping_timer, on_handle_closed);
    uv_close((uv_handle_t *)&s->shutdown_timer, on_handle_closed);
    uv_close((uv_handle_t *)&s->sigterm, on_handle_closed);
    uv_close((uv_handle_t *)&s->sigint, on_handle_closed);
}

static void on_worker_stopped(void *ud)
{
    aula_server *s = ud;
    if (--s->workers_running > 0)
        return;
    release(s);
    AULA_LOG_INFO("server", "stopped", "workers=%zu", s->n_workers);
}

static void stop_workers(aula_server *s)
{
    if (s->workers_running == 0) {
        release(s);
        return;
    }
    for (size_t i = 0; i < s->n_workers; i++) {
        aula_worker *w = s->workers[i].worker;
        s->workers[i].worker = NULL;
        if (w)
            aula_worker_stop(w, on_worker_stopped, s);
    }
}

/* The HTTP server and the WebSocket sessions close independently (a
 * session outlives its connection by its own timers): the workers stop,
 * and the rooms are released, only once both are done. */
static void on_closed_part(aula_server *s)
{
    if (--s->waiting > 0)
        return;
    uv_timer_stop(&s->shutdown_timer);
    stop_workers(s);
}

static void on_http_closed(void *ud)
{
    aula_server *s = ud;
    s->http = NULL;
    on_closed_part(s);
}

static void on_sessions_closed(void *ud)
{
    on_closed_part(ud);
}

/* Requests in flight did not finish in shutdown_timeout: what is stored is
 * stored (every write is durable before it is acknowledged), so close the
 * store cleanly and exit without waiting further. */
static void on_shutdown_timeout(uv_timer_t *t)
{
    aula_server *s = t->data;
    AULA_LOG_ERROR("server", "shutdown timed out, exiting", "waited_ms=%lld",
                   (long long)s->cfg->shutdown_timeout);
    aula_store_close(s->store);
    s->store = NULL;
    fflush(stderr);
    _exit(1);
}

void aula_server_shutdown(aula_server *s)
{
    if (s->stopping)
        return;
    s->stopping = 1;
    AULA_LOG_INFO("server", "shutting down", "websockets=%zu",
                  aula_signaling_sessions(s->signaling));
    uv_timer_stop(&s->ping_timer);
    aula_event_reminder_stop(s->reminder);
    s->reminder = NULL;
    uv_signal_stop(&s->sigterm);
    uv_signal_stop(&s->sigint);
    uv_timer_start(&s->shutdown_timer, on_shutdown_timeout, (uint64_t)s->cfg->shutdown_timeout, 0);
    uv_unref((uv_handle_t *)&s->shutdown_timer);
    s->waiting = 2;
    aula_signaling_close_all(s->signaling, on_sessions_closed, s);
    if (s->http)
        aula_http_server_close(s->http, on_http_closed, s);
    else
        on_closed_part(s);
}

static void on_signal(uv_signal_t *h, int signum)
{
    aula_server *s = h->data;
    AULA_LOG_INFO("server", "signal received", "signal=%s", signum == SIGTERM ? "TERM" : "INT");
    aula_server_shutdown(s);
}

/* ---- start ------------------------------------------------------------ */

static int make_dir(const char *path)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp)
        return AULA_EINVAL;
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0750) != 0 && errno != EEXIST)
            return aula_error_from_errno(errno);
        *p = '/';
    }
    if (mkdir(tmp, 0750) != 0 && errno != EEXIST)
        return aula_error_from_errno(errno);
    return 0;
}

static int open_store(aula_server *s)
{
    int rc = make_dir(s->cfg->data_dir);
    if (rc != 0) {
        AULA_LOG_ERROR("server", "cannot create data folder", "data_dir=%s err=%s",
                       s->cfg->data_dir, strerror(errno));
        return rc;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/aula.db", s->cfg->data_dir);
    return aula_store_sqlite_open(path, &s->store);
}

/* The join token signer, from jwt_secret or the key file in data_dir. */
static int open_signer(aula_server *s)
{
    unsigned char *key = NULL;
    size_t len = 0;
    char err[512] = "";
    int rc = aula_join_key_load(s->cfg->jwt_secret, s->cfg->data_dir, &key, &len, err, sizeof err);
    if (rc != 0) {
        AULA_LOG_ERROR("server", "cannot load the join token key", "err=\"%s\"", err);
        return rc;
    }
    s->signer = aula_join_signer_create(key, len, s->cfg->join_token_ttl);
    OPENSSL_cleanse(key, len);
    aula_free(key);
    return 0;
}

static int start_http(aula_server *s)
{
    const aula_config *c = s->cfg;
    aula_http_server_config hc = {
        .host = c->http_host,
        .port = (int)c->http_port,
        .limits =
            {
                .max_header_bytes = (size_t)c->http_max_header,
                .max_body_bytes = (size_t)c->http_max_body,
                .request_timeout_ms = (uint64_t)c->http_request_timeout,
                .idle_timeout_ms = (uint64_t)c->http_idle_timeout,
                .max_connections = (size_t)c->http_max_connections,
            },
        .tls_cert = c->tls_cert,
        .tls_key = c->tls_key,
        .on_request = aula_routes_handle,
        .on_head = aula_routes_head,
        .ud = &s->routes,
    };
    int rc = aula_http_server_create(s->loop, &hc, &s->http);
    if (rc != 0)
        AULA_LOG_ERROR("server", "cannot start HTTP server", "host=%s port=%lld err=%s",
                       c->http_host, (long long)c->http_port, aula_strerror(rc));
    return rc;
}

static void print_url(aula_server *s)
{
    const aula_config *c = s->cfg;
    int tls = *c->tls_cert != '\0';
    int port = aula_http_server_port(s->http);
    const char *host = strcmp(c->http_host, "0.0.0.0") == 0 ? "127.0.0.1" : c->http_host;
    AULA_LOG_INFO("server", "listening", "url=%s://%s:%d/ workers=%zu data_dir=%s",
                  tls ? "https" : "http", host, port, s->n_workers, c->data_dir);
    printf("aula is running. Open %s://%s:%d/ in your browser.\n", tls ? "https" : "http", host,
           port);
    if (*c->public_url)
        printf("People join through %s\n", c->public_url);
    printf("Press Ctrl+C to stop.\n");
    fflush(stdout);
}

static void init_control(aula_server *s)
{
    uv_timeval64_t tv;
    uv_gettimeofday(&tv);
    s->start_time = (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
    s->metrics = aula_http_metrics_create();
    s->rooms = aula_rooms_create(s->store);
    aula_media_sig_config mc = {
        .media_host = s->cfg->media_host,
        .fingerprint = aula_dtls_identity_fingerprint(s->identity),
        .n_workers = worker_count(s),
        .send = media_send,
        .worker_port = media_worker_port,
        .ud = s,
    };
    s->media = aula_media_sig_create(&mc);
    aula_signaling_config sc = {
        .media = s->media,
        .ws =
            {
                .max_message_bytes = (size_t)s->cfg->ws_max_message,
                .ping_interval_ms = (uint64_t)s->cfg->ws_ping_interval,
            },
        .signer = s->signer,
        .qa_per_minute = (uint32_t)s->cfg->qa_per_minute,
    };
    s->signaling = aula_signaling_create(s->loop, s->rooms, &sc);
    s->login_limit = aula_login_limit_create();
    s->routes = (aula_routes){
        .auth = {.store = s->store,
                 .limit = s->login_limit,
                 .public_url = s->cfg->public_url,
                 .tls = *s->cfg->tls_cert != '\0'},
        .api = {.store = s->store,
                .rooms = s->rooms,
                .signer = s->signer,
                .auth = &s->routes.auth,
                .public_url = s->cfg->public_url,
                .tls = *s->cfg->tls_cert != '\0'},
        .signaling = s->signaling,
        .metrics = s->metrics,
        .web_dir = *s->cfg->web_dir ? s->cfg->web_dir : AULA_SOURCE_WEB_DIR,
        .status = fill_status,
        .status_ud = s,
    };
    /* A folder that cannot be prepared is logged; uploads then fail. */
    aula_files_api_init(&s->routes.files, s->store, s->signer, s->cfg->data_dir,
                        (uint64_t)s->cfg->file_max_bytes, s->metrics);
    /* Events (issue 5): the /api/v1/events routes and the reminder timer. */
    s->routes.events = (aula_event_api){.store = s->store,
                                        .signer = s->signer,
                                        .auth = &s->routes.auth,
                                        .mailer = s->mailer,
                                        .files = &s->routes.files,
                                        .public_url = s->cfg->public_url,
                                        .tls = *s->cfg->tls_cert != '\0',
                                        .reminder_before_ms = s->cfg->reminder_before};
    s->reminder = aula_event_reminder_start(s->loop, &s->routes.events);
    s->ping_timer.data = s->shutdown_timer.data = s->sigterm.data = s->sigint.data = s;
    uv_timer_init(s->loop, &s->ping_timer);
    uv_timer_init(s->loop, &s->shutdown_timer);
    uv_signal_init(s->loop, &s->sigterm);
    uv_signal_init(s->loop, &s->sigint);
}

/* A wrong smtp_url or smtp_from stops the start: better than finding out
 * when the first invitation should go. An empty smtp_url is fine. */
static int start_mailer(aula_server *s)
{
    aula_mailer_config mc;
    aula_mailer_config_from(&mc, s->cfg);
    char why[256], q[300];
    int rc = aula_mailer_create(s->loop, &mc, &s->mailer, why, sizeof why);
    if (rc != 0)
        AULA_LOG_ERROR("server", "cannot set up e-mail", "why=%s",
                       aula_log_quote(q, sizeof q, why));
    return rc;
}

int aula_server_start(uv_loop_t *loop, const aula_config *cfg, int *exit_status, aula_server **out)
{
    aula_server *s = aula_calloc(1, sizeof *s);
    s->loop = loop;
    s->cfg = cfg;
    s->exit_status = exit_status;
    *exit_status = 0;

    int rc = open_store(s);
    if (rc == 0)
        rc = open_signer(s);
    if (rc == 0)
        rc = start_mailer(s);
    if (rc == 0 && (rc = aula_srtp_global_init()) != 0)
        AULA_LOG_ERROR("server", "cannot initialise SRTP", "err=%s", aula_strerror(rc));
    if (rc == 0 && (rc = aula_dtls_identity_create(&s->identity)) != 0)
        AULA_LOG_ERROR("server", "cannot create the DTLS certificate", "err=%s", aula_strerror(rc));
    if (rc != 0) {
        aula_join_signer_destroy(s->signer);
        aula_mailer_close(s->mailer, NULL, NULL);
        aula_store_close(s->store);
        aula_free(s);
        return rc;
    }
    init_control(s);
    if ((rc = start_workers(s)) != 0) {
        /* Undo in reverse: workers stop, then release() frees the rest. */
        s->stopping = 1;
        stop_workers(s);
        return rc;
    }
    /* HTTP starts when the workers' first pongs arrive. */
    uv_signal_start(&s->sigterm, on_signal, SIGTERM);
    uv_signal_start(&s->sigint, on_signal, SIGINT);
    *out = s;
    return 0;
}
