#include "http/http_server.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/log.h"
#include "http/http_request.h"
#include "http/http_server_internal.h"
#include "http/tls.h"

#include <assert.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* The loop glue: sockets, timers and writes around the sans-IO parser
 * (http_request.c) and TLS (tls.c). A connection is freed only in the close
 * callbacks of its two handles, so every libuv callback can rely on it.
 * The server is freed only once its listener and every connection are
 * closed, so a connection can always reach its server. */

/* After an error answer the socket is half-closed and read (and dropped)
 * this long, so that the client sees the answer instead of a reset caused
 * by the request bytes we did not read. */
#define LINGER_MS 2000
#define LISTEN_BACKLOG 511
#define REFUSE_LOG_INTERVAL_MS 10000
#define MAX_WRITE_BUFS 8

typedef struct write_req {
    uv_write_t req;
    aula_http_conn *conn; /* borrowed: write callbacks run before the close callback */
    char *data;           /* owned */
    size_t len;
} write_req;

/* RFC 9110 section 15 reason phrases. */
/* clang-format off */
static const struct {
    int status;
    const char *reason;
} reasons[] = {
    {100, "Continue"}, {101, "Switching Protocols"}, {200, "OK"}, {201, "Created"},
    {202, "Accepted"}, {204, "No Content"}, {206, "Partial Content"}, {301, "Moved Permanently"},
    {302, "Found"}, {303, "See Other"}, {304, "Not Modified"}, {307, "Temporary Redirect"},
    {308, "Permanent Redirect"}, {400, "Bad Request"}, {401, "Unauthorized"}, {403, "Forbidden"},
    {404, "Not Found"}, {405, "Method Not Allowed"}, {406, "Not Acceptable"},
    {408, "Request Timeout"}, {409, "Conflict"}, {410, "Gone"}, {411, "Length Required"},
    {412, "Precondition Failed"}, {413, "Content Too Large"}, {414, "URI Too Long"},
    {415, "Unsupported Media Type"}, {416, "Range Not Satisfiable"}, {417, "Expectation Failed"},
    {422, "Unprocessable Content"}, {426, "Upgrade Required"}, {428, "Precondition Required"},
    {429, "Too Many Requests"}, {431, "Request Header Fields Too Large"},
    {500, "Internal Server Error"}, {501, "Not Implemented"}, {502, "Bad Gateway"},
    {503, "Service Unavailable"}, {504, "Gateway Timeout"}, {505, "HTTP Version Not Supported"},
};
/* clang-format on */

const char *aula_http_reason(int status)
{
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
        if (reasons[i].status == status)
            return reasons[i].reason;
    return "Unknown";
}

/* The IMF-fixdate of RFC 7231 section 7.1.1.1, built by hand because
 * strftime's names follow the locale. Cached per second. */
static const char *http_date(aula_http_server *s)
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t now = time(NULL);
    if (now != s->date_sec || !s->date[0]) {
        struct tm tm;
        gmtime_r(&now, &tm);
        snprintf(s->date, sizeof s->date, "%s, %02d %s %04d %02d:%02d:%02d GMT",
                 days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900,
                 tm.tm_hour, tm.tm_min, tm.tm_sec);
        s->date_sec = now;
    }
    return s->date;
}

/* ---- timers ---- */

static void on_timer(uv_timer_t *t);

void aula__http_timer_start(aula_http_conn *c, enum timer_kind kind, uint64_t ms)
{
    c->timer_kind = kind;
    uv_timer_start(&c->timer, on_timer, ms, 0);
}

void aula__http_timer_stop(aula_http_conn *c)
{
    c->timer_kind = TIMER_NONE;
    uv_timer_stop(&c->timer);
}

/* ---- writing ---- */

