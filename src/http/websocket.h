/* WebSocket protocol (RFC 6455), sans-IO, on top of wslay's event API.
 *
 * The object does no I/O and reads no clock: feed it the bytes that
 * arrived with aula_ws_feed(), ask it to send messages, then drain the
 * bytes to write with aula_ws_drain(). It reassembles fragmented messages,
 * answers pings, runs the close handshake, enforces a maximum message
 * size (close 1009) and validates text messages as UTF-8 (close 1007).
 * Protocol errors close with 1002. Server role: incoming frames must be
 * masked, outgoing ones are not.
 * Callbacks run inside aula_ws_feed(); they may send and call
 * aula_ws_close(), but must not feed or destroy the session.
 * Thread: any, but one object is used by one thread. */
#ifndef AULA_HTTP_WEBSOCKET_H
#define AULA_HTTP_WEBSOCKET_H

#include "core/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct aula_ws aula_ws;

enum {
    AULA_WS_TEXT = 1,
    AULA_WS_BINARY = 2,
};

/* Close codes used by aula (RFC 6455 section 7.4.1). */
enum {
    AULA_WS_CLOSE_NORMAL = 1000,
    AULA_WS_CLOSE_GOING_AWAY = 1001,
    AULA_WS_CLOSE_PROTOCOL_ERROR = 1002,
    AULA_WS_CLOSE_UNSUPPORTED = 1003, /* a data type the endpoint does not accept */
    AULA_WS_CLOSE_INVALID_DATA = 1007,
    AULA_WS_CLOSE_POLICY = 1008,
    AULA_WS_CLOSE_TOO_BIG = 1009,
    AULA_WS_CLOSE_INTERNAL = 1011,
    AULA_WS_CLOSE_TRY_AGAIN = 1013,
};

typedef struct aula_ws_cb {
    /* A complete message (reassembled from fragments; text already checked
     * as UTF-8). data is valid only during the call. Messages that arrive
     * after our own close frame are dropped. */
    void (*on_message)(void *ud, int opcode, const char *data, size_t len);
    /* A pong arrived (keep-alive bookkeeping). May be NULL. */
    void (*on_pong)(void *ud);
    /* The peer sent a close frame, or we closed for a protocol violation
     * (code 1002, 1007 or 1009 and a short reason). code 1005 means the
     * peer gave no code. Called at most once, and nothing follows it. */
    void (*on_close)(void *ud, uint16_t code, const char *reason);
} aula_ws_cb;

/* Creates a server-side session. max_message_bytes bounds one reassembled
 * message. cb is copied; ud is passed back. */
aula_ws *aula_ws_create(size_t max_message_bytes, const aula_ws_cb *cb, void *ud);
void aula_ws_destroy(aula_ws *ws);

/* Processes received bytes; callbacks fire from inside. Returns 0, or
 * AULA_ECLOSED when the session is finished and nothing more is read. */
int aula_ws_feed(aula_ws *ws, const char *data, size_t len);

/* Queue a message or control frame. Return AULA_ECLOSED after close. */
int aula_ws_send_text(aula_ws *ws, const char *data, size_t len);
int aula_ws_send_binary(aula_ws *ws, const void *data, size_t len);
int aula_ws_ping(aula_ws *ws);
/* Starts the close handshake with code and a short reason (<= 123 bytes). */
int aula_ws_close(aula_ws *ws, uint16_t code, const char *reason);

/* Appends every byte ready to be written to out (when out is empty, by
 * exchanging buffers with it rather than copying). */
void aula_ws_drain(aula_ws *ws, aula_buf *out);

/* True once the close handshake is complete (or failed) and everything
 * queued was drained: the transport should now be closed. */
bool aula_ws_finished(const aula_ws *ws);

/* Computes Sec-WebSocket-Accept for a Sec-WebSocket-Key (RFC 6455 4.2.2).
 * out receives 28 characters and a NUL. Returns AULA_EINVAL if the key is
 * not 16 bytes in base64. */
int aula_ws_accept_key(const char *key, char out[29]);

/* Validates UTF-8 strictly (no overlongs, no surrogates, <= U+10FFFF). */
bool aula_utf8_valid(const char *s, size_t len);

#endif
