#include "http/ws_conn.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/log.h"
#include "http/websocket.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* After a close starts, how long the peer has to answer it before the
 * socket is closed anyway (RFC 6455 section 7.1.1 leaves this to us). */
#define CLOSE_GRACE_MS 2000
/* Scratch kept between writes; larger bursts free theirs after writing. */
#define OUT_KEEP_BYTES 4096

/* Lifetime. The conn is freed in exactly one place: the close callback of
 * its timer, which libuv runs from the loop, never from inside one of our
 * calls. Every path that ends the connection goes through teardown() once
 * the HTTP connection is gone, so on_closed runs once, after every other
 * callback, and a user callback may call aula_ws_conn_close() or
 * aula_ws_conn_send_text() freely, even when the transport dies under it. */
struct aula_ws_conn {
    uv_timer_t timer;     /* owned; pings, idle and close grace */
    uv_loop_t *loop;      /* borrowed */
    aula_http_conn *http; /* weak: cleared by on_stream_close */
    aula_ws *ws;          /* owned */
    aula_ws_conn_config cfg;
    aula_ws_conn_cb cb;
    void *ud;
    aula_buf out; /* scratch for the bytes drained from ws */
    uint64_t last_rx_ms;
    uint64_t last_ping_ms;
    uint64_t close_deadline_ms;
    bool closing;           /* a close frame went either way */
    bool transport_closing; /* aula_http_conn_close() was called */
    bool overflowed;        /* closed for not reading */
    bool torn_down;         /* the timer is closing; on_closed follows */
    bool silent;            /* accept failed: free without on_closed */
    char remote_addr[64];
};

static void on_timer(uv_timer_t *t);

static void on_timer_closed(uv_handle_t *h)
{
    aula_ws_conn *c = h->data;
    if (!c->silent && c->cb.on_closed)
        c->cb.on_closed(c->ud, c);
    aula_ws_destroy(c->ws);
    aula_buf_deinit(&c->out);
    aula_free(c);
}

static void teardown(aula_ws_conn *c)
{
    if (c->torn_down)
        return;
    c->torn_down = true;
    uv_timer_stop(&c->timer);
    uv_close((uv_handle_t *)&c->timer, on_timer_closed);
}

static void arm_timer(aula_ws_conn *c)
{
    if (c->torn_down || c->transport_closing)
        return;
    uint64_t now = uv_now(c->loop);
    uint64_t due;
    if (c->closing) {
        due = c->close_deadline_ms;
    } else {
        uint64_t ping_at = c->last_ping_ms + c->cfg.ping_interval_ms;
        uint64_t idle_at = c->last_rx_ms + 2 * c->cfg.ping_interval_ms;
        due = ping_at < idle_at ? ping_at : idle_at;
    }
    uv_timer_start(&c->timer, on_timer, due > now ? due - now : 0, 0);
}

static void close_transport(aula_ws_conn *c)
{
    if (!c->http || c->transport_closing)
        return;
    c->transport_closing = true;
    uv_timer_stop(&c->timer);
    aula_http_conn_close(c->http);
}

static void start_closing(aula_ws_conn *c)
{
    if (c->closing)
        return;
    c->closing = true;
    c->close_deadline_ms = uv_now(c->loop) + CLOSE_GRACE_MS;
    arm_timer(c);
}

/* Writes what the session produced, then closes the transport when the
 * session is over or the peer has stopped reading. */
static void flush(aula_ws_conn *c)
{
    aula_ws_drain(c->ws, &c->out);
    if (c->out.len && c->http && !c->transport_closing)
        (void)aula_http_conn_write(c->http, c->out.data, c->out.len);
    /* The write copied the bytes. A connection lives long and mostly
     * idles: keep a small scratch buffer, not the largest burst's. */
    if (c->out.cap > OUT_KEEP_BYTES)
        aula_buf_deinit(&c->out);
    else
        aula_buf_reset(&c->out);
    if (!c->http || c->transport_closing)
        return;
    if (aula_ws_finished(c->ws)) {
        close_transport(c);
        return;
    }
    if (!c->overflowed && aula_http_conn_pending(c->http) > c->cfg.max_pending_bytes) {
        c->overflowed = true;
        AULA_LOG_WARN("ws", "client not reading", "peer=%s pending=%zu", c->remote_addr,
                      aula_http_conn_pending(c->http));
        aula_ws_conn_close(c, AULA_WS_CLOSE_POLICY, "client not reading");
    }
}

