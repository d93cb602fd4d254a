/* Why curl "easy" on the libuv threadpool and not curl "multi" on the loop:
 * libcurl's SMTP code still blocks in places even in multi mode (closing a
 * connection sends QUIT and waits for the answer), and aula sends few
 * e-mails (registrations, invitations, reminders), so there is nothing to
 * gain from many parallel deliveries. One delivery at a time runs as a
 * uv_queue_work item: the job struct belongs to the worker thread from
 * uv_queue_work until the after-work callback hands it back to the loop,
 * so no state is shared except the atomic abort flag that closing sets and
 * curl's progress callback reads. One threadpool thread is used at most. */
#include "event/mailer.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/log.h"
#include "event/mime.h"

#include <curl/curl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define REPLY_MAX 200
#define MAX_BACKOFF_MS (3600 * 1000LL)

typedef struct job {
    struct job *next; /* in the pending or the waiting list */
    aula_mailer *m;   /* weak: the mailer outlives its jobs */
    uv_work_t work;
    char to[AULA_MAIL_ADDR_MAX + 1];
    char *data; /* owned */
    size_t len, off;
    int attempts;
    uint64_t due; /* loop time of the next attempt, while waiting */
    aula_mail_done_cb cb;
    void *ud;
    /* Written by the worker thread, read after it is done. */
    int curl_code;
    int reply_code;
    char reply[REPLY_MAX];
    char errbuf[CURL_ERROR_SIZE];
} job;

struct aula_mailer {
    uv_loop_t *loop; /* borrowed */
    int enabled;
    char *from;      /* owned: the header form */
    char *from_addr; /* owned: "<addr>" for MAIL FROM */
    char *url;       /* owned: the URL for curl, options removed */
    char *server;    /* owned: scheme://host:port for messages */
    char *cainfo;    /* owned, or NULL */
    int starttls;
    int insecure;
    size_t max_queue;
    int retries;
    int64_t retry_delay_ms, timeout_ms;

    job *pending, *pending_tail; /* FIFO of jobs ready to go */
    job *waiting;                /* jobs waiting for a retry (unordered) */
    job *in_flight;              /* the job on the threadpool, or NULL */
    size_t n_jobs;
    uv_timer_t retry_timer;
    atomic_int abort;
    aula_mailer_stats stats;

    int closing;
    void (*close_done)(void *);
    void *close_ud;
};

void aula_mailer_config_from(aula_mailer_config *mc, const aula_config *cfg)
{
    mc->url = cfg->smtp_url;
    mc->from = cfg->smtp_from;
    mc->max_queue = (size_t)cfg->smtp_max_queue;
    mc->retries = cfg->smtp_retries > 100 ? 100 : (int)cfg->smtp_retries;
    mc->retry_delay_ms = cfg->smtp_retry_delay;
    mc->timeout_ms = cfg->smtp_timeout;
}

int aula__mailer_transient(int curl_code, int smtp_code)
{
    if (smtp_code >= 400 && smtp_code < 500)
        return 1;
    if (smtp_code >= 500)
        return 0;
    switch (curl_code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
        return 1;
    default:
        return 0;
    }
}

int64_t aula__mailer_backoff_ms(int64_t first_ms, int n)
{
    int64_t d = first_ms;
    for (int i = 1; i < n && d < MAX_BACKOFF_MS; i++)
        d *= 2;
    return d < MAX_BACKOFF_MS ? d : MAX_BACKOFF_MS;
}

/* ---- the URL ----------------------------------------------------------- */

static int parse_options(aula_mailer *m, char *query, char *why, size_t whylen)
{
    char *save = NULL;
    for (char *opt = strtok_r(query, "&", &save); opt; opt = strtok_r(NULL, "&", &save)) {
        if (strcmp(opt, "starttls") == 0) {
            m->starttls = 1;
        } else if (strcmp(opt, "insecure") == 0) {
            m->insecure = 1;
        } else if (strncmp(opt, "cainfo=", 7) == 0 && opt[7]) {
            char *file = curl_easy_unescape(NULL, opt + 7, 0, NULL);
            aula_free(m->cainfo);
            m->cainfo = aula_strdup(file);
            curl_free(file);
        } else {
            snprintf(why, whylen,
                     "smtp_url: unknown option \"%.40s\" (known: starttls, insecure, cainfo=FILE)",
                     opt);
            return AULA_ECONFIG;
        }
    }
    return 0;
}

