#include "http/websocket.h"

#include "core/alloc.h"
#include "core/error.h"

#include <assert.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wslay/wslay.h>

/* What wslay 1.1 does by itself, and what is left to this file.
 *
 * wslay (event API, buffering on) reassembles fragments, answers pings,
 * echoes a received close frame, validates text frames and close reasons
 * as UTF-8 (close 1007), enforces the maximum message length from the frame
 * headers before buffering the payload (close 1009), and closes with 1002
 * for unmasked client frames, reserved bits, reserved opcodes, a
 * continuation without a start, a new data frame inside a fragmented one
 * and an invalid close code. In each of those cases it queues the close
 * frame and stops reading without telling the application, so feed() looks
 * at its state afterwards to report the close.
 *
 * Errors found while parsing a frame header (a control frame over 125
 * bytes or fragmented, a length not in its minimal encoding or with the
 * top bit set) make wslay close *without* a status code. A close frame
 * with a 1-byte payload is taken by wslay as "no code". Both must be 1002
 * (RFC 6455 sections 5.2, 5.5 and 5.5.1), so a small header scanner (the
 * guard below) follows the frame boundaries of the input and hands wslay
 * only the bytes before such a header; the session then fails with 1002
 * itself.
 *
 * wslay's UTF-8 check is incremental; complete text messages are checked
 * again with aula_utf8_valid() so that the guarantee of on_message does not
 * rest on a library detail. */

enum {
    GUARD_HEAD0,  /* expecting the first header byte: FIN, RSV, opcode */
    GUARD_HEAD1,  /* expecting MASK and the 7-bit length */
    GUARD_EXTLEN, /* inside the 16- or 64-bit extended length */
    GUARD_SKIP,   /* inside the masking key and the payload */
    GUARD_BAD,    /* a bad header was found; nothing more is scanned */
};

typedef struct frame_guard {
    int state;
    uint8_t head0;
    uint8_t masked;
    uint8_t ext_need; /* 2 or 8 */
    uint8_t ext_got;
    uint64_t ext;
    uint64_t skip; /* bytes of masking key and payload still to pass */
} frame_guard;

struct aula_ws {
    wslay_event_context_ptr ctx; /* owned */
    aula_ws_cb cb;
    void *ud;
    const char *in; /* borrowed: the bytes of the aula_ws_feed() call running */
    size_t in_len;
    aula_buf out; /* framed bytes waiting for aula_ws_drain() */
    frame_guard guard;
    bool close_reported; /* on_close was called */
    bool local_close;    /* aula_ws_close() queued our close frame */
    bool dead;           /* wslay failed; nothing more is read or written */
};

/* ---- Frame header guard (RFC 6455 section 5.2) ---- */

static void guard_length_known(frame_guard *g, uint64_t payload_len)
{
    g->skip = (g->masked ? 4 : 0) + payload_len;
    g->state = g->skip ? GUARD_SKIP : GUARD_HEAD0;
}

/* Checks the second header byte against the first one. */
static bool guard_head_ok(uint8_t head0, uint8_t head1)
{
    unsigned opcode = head0 & 0x0fu;
    unsigned len7 = head1 & 0x7fu;
    bool fin = (head0 & 0x80u) != 0;
    if (!(opcode & 0x08u))
        return true;
    /* Section 5.5: control frames are never fragmented and carry at most
     * 125 bytes. Section 5.5.1: a close body, when present, starts with a
     * 2-byte code, so a 1-byte body is malformed. */
    return fin && len7 <= 125 && !(opcode == 0x8u && len7 == 1);
}

/* Section 5.2: "the minimal number of bytes MUST be used to encode the
 * length", and the most significant bit of the 64-bit form MUST be 0. */
static bool guard_extlen_ok(const frame_guard *g)
{
    if (g->ext_need == 2)
        return g->ext >= 126;
    return g->ext >= 65536 && !(g->ext >> 63);
}

/* Follows the frame boundaries through p[0..len). Returns len when every
 * header in it is acceptable to pass on to wslay, or the offset of the byte
 * that completed a bad header (bytes before it are fine). */