static void on_write(uv_write_t *req, int status)
{
    write_req *w = (write_req *)req;
    aula_http_conn *c = w->conn;
    c->pending_writes--;
    aula_free(w->data);
    aula_free(w);
    if (status < 0 && status != UV_ECANCELED) {
        AULA_LOG_DEBUG("http", "write failed", "conn=%llu remote=%s err=%s", c->id, c->remote,
                       uv_err_name(status));
        aula__http_conn_close_now(c);
        return;
    }
    if (c->state == CONN_DRAINING && c->pending_writes == 0) {
        aula__http_conn_drain(c, c->linger); /* drained: go on to close */
        return;
    }
    if (c->state != CONN_HTTP)
        return;
    /* The client reads: that is activity. */
    if (c->timer_kind == TIMER_IDLE)
        aula__http_timer_start(c, TIMER_IDLE, c->server->limits.idle_timeout_ms);
    if (c->out_active)
        aula__http_pump_out(c);
    if (c->state == CONN_HTTP && c->paused && !c->out_active &&
        aula_http_conn_pending(c) < PIPELINE_PAUSE_BYTES) {
        c->paused = false;
        aula__http_conn_process(c, NULL, 0);
    }
}

/* Hands b's storage to uv_write. Returns 0, or a libuv code after which the
 * connection is closing. */
static int queue_write(aula_http_conn *c, aula_buf *b)
{
    if (b->len == 0) {
        aula_buf_deinit(b);
        return 0;
    }
    if (c->state == CONN_CLOSED) {
        aula_buf_deinit(b);
        return UV_ECANCELED;
    }
    write_req *w = aula_malloc(sizeof *w);
    w->conn = c;
    w->len = b->len;
    w->data = aula_buf_steal(b);
    /* uv_buf_t lengths are unsigned int on some platforms: split. */
    uv_buf_t bufs[MAX_WRITE_BUFS];
    unsigned n = 0;
    for (size_t off = 0; off < w->len && n < MAX_WRITE_BUFS; n++) {
        size_t part = w->len - off > (1u << 30) ? (1u << 30) : w->len - off;
        bufs[n] = uv_buf_init(w->data + off, (unsigned)part);
        off += part;
    }
    int rc = w->len > (size_t)MAX_WRITE_BUFS << 30
                 ? UV_E2BIG
                 : uv_write(&w->req, (uv_stream_t *)&c->tcp, bufs, n, on_write);
    if (rc < 0) {
        AULA_LOG_DEBUG("http", "write failed", "conn=%llu remote=%s err=%s", c->id, c->remote,
                       uv_err_name(rc));
        aula_free(w->data);
        aula_free(w);
        aula__http_conn_close_now(c);
        return rc;
    }
    c->pending_writes++;
    return 0;
}

static int flush_tls(aula_http_conn *c)
{
    aula_buf out;
    aula_buf_init(&out);
    aula_tls_drain(c->tls, &out);
    return queue_write(c, &out);
}

/* Sends b (plaintext), taking its storage. */
int aula__http_conn_send(aula_http_conn *c, aula_buf *b)
{
    if (!c->tls)
        return queue_write(c, b);
    int rc = b->len ? aula_tls_write(c->tls, b->data, b->len) : 0;
    aula_buf_deinit(b);
    if (rc != 0) {
        aula__http_conn_close_now(c);
        return rc;
    }
    return flush_tls(c);
}

/* ---- closing ---- */

static void server_maybe_done(aula_http_server *s)
{
    if (!s->closing || !s->listener_closed || s->n_conns > 0 || !s->done)
        return;
    void (*done)(void *) = s->done;
    void *ud = s->done_ud;
    s->done = NULL;
    aula_tls_ctx_destroy(s->tls);
    aula_free(s);
    done(ud);
}

static void conn_free(aula_http_conn *c)
{
    aula_http_server *s = c->server;
    if (c->prev)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    s->n_conns--;
    AULA_LOG_DEBUG("http", "connection closed", "conn=%llu remote=%s", c->id, c->remote);
    if (c->upgraded)
        c->stream_cb.on_close(c->stream_ud);
    aula__http_body_abort(c, 0);
    aula__http_out_abort(c);
    aula_http_parser_destroy(c->parser);
    aula_tls_destroy(c->tls);
    aula_buf_deinit(&c->plain);
    aula_free(c->hdrs);
    aula_free(c);
    server_maybe_done(s);
}

static void on_handle_closed(uv_handle_t *h)
{
    aula_http_conn *c = h->data;
    if (--c->open_handles == 0)
        conn_free(c);
}

