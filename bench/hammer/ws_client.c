#include "ws_client.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/random.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wslay/wslay.h>

#define MAX_HANDSHAKE 4096

struct hm_ws {
    uv_tcp_t tcp;
    uv_connect_t conn;
    wslay_event_context_ptr ctx; /* owned, after the upgrade */
    hm_ws_callbacks cb;
    void *ud;
    char request[512];
    /* Upgrade response bytes until the blank line. */
    char hs[MAX_HANDSHAKE];
    size_t hs_len;
    bool open, closed, destroyed;
    /* Bytes read and not yet taken by wslay. */
    const uint8_t *in;
    size_t in_len;
    char *msg; /* owned: a copy of the current message with a NUL */
};

static void on_handle_closed(uv_handle_t *h)
{
    hm_ws *ws = h->data;
    if (ws->ctx)
        wslay_event_context_free(ws->ctx);
    aula_free(ws->msg);
    aula_free(ws);
}

static void fail(hm_ws *ws, const char *why)
{
    if (ws->closed)
        return;
    ws->closed = true;
    ws->open = false;
    uv_read_stop((uv_stream_t *)&ws->tcp);
    if (!ws->destroyed && ws->cb.on_close)
        ws->cb.on_close(ws->ud, why);
}

static void on_written(uv_write_t *w, int status)
{
    (void)status;
    aula_free(w);
}

static int write_copy(hm_ws *ws, const void *data, size_t len)
{
    uv_write_t *w = aula_malloc(sizeof *w + len);
    memcpy(w + 1, data, len);
    uv_buf_t b = uv_buf_init((char *)(w + 1), (unsigned)len);
    if (uv_write(w, (uv_stream_t *)&ws->tcp, &b, 1, on_written) != 0) {
        aula_free(w);
        return -1;
    }
    return 0;
}

static ssize_t ws_send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags,
                          void *ud)
{
    (void)flags;
    hm_ws *ws = ud;
    if (write_copy(ws, data, len) != 0) {
        wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
        return -1;
    }
    return (ssize_t)len;
}

static ssize_t ws_recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags,
                          void *ud)
{
    (void)flags;
    hm_ws *ws = ud;
    if (ws->in_len == 0) {
        wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
        return -1;
    }
    size_t n = ws->in_len < len ? ws->in_len : len;
    memcpy(buf, ws->in, n);
    ws->in += n;
    ws->in_len -= n;
    return (ssize_t)n;
}

static int ws_genmask_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, void *ud)
{
    (void)ctx;
    (void)ud;
    /* Masking only defeats proxy cache poisoning (RFC 6455 section 10.3);
     * a load generator on loopback needs no strong randomness here. */
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)rand();
    return 0;
}

static void ws_msg_cb(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *arg,
                      void *ud)
{
    (void)ctx;
    hm_ws *ws = ud;
    if (arg->opcode != WSLAY_TEXT_FRAME || ws->destroyed)
        return;
    ws->msg = aula_realloc(ws->msg, arg->msg_length + 1);
    memcpy(ws->msg, arg->msg, arg->msg_length);
    ws->msg[arg->msg_length] = '\0';
    ws->cb.on_message(ws->ud, ws->msg, arg->msg_length);
}

static void pump(hm_ws *ws)
{
    if (wslay_event_recv(ws->ctx) != 0 || wslay_event_send(ws->ctx) != 0) {
        fail(ws, "websocket error");
        return;
    }
    if (!wslay_event_want_read(ws->ctx) && !wslay_event_want_write(ws->ctx))
        fail(ws, "websocket closed");
}