static size_t guard_scan(frame_guard *g, const uint8_t *p, size_t len)
{
    size_t i = 0;
    while (i < len) {
        switch (g->state) {
        case GUARD_HEAD0:
            g->head0 = p[i++];
            g->state = GUARD_HEAD1;
            break;
        case GUARD_HEAD1: {
            uint8_t b = p[i];
            if (!guard_head_ok(g->head0, b)) {
                g->state = GUARD_BAD;
                return i;
            }
            i++;
            g->masked = (b & 0x80u) != 0;
            unsigned len7 = b & 0x7fu;
            if (len7 >= 126) {
                g->ext_need = len7 == 126 ? 2 : 8;
                g->ext_got = 0;
                g->ext = 0;
                g->state = GUARD_EXTLEN;
            } else {
                guard_length_known(g, len7);
            }
            break;
        }
        case GUARD_EXTLEN:
            g->ext = (g->ext << 8) | p[i];
            if (++g->ext_got == g->ext_need) {
                if (!guard_extlen_ok(g)) {
                    g->state = GUARD_BAD;
                    return i;
                }
                guard_length_known(g, g->ext);
            }
            i++;
            break;
        case GUARD_SKIP: {
            size_t avail = len - i;
            size_t n = g->skip < avail ? (size_t)g->skip : avail;
            g->skip -= n;
            i += n;
            if (g->skip == 0)
                g->state = GUARD_HEAD0;
            break;
        }
        default:
            return i;
        }
    }
    return len;
}

/* ---- wslay glue ---- */

/* wslay allocates with malloc; treat its failures as aula_malloc does. */
static void out_of_memory(void)
{
    fprintf(stderr, "level=fatal comp=websocket msg=\"out of memory\"\n");
    abort();
}

static ssize_t recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags, void *ud)
{
    (void)flags;
    aula_ws *ws = ud;
    if (ws->in_len == 0) {
        wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
        return -1;
    }
    size_t n = len < ws->in_len ? len : ws->in_len;
    memcpy(buf, ws->in, n);
    ws->in += n;
    ws->in_len -= n;
    return (ssize_t)n;
}

/* The output is an in-memory buffer, so every byte is always "sent". */
static ssize_t send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags,
                       void *ud)
{
    (void)ctx;
    (void)flags;
    aula_ws *ws = ud;
    aula_buf_append(&ws->out, data, len);
    return (ssize_t)len;
}

static const char *close_reason_text(uint16_t code)
{
    switch (code) {
    case AULA_WS_CLOSE_PROTOCOL_ERROR:
        return "protocol error";
    case AULA_WS_CLOSE_INVALID_DATA:
        return "invalid UTF-8";
    case AULA_WS_CLOSE_TOO_BIG:
        return "message too big";
    default:
        return "";
    }
}

static void report_close(aula_ws *ws, uint16_t code, const char *reason)
{
    if (ws->close_reported)
        return;
    ws->close_reported = true;
    if (ws->cb.on_close)
        ws->cb.on_close(ws->ud, code, reason);
}

/* Moves everything wslay has queued into ws->out. Safe to call from inside
 * wslay_event_recv(): sending only touches wslay's output side. */
static void flush(aula_ws *ws)
{
    if (ws->dead)
        return;
    if (wslay_event_send(ws->ctx) != 0)
        ws->dead = true;
}

/* Fails the connection (RFC 6455 section 7.1.7): stop reading, send a close
 * frame with code, report it. */
static void fail(aula_ws *ws, uint16_t code)
{
    wslay_event_shutdown_read(ws->ctx);
    /* WSLAY_ERR_NO_MORE_MSG means a close frame is already queued or sent. */
    (void)wslay_event_queue_close(ws->ctx, code, NULL, 0);
    flush(ws);
    report_close(ws, code, close_reason_text(code));
}

static void on_peer_close(aula_ws *ws, const struct wslay_event_on_msg_recv_arg *arg)
{
    /* wslay has already queued the echo with the same code and reason. A
     * control frame carries at most 125 bytes, so the reason fits. */
    char reason[124];
    size_t n = arg->msg_length > 2 ? arg->msg_length - 2 : 0;
    if (n > sizeof(reason) - 1)
        n = sizeof(reason) - 1;
    if (n)
        memcpy(reason, arg->msg + 2, n);
    reason[n] = '\0';
    uint16_t code = arg->status_code ? arg->status_code : WSLAY_CODE_NO_STATUS_RCVD;
    report_close(ws, code, reason);
}