/* Closes at once; queued writes are cancelled. */
void aula__http_conn_close_now(aula_http_conn *c)
{
    if (c->state == CONN_CLOSED)
        return;
    c->state = CONN_CLOSED;
    c->reading = false;
    uv_close((uv_handle_t *)&c->tcp, on_handle_closed);
    uv_close((uv_handle_t *)&c->timer, on_handle_closed);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    aula_http_conn *c = req->data;
    if (status < 0 && c->state == CONN_LINGER)
        aula__http_conn_close_now(c);
}

/* Closes once the queued bytes are written (bounded by the idle timeout,
 * for a client that does not read). With linger, the write side is shut
 * first and the socket read until the client closes or LINGER_MS pass. */
void aula__http_conn_drain(aula_http_conn *c, bool linger)
{
    if (c->state == CONN_HTTP || c->state == CONN_UPGRADED) {
        c->state = CONN_DRAINING;
        c->linger = linger;
        if (c->tls) {
            aula_tls_shutdown(c->tls);
            if (flush_tls(c) != 0)
                return;
        }
        if (linger)
            aula__http_read_start(c);
        else
            aula__http_read_stop(c);
        aula__http_timer_start(c, TIMER_DRAIN, c->server->limits.idle_timeout_ms);
    }
    if (c->state != CONN_DRAINING || c->pending_writes > 0)
        return;
    if (!c->linger) {
        aula__http_conn_close_now(c);
        return;
    }
    c->state = CONN_LINGER;
    c->shutdown_req.data = c;
    if (uv_shutdown(&c->shutdown_req, (uv_stream_t *)&c->tcp, on_shutdown) != 0) {
        aula__http_conn_close_now(c);
        return;
    }
    aula__http_timer_start(c, TIMER_LINGER, LINGER_MS);
}

/* ---- responses ---- */

static bool header_ok(const aula_http_header *h)
{
    if (!h->name || !h->value || !h->name[0])
        return false;
    for (const char *p = h->name; *p; p++)
        if (*p <= ' ' || *p == ':' || *p == 0x7f)
            return false;
    /* CR or LF in a value would let a caller's data forge headers. */
    return strpbrk(h->value, "\r\n") == NULL;
}

static void build_error_body(aula_buf *b, int status, const char *message)
{
    aula_buf_printf(b, "{\"error\":{\"status\":%d,\"message\":\"", status);
    for (const unsigned char *p = (const unsigned char *)(message ? message : ""); *p; p++) {
        if (*p == '"' || *p == '\\')
            aula_buf_printf(b, "\\%c", *p);
        else if (*p < 0x20)
            aula_buf_printf(b, "\\u%04x", *p);
        else
            aula_buf_append(b, p, 1);
    }
    aula_buf_append_str(b, "\"}}");
}

/* Answers a request the parser refused (or the clock ran out on) and
 * closes: the stream position is lost, so nothing after it can be read. */