static void on_timer(uv_timer_t *t)
{
    aula_ws_conn *c = t->data;
    uint64_t now = uv_now(c->loop);
    if (c->closing) {
        if (now >= c->close_deadline_ms) {
            AULA_LOG_DEBUG("ws", "close handshake timed out", "peer=%s", c->remote_addr);
            close_transport(c);
            return;
        }
    } else if (now >= c->last_rx_ms + 2 * c->cfg.ping_interval_ms) {
        AULA_LOG_INFO("ws", "idle timeout", "peer=%s", c->remote_addr);
        aula_ws_conn_close(c, AULA_WS_CLOSE_POLICY, "idle timeout");
        return;
    } else if (now >= c->last_ping_ms + c->cfg.ping_interval_ms) {
        c->last_ping_ms = now;
        (void)aula_ws_ping(c->ws);
        flush(c);
    }
    arm_timer(c);
}

/* ---- aula_ws callbacks ---- */

static void on_ws_message(void *ud, int opcode, const char *data, size_t len)
{
    aula_ws_conn *c = ud;
    if (c->closing || c->torn_down)
        return;
    if (opcode != AULA_WS_TEXT) {
        /* docs/protocol.md: every message is a JSON-RPC text frame. */
        aula_ws_conn_close(c, AULA_WS_CLOSE_UNSUPPORTED, "binary messages are not supported");
        return;
    }
    if (c->cb.on_text)
        c->cb.on_text(c->ud, c, data, len);
}

static void on_ws_close(void *ud, uint16_t code, const char *reason)
{
    aula_ws_conn *c = ud;
    char quoted[160];
    AULA_LOG_DEBUG("ws", "close received", "peer=%s code=%u reason=%s", c->remote_addr,
                   (unsigned)code, aula_log_quote(quoted, sizeof(quoted), reason));
    /* The echo (or our failure frame) is queued; flush() closes the socket
     * once it is written, and the grace timer covers a peer that never
     * answers ours. */
    start_closing(c);
}

static const aula_ws_cb ws_callbacks = {
    .on_message = on_ws_message,
    .on_pong = NULL,
    .on_close = on_ws_close,
};

/* ---- HTTP stream callbacks ---- */

static void on_stream_data(void *ud, const char *data, size_t len)
{
    aula_ws_conn *c = ud;
    if (c->torn_down)
        return;
    c->last_rx_ms = uv_now(c->loop);
    (void)aula_ws_feed(c->ws, data, len);
    flush(c);
}

static void on_stream_close(void *ud)
{
    aula_ws_conn *c = ud;
    c->http = NULL;
    teardown(c);
}

static const aula_http_stream_cb stream_callbacks = {
    .on_data = on_stream_data,
    .on_close = on_stream_close,
};

/* ---- Handshake (RFC 6455 section 4.2.1) ---- */

/* True when the comma-separated header value lists token, compared
 * case-insensitively (RFC 7230 section 7 lists, section 6.1 Connection). */
static bool has_token(const char *value, const char *token)
{
    if (!value)
        return false;
    size_t tlen = strlen(token);
    const char *p = value;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *start = p;
        while (*p && *p != ',')
            p++;
        const char *end = p;
        while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        if ((size_t)(end - start) == tlen && strncasecmp(start, token, tlen) == 0)
            return true;
    }
    return false;
}

/* Returns 0 with accept filled, or the HTTP status to answer with *why. */
static int check_handshake(const aula_http_request *req, char accept[29], const char **why)
{
    if (strcmp(req->method, "GET") != 0) {
        *why = "WebSocket upgrade needs GET";
        return 400;
    }
    if (!has_token(aula_http_request_header(req, "Upgrade"), "websocket")) {
        *why = "missing Upgrade: websocket";
        return 400;
    }
    if (!has_token(aula_http_request_header(req, "Connection"), "upgrade")) {
        *why = "missing Connection: upgrade";
        return 400;
    }
    const char *version = aula_http_request_header(req, "Sec-WebSocket-Version");
    if (!version) {
        *why = "missing Sec-WebSocket-Version";
        return 400;
    }
    if (strcmp(version, "13") != 0) {
        *why = "unsupported WebSocket version; this server speaks 13";
        return 426;
    }
    if (aula_ws_accept_key(aula_http_request_header(req, "Sec-WebSocket-Key"), accept) != 0) {
        *why = "missing or malformed Sec-WebSocket-Key";
        return 400;
    }
    return 0;
}