static int parse_url(aula_mailer *m, const char *url, char *why, size_t whylen)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *query = NULL, *host = NULL, *port = NULL, *clean = NULL;
    int rc = AULA_ECONFIG;
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        snprintf(why, whylen, "smtp_url is not a URL (expected smtp://host:port or smtps://...)");
        goto out;
    }
    if (strcmp(scheme, "smtp") != 0 && strcmp(scheme, "smtps") != 0) {
        snprintf(why, whylen, "smtp_url must start with smtp:// or smtps://, not %.20s://", scheme);
        goto out;
    }
    if (curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK &&
        parse_options(m, query, why, whylen) != 0)
        goto out;
    if (strcmp(scheme, "smtps") == 0 && m->starttls) {
        snprintf(why, whylen, "smtp_url: smtps:// is TLS from the start; starttls is for smtp://");
        goto out;
    }
    curl_url_set(u, CURLUPART_QUERY, NULL, 0);
    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
    if (curl_url_get(u, CURLUPART_URL, &clean, 0) != CURLUE_OK) {
        snprintf(why, whylen, "smtp_url is not a URL");
        goto out;
    }
    m->url = aula_strdup(clean);
    char server[300];
    snprintf(server, sizeof server, "%s://%s:%s", scheme, host, port ? port : "?");
    m->server = aula_strdup(server);
    rc = 0;
out:
    curl_free(scheme);
    curl_free(query);
    curl_free(host);
    curl_free(port);
    curl_free(clean);
    curl_url_cleanup(u);
    return rc;
}

/* ---- one delivery, on a threadpool thread ----------------------------- */

static size_t read_cb(char *buf, size_t size, size_t nitems, void *ud)
{
    job *j = ud;
    size_t n = j->len - j->off;
    if (n > size * nitems)
        n = size * nitems;
    memcpy(buf, j->data + j->off, n);
    j->off += n;
    return n;
}

/* Keeps the server's last complete reply line ("250 2.0.0 Ok"), which is
 * what people need to see when something goes wrong. QUIT's 221 is not
 * interesting and is skipped. */
static int debug_cb(CURL *h, curl_infotype type, char *data, size_t size, void *ud)
{
    (void)h;
    job *j = ud;
    if (type != CURLINFO_HEADER_IN || size < 4 || data[3] != ' ' || memcmp(data, "221", 3) == 0)
        return 0;
    size_t n = 0;
    while (n < size && n < REPLY_MAX - 1 && data[n] != '\r' && data[n] != '\n')
        n++;
    for (size_t i = 0; i < n; i++)
        j->reply[i] = (data[i] >= 0x20 && data[i] < 0x7F) ? data[i] : '?';
    j->reply[n] = '\0';
    j->reply_code = (data[0] - '0') * 100 + (data[1] - '0') * 10 + (data[2] - '0');
    return 0;
}

static int progress_cb(void *ud, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
    (void)a, (void)b, (void)c, (void)d;
    job *j = ud;
    return atomic_load(&j->m->abort) ? 1 : 0;
}