void aula__http_conn_fail(aula_http_conn *c, int status)
{
    const char *msg = status == 408   ? "request timeout"
                      : status == 413 ? "request body too large"
                      : status == 431 ? "request header fields too large"
                      : status == 505 ? "HTTP version not supported"
                                      : "bad request";
    AULA_LOG_DEBUG("http", "request refused", "conn=%llu remote=%s status=%d", c->id, c->remote,
                   status);
    aula__http_body_abort(c, status);
    aula_buf body, b;
    aula_buf_init(&body);
    aula_buf_init(&b);
    build_error_body(&body, status, msg);
    aula_buf_printf(&b,
                    "HTTP/1.1 %d %s\r\nDate: %s\r\nContent-Type: application/json\r\n"
                    "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                    status, aula_http_reason(status), http_date(c->server), body.len);
    aula_buf_append(&b, body.data, body.len);
    aula_buf_deinit(&body);
    aula__http_timer_stop(c);
    if (aula__http_conn_send(c, &b) == 0)
        aula__http_conn_drain(c, true);
}

int aula__http_build_head(aula_http_request *req, int status, const char *content_type,
                          const aula_http_header *extra, size_t n_extra, uint64_t len, aula_buf *b)
{
    aula_buf_init(b);
    if (!req || req->status != 0 || status < 200 || status > 999)
        return AULA_EINVAL;
    aula_http_conn *c = req->conn;
    assert(c->in_dispatch && "aula_http_respond() is only valid inside the handler");
    for (size_t i = 0; i < n_extra; i++) {
        if (!header_ok(&extra[i])) {
            AULA_LOG_ERROR("http", "invalid response header", "conn=%llu status=%d", c->id, status);
            return AULA_EINVAL;
        }
    }
    if (content_type && strpbrk(content_type, "\r\n"))
        return AULA_EINVAL;
    req->status = status;
    if (c->state != CONN_HTTP)
        return AULA_ECLOSED;

    /* A declined upgrade closes: what follows its head may be another
     * protocol's bytes. So does an answer given before the body was read
     * to its end: the unread rest cannot be told from a next request. */
    bool keep_alive =
        c->req_keep_alive && !c->req_upgrade && !c->server->closing && !c->body_unread;
    bool bodiless_status = status == 204 || status == 304;
    aula_buf_printf(b, "HTTP/1.1 %d %s\r\nDate: %s\r\n", status, aula_http_reason(status),
                    http_date(c->server));
    if (content_type && status != 204)
        aula_buf_printf(b, "Content-Type: %s\r\n", content_type);
    if (!bodiless_status)
        aula_buf_printf(b, "Content-Length: %llu\r\n", (unsigned long long)len);
    aula_buf_printf(b, "Connection: %s\r\n", keep_alive ? "keep-alive" : "close");
    for (size_t i = 0; i < n_extra; i++)
        aula_buf_printf(b, "%s: %s\r\n", extra[i].name, extra[i].value);
    aula_buf_append(b, "\r\n", 2);
    c->close_after_response = !keep_alive;
    return 0;
}

int aula_http_respond(aula_http_request *req, int status, const char *content_type,
                      const aula_http_header *extra, size_t n_extra, const void *body, size_t len)
{
    aula_buf b;
    int rc = aula__http_build_head(req, status, content_type, extra, n_extra, len, &b);
    if (rc != 0) {
        aula_buf_deinit(&b);
        return rc;
    }
    aula_http_conn *c = req->conn;
    assert((body || len == 0 || c->req_head) && "a body of len bytes is needed");
    if (!c->req_head && status != 204 && status != 304 && len)
        aula_buf_append(&b, body, len);
    return aula__http_conn_send(c, &b);
}

int aula_http_respond_error(aula_http_request *req, int status, const char *message)
{
    aula_buf body;
    aula_buf_init(&body);
    build_error_body(&body, status, message);
    int rc = aula_http_respond(req, status, "application/json", NULL, 0, body.data, body.len);
    aula_buf_deinit(&body);
    return rc;
}

const char *aula_http_request_header(const aula_http_request *req, const char *name)
{
    for (size_t i = 0; i < req->n_headers; i++)
        if (strcasecmp(req->headers[i].name, name) == 0)
            return req->headers[i].value;
    return NULL;
}

/* ---- requests ---- */

/* Hands the bytes that followed the upgrade request to the new owner. */
static void finish_upgrade(aula_http_conn *c)
{
    size_t left = 0;
    const char *rest = aula_http_parser_buffered(c->parser, &left);
    if (left && c->state == CONN_UPGRADED)
        c->stream_cb.on_data(c->stream_ud, rest, left);
    aula_http_parser_destroy(c->parser);
    c->parser = NULL;
}

void aula__http_fill_request(aula_http_conn *c, const aula_http_message *m, aula_http_request *req)
{
    if (c->cap_hdrs < m->n_headers) {
        c->cap_hdrs = m->n_headers;
        c->hdrs = aula_realloc(c->hdrs, c->cap_hdrs * sizeof *c->hdrs);
    }
    for (size_t i = 0; i < m->n_headers; i++) {
        c->hdrs[i].name = m->headers[i].name;
        c->hdrs[i].value = m->headers[i].value;
    }
    *req = (aula_http_request){
        .method = m->method,
        .path = m->path,
        .query = m->query,
        .headers = c->hdrs,
        .n_headers = m->n_headers,
        .body = m->body,
        .body_len = m->body_len,
        .remote_addr = c->remote,
        .status = 0,
        .conn = c,
    };
    c->req_keep_alive = m->keep_alive;
    c->req_upgrade = m->upgrade;
    c->req_head = strcmp(m->method, "HEAD") == 0;
    c->close_after_response = false;
}

static void dispatch(aula_http_conn *c, const aula_http_message *m)
{
    aula_http_server *s = c->server;
    aula_http_request req;
    aula__http_fill_request(c, m, &req);
    c->in_dispatch = true;
    s->on_request(&req, s->ud);
    if (req.status == 0) {
        AULA_LOG_ERROR("http", "handler did not respond", "conn=%llu method=%s", c->id, m->method);
        aula_http_respond_error(&req, 500, "internal server error");
    }
    c->in_dispatch = false;
    if (AULA_LOG_LEVEL_DEBUG >= aula_log_level) {
        char q[256];
        AULA_LOG_DEBUG("http", "request", "conn=%llu remote=%s method=%s path=%s status=%d", c->id,
                       c->remote, m->method, aula_log_quote(q, sizeof q, m->path), req.status);
    }
    if (c->state == CONN_UPGRADED) {
        finish_upgrade(c);
        return;
    }
    /* A streamed answer closes, if it must, once it is all sent. */
    if (c->state == CONN_HTTP && !c->out_active && (c->close_after_response || s->closing))
        aula__http_conn_drain(c, true);
}

/* One parser result other than AGAIN or an error. Returns true to feed
 * the parser again, false to stop (the connection left HTTP, or waits). */
static bool handle_result(aula_http_conn *c, int rc)
{
    aula_http_server *s = c->server;
    if (rc == AULA_HTTP_PARSE_HEAD)
        return aula__http_on_head(c);
    if (rc == AULA_HTTP_PARSE_BODY)
        return aula__http_on_body(c);
    aula__http_timer_stop(c);
    c->body_unread = false;
    if (c->body_active)
        aula__http_on_body_end(c);
    else
        dispatch(c, aula_http_parser_message(c->parser));
    if (c->state != CONN_HTTP)
        return false;
    if (c->out_active || aula_http_conn_pending(c) >= PIPELINE_PAUSE_BYTES) {
        c->paused = true;
        AULA_LOG_DEBUG("http", "pipelining paused", "conn=%llu remote=%s queued=%zu", c->id,
                       c->remote, aula_http_conn_pending(c));
        aula__http_read_stop(c);
        aula__http_timer_start(c, TIMER_IDLE, s->limits.idle_timeout_ms);
        return false;
    }
    return true;
}

/* Feeds the parser and handles every request it completes, until it needs
 * more bytes, the connection leaves HTTP, or pipelining (or a streamed
 * body) must wait. */
void aula__http_conn_process(aula_http_conn *c, const char *data, size_t len)
{
    aula_http_server *s = c->server;
    int rc = aula_http_parser_feed(c->parser, data, len);
    while (rc == AULA_HTTP_PARSE_COMPLETE || rc == AULA_HTTP_PARSE_HEAD ||
           rc == AULA_HTTP_PARSE_BODY) {
        if (!handle_result(c, rc))
            return;
        rc = aula_http_parser_feed(c->parser, NULL, 0);
    }
    if (rc != AULA_HTTP_PARSE_AGAIN) {
        aula__http_conn_fail(c, rc);
        return;
    }
    if (s->closing && !aula_http_parser_started(c->parser)) {
        aula__http_conn_drain(c, false);
        return;
    }
    aula__http_read_start(c);
    if (aula_http_parser_take_continue(c->parser)) {
        aula_buf b;
        aula_buf_init(&b);
        aula_buf_append_str(&b, "HTTP/1.1 100 Continue\r\n\r\n");
        if (aula__http_conn_send(c, &b) != 0)
            return;
    }
    /* The request clock starts with a request's first byte; blank lines
     * and TLS records without data do not reset the idle clock. A streamed
     * body restarts it with every piece (http_stream.c). */
    if (aula_http_parser_started(c->parser)) {
        if (c->timer_kind != TIMER_REQUEST)
            aula__http_timer_start(c, TIMER_REQUEST, s->limits.request_timeout_ms);
    } else if (c->timer_kind != TIMER_IDLE) {
        aula__http_timer_start(c, TIMER_IDLE, s->limits.idle_timeout_ms);
    }
}

static void on_timer(uv_timer_t *t)
{
    aula_http_conn *c = t->data;
    enum timer_kind kind = c->timer_kind;
    c->timer_kind = TIMER_NONE;
    switch (kind) {
    case TIMER_REQUEST:
        if (c->state == CONN_HTTP)
            aula__http_conn_fail(c, 408);
        break;
    case TIMER_IDLE:
        AULA_LOG_DEBUG("http", "idle timeout", "conn=%llu remote=%s", c->id, c->remote);
        aula__http_conn_close_now(c);
        break;
    case TIMER_DRAIN:
    case TIMER_LINGER:
        aula__http_conn_close_now(c);
        break;
    case TIMER_NONE:
        break;
    }
}

/* ---- reading ---- */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    aula_http_conn *c = h->data;
    *buf = uv_buf_init(c->server->read_buf, sizeof c->server->read_buf);
}

