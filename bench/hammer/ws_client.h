/* A WebSocket client (RFC 6455) over a libuv TCP connection, for driving
 * signaling servers from the load generator: aula's JSON-RPC at /ws and
 * Janus's WebSocket transport. The HTTP upgrade is written by hand; framing
 * and masking are wslay's client mode. Text messages only.
 *
 * Thread: the loop's. */
#ifndef AULA_BENCH_WS_CLIENT_H
#define AULA_BENCH_WS_CLIENT_H

#include <stddef.h>
#include <uv.h>

typedef struct hm_ws hm_ws;

typedef struct hm_ws_callbacks {
    /* The upgrade succeeded: messages may be sent. */
    void (*on_open)(void *ud);
    /* One whole text message (not NUL-terminated; msg[len] is NUL). */
    void (*on_message)(void *ud, const char *msg, size_t len);
    /* The connection failed or closed; the hm_ws is still valid until
     * hm_ws_destroy. why is a static string. */
    void (*on_close)(void *ud, const char *why);
} hm_ws_callbacks;

/* Connects to ip:port and upgrades at path, offering subprotocol when not
 * NULL. Callbacks arrive on the loop; ud is passed back. Never NULL. */
hm_ws *hm_ws_connect(uv_loop_t *loop, const char *ip, int port, const char *path,
                     const char *subprotocol, const hm_ws_callbacks *cb, void *ud);

/* Queues a text message. Returns 0, or AULA_ECLOSED when not open. */
int hm_ws_send(hm_ws *ws, const char *msg, size_t len);

/* Closes the connection (if open) and frees the object once libuv is done
 * with it. No callback runs after this. */
void hm_ws_destroy(hm_ws *ws);

#endif