static void on_msg_recv_cb(wslay_event_context_ptr ctx,
                           const struct wslay_event_on_msg_recv_arg *arg, void *ud)
{
    (void)ctx;
    aula_ws *ws = ud;
    const char *data = arg->msg ? (const char *)arg->msg : "";
    switch (arg->opcode) {
    case WSLAY_TEXT_FRAME:
    case WSLAY_BINARY_FRAME: {
        bool text = arg->opcode == WSLAY_TEXT_FRAME;
        if (text && !aula_utf8_valid(data, arg->msg_length)) {
            fail(ws, AULA_WS_CLOSE_INVALID_DATA);
            return;
        }
        /* Section 5.5.1: after our close frame no data is expected; what the
         * peer sent before reading it is dropped rather than acted on. */
        if (!ws->local_close && !ws->close_reported && ws->cb.on_message)
            ws->cb.on_message(ws->ud, text ? AULA_WS_TEXT : AULA_WS_BINARY, data, arg->msg_length);
        return;
    }
    case WSLAY_PONG:
        if (ws->cb.on_pong && !ws->close_reported)
            ws->cb.on_pong(ws->ud);
        return;
    case WSLAY_CONNECTION_CLOSE:
        on_peer_close(ws, arg);
        return;
    case WSLAY_PING:
        /* wslay queued the pong before this call. Send it now: once a close
         * frame is queued, wslay drops control frames still waiting, and a
         * ping that came before the close deserves its answer. */
        flush(ws);
        return;
    default:
        return;
    }
}

aula_ws *aula_ws_create(size_t max_message_bytes, const aula_ws_cb *cb, void *ud)
{
    assert(max_message_bytes > 0);
    aula_ws *ws = aula_calloc(1, sizeof(*ws));
    ws->cb = *cb;
    ws->ud = ud;
    aula_buf_init(&ws->out);
    ws->guard.state = GUARD_HEAD0;
    struct wslay_event_callbacks callbacks = {
        .recv_callback = recv_cb,
        .send_callback = send_cb,
        .on_msg_recv_callback = on_msg_recv_cb,
    };
    /* Only out of memory can make this fail. */
    if (wslay_event_context_server_init(&ws->ctx, &callbacks, ws) != 0)
        out_of_memory();
    wslay_event_config_set_max_recv_msg_length(ws->ctx, max_message_bytes);
    return ws;
}

void aula_ws_destroy(aula_ws *ws)
{
    if (!ws)
        return;
    wslay_event_context_free(ws->ctx);
    aula_buf_deinit(&ws->out);
    aula_free(ws);
}

int aula_ws_feed(aula_ws *ws, const char *data, size_t len)
{
    if (ws->dead || !wslay_event_get_read_enabled(ws->ctx))
        return AULA_ECLOSED;
    size_t ok = guard_scan(&ws->guard, (const uint8_t *)data, len);
    bool sent_before = wslay_event_get_close_sent(ws->ctx);
    ws->in = data;
    ws->in_len = ok;
    int r = wslay_event_recv(ws->ctx);
    ws->in = NULL;
    ws->in_len = 0;
    flush(ws);

    bool reading = wslay_event_get_read_enabled(ws->ctx);
    if (r != 0) {
        /* Our callbacks never fail, so this is wslay running out of memory
         * or a header error the guard did not foresee. */
        ws->dead = true;
        report_close(ws, AULA_WS_CLOSE_PROTOCOL_ERROR,
                     close_reason_text(AULA_WS_CLOSE_PROTOCOL_ERROR));
    } else if (reading && ok < len) {
        fail(ws, AULA_WS_CLOSE_PROTOCOL_ERROR);
    } else if (!reading && !wslay_event_get_close_received(ws->ctx)) {
        /* wslay failed the connection itself. The code it sent tells why,
         * unless our own close frame had gone out first. */
        uint16_t code = AULA_WS_CLOSE_PROTOCOL_ERROR;
        if (!sent_before && !ws->local_close && wslay_event_get_close_sent(ws->ctx))
            code = wslay_event_get_status_code_sent(ws->ctx);
        report_close(ws, code, close_reason_text(code));
    }
    return ws->dead || !wslay_event_get_read_enabled(ws->ctx) ? AULA_ECLOSED : 0;
}

static int queue_msg(aula_ws *ws, uint8_t opcode, const void *data, size_t len)
{
    if (ws->dead)
        return AULA_ECLOSED;
    struct wslay_event_msg msg = {.opcode = opcode, .msg = data, .msg_length = len};
    int r = wslay_event_queue_msg(ws->ctx, &msg);
    if (r == WSLAY_ERR_NO_MORE_MSG)
        return AULA_ECLOSED;
    if (r == WSLAY_ERR_NOMEM)
        out_of_memory();
    if (r != 0)
        return AULA_EINVAL;
    flush(ws);
    return 0;
}

int aula_ws_send_text(aula_ws *ws, const char *data, size_t len)
{
    return queue_msg(ws, WSLAY_TEXT_FRAME, data, len);
}

int aula_ws_send_binary(aula_ws *ws, const void *data, size_t len)
{
    return queue_msg(ws, WSLAY_BINARY_FRAME, data, len);
}

int aula_ws_ping(aula_ws *ws)
{
    /* wslay drops queued pings once a close frame is queued, so a ping
     * never follows our close on the wire. */
    return queue_msg(ws, WSLAY_PING, NULL, 0);
}