static void refuse(aula_http_request *req, int status, const char *why)
{
    if (status != 426) {
        (void)aula_http_respond_error(req, status, why);
        return;
    }
    /* Section 4.4: tell the client which version we speak. */
    static const aula_http_header extra[] = {{"Sec-WebSocket-Version", "13"}};
    char body[160];
    int n = snprintf(body, sizeof(body), "{\"error\":{\"status\":426,\"message\":\"%s\"}}", why);
    (void)aula_http_respond(req, 426, "application/json", extra, 1, body, (size_t)n);
}

int aula_ws_conn_accept(aula_http_request *req, uv_loop_t *loop, const aula_ws_conn_config *cfg,
                        const aula_ws_conn_cb *cb, void *ud, aula_ws_conn **out)
{
    *out = NULL;
    char accept[29];
    const char *why = NULL;
    int status = check_handshake(req, accept, &why);
    if (status) {
        char quoted[64];
        AULA_LOG_DEBUG("ws", "upgrade refused", "peer=%s status=%d why=%s",
                       req->remote_addr ? req->remote_addr : "?", status,
                       aula_log_quote(quoted, sizeof(quoted), why));
        refuse(req, status, why);
        return AULA_EPROTO;
    }

    aula_ws_conn *c = aula_calloc(1, sizeof(*c));
    c->cfg.max_message_bytes = cfg && cfg->max_message_bytes ? cfg->max_message_bytes : 65536;
    c->cfg.ping_interval_ms = cfg && cfg->ping_interval_ms ? cfg->ping_interval_ms : 20000;
    c->cfg.max_pending_bytes = cfg && cfg->max_pending_bytes ? cfg->max_pending_bytes : 4u << 20;
    c->cb = *cb;
    c->ud = ud;
    c->loop = loop;
    c->http = req->conn;
    snprintf(c->remote_addr, sizeof(c->remote_addr), "%s",
             req->remote_addr ? req->remote_addr : "?");
    aula_buf_init(&c->out);
    c->ws = aula_ws_create(c->cfg.max_message_bytes, &ws_callbacks, c);
    uv_timer_init(loop, &c->timer);
    c->timer.data = c;
    c->last_rx_ms = c->last_ping_ms = uv_now(loop);

    char head[160];
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 101 Switching Protocols\r\n"
                     "Upgrade: websocket\r\n"
                     "Connection: Upgrade\r\n"
                     "Sec-WebSocket-Accept: %s\r\n"
                     "\r\n",
                     accept);
    /* Published before the upgrade: bytes that followed the request may be
     * delivered, and reach on_text, before aula_http_upgrade() returns. */
    *out = c;
    int r = aula_http_upgrade(req, head, (size_t)n, &stream_callbacks, c);
    if (r != 0) {
        /* The server is shutting down or the connection is going. */
        *out = NULL;
        c->http = NULL;
        c->silent = true;
        teardown(c);
        if (req->status == 0)
            (void)aula_http_respond_error(req, 503, "server shutting down");
        return r;
    }
    arm_timer(c);
    return 0;
}

int aula_ws_conn_send_text(aula_ws_conn *c, const char *data, size_t len)
{
    if (c->closing || c->torn_down || !c->http || c->transport_closing)
        return AULA_ECLOSED;
    int r = aula_ws_send_text(c->ws, data, len);
    if (r != 0)
        return r;
    flush(c);
    return 0;
}

void aula_ws_conn_close(aula_ws_conn *c, uint16_t code, const char *reason)
{
    if (c->closing || c->torn_down)
        return;
    (void)aula_ws_close(c->ws, code, reason);
    start_closing(c);
    flush(c);
}

const char *aula_ws_conn_remote_addr(const aula_ws_conn *c)
{
    return c->remote_addr;
}