static void deliver(aula_http_conn *c, const char *data, size_t len)
{
    if (c->state == CONN_HTTP)
        aula__http_conn_process(c, data, len);
    else if (c->state == CONN_UPGRADED)
        c->stream_cb.on_data(c->stream_ud, data, len);
}

static void on_eof(aula_http_conn *c)
{
    c->reading = false;
    /* The client is done sending: nothing is left to linger for. */
    c->linger = false;
    if (c->state == CONN_LINGER)
        aula__http_conn_close_now(c);
    else
        aula__http_conn_drain(c, false); /* what was answered still goes out */
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    aula_http_conn *c = stream->data;
    if (nread == 0)
        return;
    if (nread < 0) {
        if (nread == UV_EOF) {
            on_eof(c);
            return;
        }
        AULA_LOG_DEBUG("http", "read failed", "conn=%llu remote=%s err=%s", c->id, c->remote,
                       uv_err_name((int)nread));
        aula__http_conn_close_now(c);
        return;
    }
    if (c->state != CONN_HTTP && c->state != CONN_UPGRADED)
        return; /* draining or lingering: dropped */
    if (!c->tls) {
        deliver(c, buf->base, (size_t)nread);
        return;
    }
    aula_buf_reset(&c->plain);
    int rc = aula_tls_feed(c->tls, buf->base, (size_t)nread, &c->plain);
    if (flush_tls(c) != 0)
        return;
    if (c->plain.len)
        deliver(c, c->plain.data, c->plain.len);
    if (rc == AULA_ECLOSED)
        on_eof(c);
    else if (rc != 0)
        aula__http_conn_drain(c, false); /* the alert is queued */
}