static void deliver(uv_work_t *w)
{
    job *j = w->data;
    const aula_mailer *m = j->m; /* only its immutable settings are read here */
    CURL *h = curl_easy_init();
    struct curl_slist *rcpt = NULL;
    char to[AULA_MAIL_ADDR_MAX + 3];
    snprintf(to, sizeof to, "<%s>", j->to);
    rcpt = curl_slist_append(rcpt, to);
    j->off = 0;
    j->reply[0] = j->errbuf[0] = '\0';
    j->reply_code = 0;
    curl_easy_setopt(h, CURLOPT_URL, m->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, m->from_addr);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(h, CURLOPT_READDATA, j);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)m->timeout_ms);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, j->errbuf);
    curl_easy_setopt(h, CURLOPT_VERBOSE, 1L); /* feeds debug_cb; prints nothing */
    curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, debug_cb);
    curl_easy_setopt(h, CURLOPT_DEBUGDATA, j);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, progress_cb);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, j);
    if (m->starttls)
        curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    if (m->insecure) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (m->cainfo)
        curl_easy_setopt(h, CURLOPT_CAINFO, m->cainfo);
    j->curl_code = (int)curl_easy_perform(h);
    curl_easy_cleanup(h);
    curl_slist_free_all(rcpt);
}

/* ---- the queue, on the loop thread ------------------------------------ */

static void pump(aula_mailer *m);

static const char *failure_text(int code)
{
    switch (code) {
    case CURLE_COULDNT_CONNECT:
        return "could not connect to the SMTP server";
    case CURLE_COULDNT_RESOLVE_HOST:
        return "could not resolve the SMTP server's name";
    case CURLE_OPERATION_TIMEDOUT:
        return "the SMTP server did not finish in time";
    case CURLE_LOGIN_DENIED:
        return "the SMTP server refused the user name or password";
    case CURLE_USE_SSL_FAILED:
        return "the SMTP server does not offer STARTTLS";
    case CURLE_PEER_FAILED_VERIFICATION:
        return "the SMTP server's certificate could not be verified";
    case CURLE_SSL_CONNECT_ERROR:
        return "TLS with the SMTP server failed";
    case CURLE_ABORTED_BY_CALLBACK:
        return "aula is shutting down";
    default:
        return "the SMTP server did not take the message";
    }
}

static void finish(aula_mailer *m, job *j, int status, const char *detail)
{
    m->n_jobs--;
    if (j->cb)
        j->cb(j->ud, status, detail);
    aula_free(j->data);
    aula_free(j);
}

static void describe(const aula_mailer *m, const job *j, char *out, size_t n)
{
    if (j->curl_code == CURLE_OK) {
        snprintf(out, n, "%s took the message for %s%s%s", m->server, j->to,
                 j->reply[0] ? ": " : "", j->reply);
        return;
    }
    snprintf(out, n, "%s (%s%s%s%s%s)", failure_text(j->curl_code), m->server,
             j->errbuf[0] ? ": " : "", j->errbuf, j->reply_code >= 400 ? "; it said: " : "",
             j->reply_code >= 400 ? j->reply : "");
}

static void on_retry_timer(uv_timer_t *t);

static void schedule_retry(aula_mailer *m, job *j, uint64_t delay)
{
    j->due = uv_now(m->loop) + delay;
    j->next = m->waiting;
    m->waiting = j;
    uint64_t first = j->due;
    for (job *w = m->waiting; w; w = w->next)
        if (w->due < first)
            first = w->due;
    uint64_t now = uv_now(m->loop);
    uv_timer_start(&m->retry_timer, on_retry_timer, first > now ? first - now : 0, 0);
}

static void push_pending(aula_mailer *m, job *j)
{
    j->next = NULL;
    if (m->pending_tail)
        m->pending_tail->next = j;
    else
        m->pending = j;
    m->pending_tail = j;
}

static void on_retry_timer(uv_timer_t *t)
{
    aula_mailer *m = t->data;
    uint64_t now = uv_now(m->loop), first = UINT64_MAX;
    job **pp = &m->waiting;
    while (*pp) {
        job *j = *pp;
        if (j->due <= now) {
            *pp = j->next;
            push_pending(m, j);
        } else {
            if (j->due < first)
                first = j->due;
            pp = &j->next;
        }
    }
    if (first != UINT64_MAX)
        uv_timer_start(&m->retry_timer, on_retry_timer, first - now, 0);
    pump(m);
}

