/* A WebSocket connection: the sans-IO aula_ws session bound to an
 * upgraded HTTP connection and to the loop's timers.
 *
 * It validates the upgrade request, writes the 101 answer, pings the client
 * every ping_interval_ms and closes a client that sent nothing (no pong
 * either) for 2 x ping_interval_ms (close 1008 "idle timeout"). A client
 * that does not read (more than max_pending_bytes queued) is closed with
 * 1008 without disturbing others. A binary message is closed with 1003.
 * Once a close starts, either way, the socket is closed when the handshake
 * completes or after a 2 s grace period.
 * Thread: the loop's thread. */
#ifndef AULA_HTTP_WS_CONN_H
#define AULA_HTTP_WS_CONN_H

#include "http/http_server.h"

#include <stdint.h>
#include <uv.h>

typedef struct aula_ws_conn aula_ws_conn;

typedef struct aula_ws_conn_config {
    size_t max_message_bytes;  /* default 65536 */
    uint64_t ping_interval_ms; /* default 20000 */
    size_t max_pending_bytes;  /* default 4 MiB */
} aula_ws_conn_config;

typedef struct aula_ws_conn_cb {
    /* A complete text message, valid UTF-8, valid only during the call. The
     * callback may send and may call aula_ws_conn_close(). */
    void (*on_text)(void *ud, aula_ws_conn *c, const char *data, size_t len);
    /* The connection is gone; c is freed right after this returns. */
    void (*on_closed)(void *ud, aula_ws_conn *c);
} aula_ws_conn_cb;

/* Accepts a WebSocket upgrade request. Checks method GET, Upgrade:
 * websocket, Connection: upgrade, Sec-WebSocket-Version: 13 and the key;
 * on failure answers 400 (426 for a wrong version) itself and returns
 * AULA_EPROTO. On success the request is answered with 101 and *out is
 * live until on_closed. cfg fields that are zero take the defaults. */
int aula_ws_conn_accept(aula_http_request *req, uv_loop_t *loop, const aula_ws_conn_config *cfg,
                        const aula_ws_conn_cb *cb, void *ud, aula_ws_conn **out);

/* Sends a text message. Returns AULA_ECLOSED when closing. */
int aula_ws_conn_send_text(aula_ws_conn *c, const char *data, size_t len);

/* Starts the close handshake; the socket closes when it completes or after
 * a short grace period. on_closed follows. Idempotent. */
void aula_ws_conn_close(aula_ws_conn *c, uint16_t code, const char *reason);

/* The peer address as text. */
const char *aula_ws_conn_remote_addr(const aula_ws_conn *c);

#endif