void aula__http_read_start(aula_http_conn *c)
{
    if (c->reading || c->state == CONN_CLOSED)
        return;
    if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0)
        c->reading = true;
}

void aula__http_read_stop(aula_http_conn *c)
{
    if (!c->reading)
        return;
    uv_read_stop((uv_stream_t *)&c->tcp);
    c->reading = false;
}

/* ---- accepting ---- */

static void free_handle(uv_handle_t *h)
{
    aula_free(h);
}

/* Accept problems come in floods (a connection storm, no file descriptors
 * left): one line per interval, with the count since the last one. */
static void log_refused(aula_http_server *s, const char *why)
{
    s->refused++;
    uint64_t now = uv_now(s->loop);
    if (s->refuse_logged_ms != 0 && now - s->refuse_logged_ms < REFUSE_LOG_INTERVAL_MS)
        return;
    AULA_LOG_WARN("http", "connections refused", "reason=%s max_connections=%zu refused=%zu", why,
                  s->limits.max_connections, s->refused);
    s->refuse_logged_ms = now ? now : 1;
    s->refused = 0;
}

static void refuse(aula_http_server *s, uv_stream_t *listener)
{
    uv_tcp_t *t = aula_malloc(sizeof *t);
    uv_tcp_init(s->loop, t);
    if (uv_accept(listener, (uv_stream_t *)t) == 0)
        log_refused(s, "max_connections");
    uv_close((uv_handle_t *)t, free_handle);
}