/* Takes the upgrade response; returns bytes of buf that follow it, or -1. */
static ssize_t handshake(hm_ws *ws, const char *buf, size_t len)
{
    size_t take = len < MAX_HANDSHAKE - 1 - ws->hs_len ? len : MAX_HANDSHAKE - 1 - ws->hs_len;
    memcpy(ws->hs + ws->hs_len, buf, take);
    size_t old = ws->hs_len;
    ws->hs_len += take;
    ws->hs[ws->hs_len] = '\0';
    char *end = strstr(ws->hs, "\r\n\r\n");
    if (!end)
        return ws->hs_len == MAX_HANDSHAKE - 1 ? -1 : 0;
    if (strncmp(ws->hs, "HTTP/1.1 101", 12) != 0)
        return -1;
    size_t used = (size_t)(end + 4 - ws->hs) - old;
    static const struct wslay_event_callbacks cbs = {
        .recv_callback = ws_recv_cb,
        .send_callback = ws_send_cb,
        .genmask_callback = ws_genmask_cb,
        .on_msg_recv_callback = ws_msg_cb,
    };
    wslay_event_context_client_init(&ws->ctx, &cbs, ws);
    wslay_event_config_set_max_recv_msg_length(ws->ctx, 1u << 20);
    ws->open = true;
    ws->cb.on_open(ws->ud);
    return (ssize_t)used;
}

static void on_alloc(uv_handle_t *h, size_t size, uv_buf_t *buf)
{
    (void)h;
    (void)size;
    static char shared[65536]; /* one loop: read callbacks never overlap */
    *buf = uv_buf_init(shared, sizeof shared);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    hm_ws *ws = s->data;
    if (n < 0) {
        fail(ws, n == UV_EOF ? "connection closed" : "read error");
        return;
    }
    const char *p = buf->base;
    size_t len = (size_t)n;
    if (!ws->open) {
        ssize_t used = handshake(ws, p, len);
        if (used < 0) {
            fail(ws, "upgrade refused");
            return;
        }
        if (!ws->open)
            return;
        p += used;
        len -= (size_t)used;
    }
    ws->in = (const uint8_t *)p;
    ws->in_len = len;
    pump(ws);
    ws->in_len = 0;
}

static void on_connect(uv_connect_t *c, int status)
{
    hm_ws *ws = c->data;
    if (ws->destroyed)
        return;
    if (status != 0) {
        fail(ws, "connect failed");
        return;
    }
    uv_tcp_nodelay(&ws->tcp, 1);
    uv_read_start((uv_stream_t *)&ws->tcp, on_alloc, on_read);
    write_copy(ws, ws->request, strlen(ws->request));
}

hm_ws *hm_ws_connect(uv_loop_t *loop, const char *ip, int port, const char *path,
                     const char *subprotocol, const hm_ws_callbacks *cb, void *ud)
{
    hm_ws *ws = aula_calloc(1, sizeof *ws);
    ws->cb = *cb;
    ws->ud = ud;
    uv_tcp_init(loop, &ws->tcp);
    ws->tcp.data = ws;
    ws->conn.data = ws;
    char proto[96] = "";
    if (subprotocol)
        snprintf(proto, sizeof proto, "Sec-WebSocket-Protocol: %s\r\n", subprotocol);
    snprintf(ws->request, sizeof ws->request,
             "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
             "%s\r\n",
             path, ip, port, proto);
    struct sockaddr_in addr;
    uv_ip4_addr(ip, port, &addr);
    if (uv_tcp_connect(&ws->conn, &ws->tcp, (const struct sockaddr *)&addr, on_connect) != 0)
        fail(ws, "connect failed");
    return ws;
}

int hm_ws_send(hm_ws *ws, const char *msg, size_t len)
{
    if (!ws->open)
        return AULA_ECLOSED;
    struct wslay_event_msg m = {WSLAY_TEXT_FRAME, (const uint8_t *)msg, len};
    if (wslay_event_queue_msg(ws->ctx, &m) != 0 || wslay_event_send(ws->ctx) != 0) {
        fail(ws, "websocket send failed");
        return AULA_ECLOSED;
    }
    return 0;
}

void hm_ws_destroy(hm_ws *ws)
{
    if (!ws)
        return;
    ws->destroyed = true;
    ws->closed = true;
    uv_close((uv_handle_t *)&ws->tcp, on_handle_closed);
}