/* Codes an endpoint may put in a close frame (RFC 6455 section 7.4). */
static bool close_code_sendable(uint16_t code)
{
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
           (code >= 3000 && code <= 4999);
}

int aula_ws_close(aula_ws *ws, uint16_t code, const char *reason)
{
    assert(close_code_sendable(code));
    if (ws->dead)
        return AULA_ECLOSED;
    size_t n = reason ? strlen(reason) : 0;
    if (n > 123) {
        /* Section 5.5: the whole body is at most 125 bytes. Cut at a
         * character boundary so the reason stays valid UTF-8. */
        n = 123;
        while (n > 0 && ((unsigned char)reason[n] & 0xc0u) == 0x80u)
            n--;
    }
    int r = wslay_event_queue_close(ws->ctx, code, (const uint8_t *)reason, n);
    if (r == WSLAY_ERR_NO_MORE_MSG)
        return AULA_ECLOSED;
    if (r != 0)
        return AULA_EINVAL;
    ws->local_close = true;
    flush(ws);
    return 0;
}

void aula_ws_drain(aula_ws *ws, aula_buf *out)
{
    if (ws->out.len == 0)
        return;
    if (out->len == 0) {
        /* Hand the bytes over instead of copying them: the session keeps
         * the caller's empty buffer, so a burst (a room snapshot to a
         * joining viewer) leaves no large buffer behind here. */
        aula_buf t = *out;
        *out = ws->out;
        ws->out = t;
        aula_buf_reset(&ws->out);
        return;
    }
    aula_buf_append(out, ws->out.data, ws->out.len);
    aula_buf_reset(&ws->out);
}

bool aula_ws_finished(const aula_ws *ws)
{
    if (ws->out.len)
        return false;
    if (ws->dead)
        return true;
    /* Reading stops when the peer's close arrived or the connection failed;
     * writing stops once our close frame was sent. */
    return !wslay_event_get_read_enabled(ws->ctx) && !wslay_event_get_write_enabled(ws->ctx);
}

int aula_ws_accept_key(const char *key, char out[29])
{
    static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    /* Section 4.2.1: the key is a base64-encoded 16-byte value, which is
     * exactly 22 characters and "==". */
    if (!key || strlen(key) != 24 || key[22] != '=' || key[23] != '=')
        return AULA_EINVAL;
    for (int i = 0; i < 22; i++) {
        char c = key[i];
        bool b64 = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                   c == '+' || c == '/';
        if (!b64)
            return AULA_EINVAL;
    }
    unsigned char raw[18];
    if (EVP_DecodeBlock(raw, (const unsigned char *)key, 24) != 18)
        return AULA_EINVAL;

    /* Section 4.2.2: base64(SHA-1(key || GUID)), the key taken as text. */
    char concat[24 + sizeof(guid)];
    memcpy(concat, key, 24);
    memcpy(concat + 24, guid, sizeof(guid) - 1);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int dlen = 0;
    if (!EVP_Digest(concat, 24 + sizeof(guid) - 1, digest, &dlen, EVP_sha1(), NULL) || dlen != 20)
        return AULA_EINVAL;
    if (EVP_EncodeBlock((unsigned char *)out, digest, 20) != 28)
        return AULA_EINVAL;
    out[28] = '\0';
    return 0;
}

bool aula_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    const unsigned char *end = p + len;
    while (p < end) {
        /* ASCII runs dominate JSON text: skip them eight bytes at a time. */
        while (end - p >= 8) {
            uint64_t w;
            memcpy(&w, p, 8);
            if (w & 0x8080808080808080ull)
                break;
            p += 8;
        }
        if (p == end)
            break;
        unsigned c = *p;
        if (c < 0x80) {
            p++;
            continue;
        }
        /* RFC 3629 section 4: the second byte's range excludes overlong
         * forms (E0, F0), surrogates (ED) and code points past U+10FFFF (F4). */
        size_t n;
        unsigned lo = 0x80, hi = 0xbf;
        if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            lo = c == 0xe0 ? 0xa0 : 0x80;
            hi = c == 0xed ? 0x9f : 0xbf;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            lo = c == 0xf0 ? 0x90 : 0x80;
            hi = c == 0xf4 ? 0x8f : 0xbf;
        } else {
            return false;
        }
        if ((size_t)(end - p) <= n || p[1] < lo || p[1] > hi)
            return false;
        for (size_t i = 2; i <= n; i++)
            if ((p[i] & 0xc0u) != 0x80u)
                return false;
        p += n + 1;
    }
    return true;
}