static void peer_name(aula_http_conn *c)
{
    struct sockaddr_storage ss;
    int len = sizeof ss;
    strcpy(c->remote, "unknown");
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) != 0)
        return;
    if (ss.ss_family == AF_INET) {
        uv_ip4_name((const struct sockaddr_in *)&ss, c->remote, sizeof c->remote);
    } else if (ss.ss_family == AF_INET6) {
        uv_ip6_name((const struct sockaddr_in6 *)&ss, c->remote, sizeof c->remote);
        /* An IPv4 client on a dual-stack socket: show its IPv4 address. */
        if (strncmp(c->remote, "::ffff:", 7) == 0 && strchr(c->remote + 7, '.'))
            memmove(c->remote, c->remote + 7, strlen(c->remote + 7) + 1);
    }
}

static void on_connection(uv_stream_t *listener, int status)
{
    aula_http_server *s = listener->data;
    if (status < 0) {
        log_refused(s, uv_err_name(status));
        return;
    }
    if (s->n_conns >= s->limits.max_connections) {
        refuse(s, listener);
        return;
    }
    aula_http_conn *c = aula_calloc(1, sizeof *c);
    c->server = s;
    uv_tcp_init(s->loop, &c->tcp);
    uv_timer_init(s->loop, &c->timer);
    c->tcp.data = c;
    c->timer.data = c;
    c->open_handles = 2;
    c->id = ++s->next_id;
    c->state = CONN_HTTP;
    aula_buf_init(&c->plain);
    c->next = s->conns;
    if (s->conns)
        s->conns->prev = c;
    s->conns = c;
    s->n_conns++;
    int rc = uv_accept(listener, (uv_stream_t *)&c->tcp);
    if (rc != 0) {
        log_refused(s, uv_err_name(rc));
        aula__http_conn_close_now(c);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    peer_name(c);
    c->parser = aula_http_parser_create(s->limits.max_header_bytes, s->limits.max_body_bytes);
    aula_http_parser_head_events(c->parser, s->on_head != NULL);
    if (s->tls)
        c->tls = aula_tls_create(s->tls);
    AULA_LOG_DEBUG("http", "connection accepted", "conn=%llu remote=%s", c->id, c->remote);
    aula__http_timer_start(c, TIMER_IDLE, s->limits.idle_timeout_ms);
    aula__http_read_start(c);
}

/* ---- the server ---- */

int aula_http_server_create(uv_loop_t *loop, const aula_http_server_config *cfg,
                            aula_http_server **out)
{
    assert(loop && cfg && cfg->on_request && out);
    *out = NULL;
    const char *host = cfg->host && cfg->host[0] ? cfg->host : "127.0.0.1";
    struct sockaddr_storage addr;
    int rc = strchr(host, ':') ? uv_ip6_addr(host, cfg->port, (struct sockaddr_in6 *)&addr)
                               : uv_ip4_addr(host, cfg->port, (struct sockaddr_in *)&addr);
    if (rc != 0)
        return rc;

    aula_http_server *s = aula_calloc(1, sizeof *s);
    s->loop = loop;
    s->on_request = cfg->on_request;
    s->on_head = cfg->on_head;
    s->ud = cfg->ud;
    s->limits = cfg->limits;
    if (!s->limits.max_header_bytes)
        s->limits.max_header_bytes = 16384;
    if (!s->limits.max_body_bytes)
        s->limits.max_body_bytes = 1024 * 1024;
    if (!s->limits.request_timeout_ms)
        s->limits.request_timeout_ms = 10000;
    if (!s->limits.idle_timeout_ms)
        s->limits.idle_timeout_ms = 30000;
    if (!s->limits.max_connections)
        s->limits.max_connections = 10000;
    if (cfg->tls_cert && cfg->tls_cert[0]) {
        rc = aula_tls_ctx_create(cfg->tls_cert, cfg->tls_key, &s->tls);
        if (rc != 0) {
            aula_free(s);
            return rc;
        }
    }

    s->listener = aula_malloc(sizeof *s->listener);
    uv_tcp_init(loop, s->listener);
    s->listener->data = s;
    rc = uv_tcp_bind(s->listener, (const struct sockaddr *)&addr, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)s->listener, LISTEN_BACKLOG, on_connection);
    struct sockaddr_storage bound;
    int len = sizeof bound;
    if (rc == 0)
        rc = uv_tcp_getsockname(s->listener, (struct sockaddr *)&bound, &len);
    if (rc != 0) {
        AULA_LOG_ERROR("http", "listen failed", "host=%s port=%d err=%s", host, cfg->port,
                       uv_err_name(rc));
        uv_close((uv_handle_t *)s->listener, free_handle);
        aula_tls_ctx_destroy(s->tls);
        aula_free(s);
        return rc;
    }
    s->port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                                : ((struct sockaddr_in *)&bound)->sin_port);
    AULA_LOG_INFO("http", "listening", "host=%s port=%d tls=%s", host, s->port,
                  s->tls ? "on" : "off");
    *out = s;
    return 0;
}