static void maybe_free(aula_mailer *m);

static void delivered(uv_work_t *w, int status)
{
    job *j = w->data;
    aula_mailer *m = j->m;
    m->in_flight = NULL;
    char detail[600];
    if (status == UV_ECANCELED)
        j->curl_code = CURLE_ABORTED_BY_CALLBACK;
    describe(m, j, detail, sizeof detail);
    char to[AULA_MAIL_ADDR_MAX * 2 + 8];
    aula_log_quote(to, sizeof to, j->to);
    if (j->curl_code == CURLE_OK) {
        m->stats.sent++;
        AULA_LOG_INFO("mail", "e-mail sent", "to=%s attempts=%d", to, j->attempts);
        finish(m, j, 0, detail);
    } else if (m->closing) {
        finish(m, j, AULA_ECLOSED, "aula is shutting down; the e-mail was not sent");
    } else if (j->attempts <= m->retries && aula__mailer_transient(j->curl_code, j->reply_code)) {
        int64_t delay = aula__mailer_backoff_ms(m->retry_delay_ms, j->attempts);
        char q[700];
        AULA_LOG_WARN("mail", "e-mail attempt failed, will retry",
                      "to=%s attempt=%d retry_in_ms=%lld detail=%s", to, j->attempts,
                      (long long)delay, aula_log_quote(q, sizeof q, detail));
        m->stats.retried++;
        schedule_retry(m, j, (uint64_t)delay);
    } else {
        char q[700];
        m->stats.failed++;
        AULA_LOG_ERROR("mail", "e-mail not sent", "to=%s attempts=%d detail=%s", to, j->attempts,
                       aula_log_quote(q, sizeof q, detail));
        finish(m, j, AULA_EIO, detail);
    }
    if (m->closing)
        maybe_free(m);
    else
        pump(m);
}

static void pump(aula_mailer *m)
{
    if (m->in_flight || !m->pending || m->closing)
        return;
    job *j = m->pending;
    m->pending = j->next;
    if (!m->pending)
        m->pending_tail = NULL;
    j->next = NULL;
    j->attempts++;
    m->in_flight = j;
    j->work.data = j;
    int rc = uv_queue_work(m->loop, &j->work, deliver, delivered);
    if (rc != 0) {
        /* libuv refuses work only for programmer errors (no callback). */
        AULA_LOG_ERROR("mail", "cannot queue an e-mail delivery", "err=%s", uv_strerror(rc));
        m->in_flight = NULL;
        m->stats.failed++;
        finish(m, j, AULA_EIO, "aula could not start the delivery");
    }
}

/* ---- the public API --------------------------------------------------- */

int aula_mailer_create(uv_loop_t *loop, const aula_mailer_config *mc, aula_mailer **out, char *why,
                       size_t whylen)
{
    aula_mailer *m = aula_calloc(1, sizeof *m);
    m->loop = loop;
    m->max_queue = mc->max_queue;
    m->retries = mc->retries;
    m->retry_delay_ms = mc->retry_delay_ms;
    m->timeout_ms = mc->timeout_ms > 0 ? mc->timeout_ms : 30000;
    atomic_init(&m->abort, 0);
    char name[AULA_MAIL_NAME_MAX], addr[AULA_MAIL_ADDR_MAX + 1];
    const char *from = mc->from ? mc->from : "";
    if (aula_mail_addr_parse(from, name, sizeof name, addr, sizeof addr) != 0) {
        snprintf(why, whylen,
                 "smtp_from is not an address (expected \"Name <user@example.org>\" or "
                 "user@example.org)");
        aula_free(m);
        return AULA_ECONFIG;
    }
    m->from = aula_strdup(from);
    char angle[AULA_MAIL_ADDR_MAX + 3];
    snprintf(angle, sizeof angle, "<%s>", addr);
    m->from_addr = aula_strdup(angle);
    m->enabled = mc->url && *mc->url;
    if (m->enabled) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        int rc = parse_url(m, mc->url, why, whylen);
        if (rc != 0) {
            m->closing = 1;
            aula_mailer_close(m, NULL, NULL);
            return rc;
        }
    }
    uv_timer_init(loop, &m->retry_timer);
    m->retry_timer.data = m;
    if (m->enabled)
        AULA_LOG_INFO("mail", "e-mail is on", "server=%s starttls=%d from=%s", m->server,
                      m->starttls, m->from_addr);
    else
        AULA_LOG_INFO("mail", "e-mail is off", "hint=%s", "\"set smtp_url to send e-mail\"");
    *out = m;
    return 0;
}

