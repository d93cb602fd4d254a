/* Fuzzes the server side of a WebSocket session. The first input byte
 * chooses how the rest is cut into aula_ws_feed() calls (so partial
 * headers and payloads are exercised) and whether the server speaks in
 * between; the rest is client bytes. Checked: text messages are valid
 * UTF-8 and within the size limit, on_close comes at most once and nothing
 * follows it, a finished session reads nothing more. aula_utf8_valid() is
 * also compared with a plain code-point decoder on the raw input. */
#include "core/buf.h"
#include "core/error.h"
#include "http/websocket.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#define MAX_MESSAGE 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct state {
    aula_ws *ws;
    int closes;
    bool talk; /* reply to each message from inside the callback */
} state;

static void on_message(void *ud, int opcode, const char *p, size_t len)
{
    state *s = ud;
    if (s->closes || len > MAX_MESSAGE)
        abort();
    if (opcode == AULA_WS_TEXT && !aula_utf8_valid(p, len))
        abort();
    if (opcode != AULA_WS_TEXT && opcode != AULA_WS_BINARY)
        abort();
    if (s->talk && aula_ws_send_text(s->ws, "ok", 2) != 0)
        abort();
}

static void on_pong(void *ud)
{
    state *s = ud;
    if (s->closes)
        abort();
}

static void on_close(void *ud, uint16_t code, const char *reason)
{
    state *s = ud;
    (void)reason;
    if (++s->closes > 1 || code < 1000 || code >= 5000)
        abort();
}

/* Reference decoder: RFC 3629 by code point rather than by byte ranges. */
static bool utf8_reference(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint32_t c = p[i];
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (len == 0 || i + len > n)
            return false;
        if (len > 1)
            c &= 0x7fu >> len;
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                return false;
            c = (c << 6) | (p[i + k] & 0x3fu);
        }
        static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (c < min[len] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
            return false;
        i += len;
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (aula_utf8_valid((const char *)data, size) != utf8_reference(data, size))
        abort();
    if (size == 0)
        return 0;

    static const aula_ws_cb cb = {on_message, on_pong, on_close};
    state s = {0};
    s.ws = aula_ws_create(MAX_MESSAGE, &cb, &s);
    s.talk = data[0] & 0x80;
    size_t chunk = (data[0] & 0x3f) + 1;
    bool ping = data[0] & 0x40;
    aula_buf out;
    aula_buf_init(&out);

    bool ended = false;
    for (size_t off = 1; off < size; off += chunk) {
        size_t n = size - off < chunk ? size - off : chunk;
        int r = aula_ws_feed(s.ws, (const char *)data + off, n);
        if (ended && r != AULA_ECLOSED)
            abort();
        if (r == AULA_ECLOSED)
            ended = true;
        else if (r != 0)
            abort();
        if (ping)
            (void)aula_ws_ping(s.ws);
        aula_ws_drain(s.ws, &out);
        aula_buf_reset(&out);
    }
    if (aula_ws_finished(s.ws) && aula_ws_feed(s.ws, "\x81", 1) != AULA_ECLOSED)
        abort();
    (void)aula_ws_close(s.ws, AULA_WS_CLOSE_GOING_AWAY, "bye");
    aula_ws_drain(s.ws, &out);
    aula_buf_deinit(&out);
    aula_ws_destroy(s.ws);
    return 0;
}