int aula_http_server_port(const aula_http_server *s)
{
    return s->port;
}

size_t aula_http_server_connections(const aula_http_server *s)
{
    return s->n_conns;
}

static void on_listener_closed(uv_handle_t *h)
{
    aula_http_server *s = h->data;
    aula_free(h);
    s->listener = NULL;
    s->listener_closed = true;
    server_maybe_done(s);
}

void aula_http_server_close(aula_http_server *s, void (*done)(void *ud), void *ud)
{
    assert(!s->closing && done);
    s->closing = true;
    s->done = done;
    s->done_ud = ud;
    uv_close((uv_handle_t *)s->listener, on_listener_closed);
    AULA_LOG_INFO("http", "closing", "connections=%zu", s->n_conns);
    for (aula_http_conn *c = s->conns; c; c = c->next) {
        if (c->state != CONN_HTTP || c->in_dispatch || c->paused)
            continue;
        size_t buffered;
        aula_http_parser_buffered(c->parser, &buffered);
        /* Idle: no request begun. A request in flight finishes, and its
         * answer says "Connection: close". */
        if (!aula_http_parser_started(c->parser) && buffered == 0)
            aula__http_conn_drain(c, false);
    }
}

/* ---- upgraded connections ---- */

int aula_http_upgrade(aula_http_request *req, const void *response, size_t len,
                      const aula_http_stream_cb *cb, void *ud)
{
    assert(cb && cb->on_data && cb->on_close);
    if (!req || req->status != 0)
        return AULA_EINVAL;
    aula_http_conn *c = req->conn;
    assert(c->in_dispatch && "aula_http_upgrade() is only valid inside the handler");
    if (c->state != CONN_HTTP || c->body_unread)
        return c->body_unread ? AULA_EINVAL : AULA_ECLOSED;
    if (c->server->closing)
        return AULA_ECLOSED;
    c->stream_cb = *cb;
    c->stream_ud = ud;
    c->upgraded = true;
    c->state = CONN_UPGRADED;
    req->status = 101;
    aula__http_timer_stop(c);
    aula_buf b;
    aula_buf_init(&b);
    aula_buf_append(&b, response, len);
    /* A failed write closes the connection; on_close still follows. */
    aula__http_conn_send(c, &b);
    return 0;
}

int aula_http_conn_write(aula_http_conn *c, const void *data, size_t len)
{
    if (c->state != CONN_UPGRADED)
        return AULA_ECLOSED;
    aula_buf b;
    aula_buf_init(&b);
    aula_buf_append(&b, data, len);
    return aula__http_conn_send(c, &b) == 0 ? 0 : AULA_ECLOSED;
}

size_t aula_http_conn_pending(const aula_http_conn *c)
{
    /* What the kernel did not take yet; uv_write writes at once when it can. */
    return c->state == CONN_CLOSED ? 0
                                   : uv_stream_get_write_queue_size((const uv_stream_t *)&c->tcp);
}

void aula_http_conn_close(aula_http_conn *c)
{
    aula__http_conn_drain(c, false);
}