int aula_mailer_enabled(const aula_mailer *m)
{
    return m && m->enabled;
}

const char *aula_mailer_from(const aula_mailer *m)
{
    return m->from;
}

const char *aula_mailer_server(const aula_mailer *m)
{
    return m->server ? m->server : "(e-mail is off)";
}

int aula_mailer_send(aula_mailer *m, const char *to, const char *message, size_t len,
                     aula_mail_done_cb cb, void *ud)
{
    if (m->closing)
        return AULA_ECLOSED;
    if (!m->enabled)
        return AULA_ECONFIG;
    if (!aula_mail_addr_valid(to))
        return AULA_EINVAL;
    if (m->n_jobs >= m->max_queue) {
        m->stats.dropped++;
        char q[AULA_MAIL_ADDR_MAX * 2 + 8];
        AULA_LOG_ERROR("mail", "e-mail queue full, message dropped", "to=%s max_queue=%zu",
                       aula_log_quote(q, sizeof q, to), m->max_queue);
        return AULA_EAGAIN;
    }
    job *j = aula_calloc(1, sizeof *j);
    j->m = m;
    snprintf(j->to, sizeof j->to, "%s", to);
    j->data = aula_malloc(len ? len : 1);
    memcpy(j->data, message, len);
    j->len = len;
    j->cb = cb;
    j->ud = ud;
    m->n_jobs++;
    push_pending(m, j);
    pump(m);
    return 0;
}

void aula_mailer_stats_get(const aula_mailer *m, aula_mailer_stats *out)
{
    *out = m->stats;
    out->queued = m->n_jobs;
}

static void on_timer_closed(uv_handle_t *h)
{
    aula_mailer *m = h->data;
    if (m->close_done)
        m->close_done(m->close_ud);
    aula_free(m->from);
    aula_free(m->from_addr);
    aula_free(m->url);
    aula_free(m->server);
    aula_free(m->cainfo);
    if (m->enabled)
        curl_global_cleanup();
    aula_free(m);
}

/* Frees m once the delivery in flight (if any) has come back. */
static void maybe_free(aula_mailer *m)
{
    if (m->in_flight || uv_is_closing((uv_handle_t *)&m->retry_timer))
        return;
    uv_close((uv_handle_t *)&m->retry_timer, on_timer_closed);
}

static void fail_list(aula_mailer *m, job *list)
{
    while (list) {
        job *next = list->next;
        finish(m, list, AULA_ECLOSED, "aula is shutting down; the e-mail was not sent");
        list = next;
    }
}

void aula_mailer_close(aula_mailer *m, void (*done)(void *ud), void *ud)
{
    if (!m) {
        if (done)
            done(ud);
        return;
    }
    if (!m->retry_timer.loop) {
        /* Failed inside create: no handle exists yet. */
        aula_free(m->from);
        aula_free(m->from_addr);
        aula_free(m->url);
        aula_free(m->server);
        aula_free(m->cainfo);
        curl_global_cleanup();
        aula_free(m);
        return;
    }
    m->closing = 1;
    m->close_done = done;
    m->close_ud = ud;
    atomic_store(&m->abort, 1);
    uv_timer_stop(&m->retry_timer);
    job *pending = m->pending, *waiting = m->waiting;
    m->pending = m->pending_tail = m->waiting = NULL;
    fail_list(m, pending);
    fail_list(m, waiting);
    maybe_free(m);
}
