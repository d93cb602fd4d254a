/* Signaling: the JSON-RPC methods a participant calls over its WebSocket
 * (docs/protocol.md) and the sessions behind them.
 *
 * One session per WebSocket connection; after room.join a session has a
 * participant (or waits in the room's lobby). Closing the connection
 * leaves the room. The methods live in signaling.c (join, chat, media),
 * signaling_join.c (room.join, token.refresh) and signaling_host.c (host
 * controls, lobby, hands, reactions), around signaling_internal.h.
 * Thread: the control thread. */
#ifndef AULA_ROOM_SIGNALING_H
#define AULA_ROOM_SIGNALING_H

#include "auth/join_token.h"
#include "http/http_server.h"
#include "http/ws_conn.h"
#include "room/media_signaling.h"
#include "room/room.h"

#include <stdint.h>
#include <uv.h>

typedef struct aula_signaling aula_signaling;

typedef struct aula_signaling_config {
    aula_ws_conn_config ws;
    uint32_t chat_burst;     /* chat lines allowed at once; default 10 */
    uint32_t chat_refill_ms; /* one more line allowed every ...; default 1000 */
    aula_media_sig *media;   /* borrowed; NULL: the media.* methods fail */
    /* borrowed; verifies the tokens of room.join {token} and issues fresh
     * ones. NULL: only room.join {room, name} works (open rooms). */
    aula_join_signer *signer;
    uint32_t qa_per_minute; /* questions one participant may ask a minute; default 3 */
} aula_signaling_config;

/* rooms is borrowed. */
aula_signaling *aula_signaling_create(uv_loop_t *loop, aula_rooms *rooms,
                                      const aula_signaling_config *cfg);

/* Accepts a WebSocket upgrade on /ws (answers the request either way). */
void aula_signaling_accept(aula_signaling *sig, aula_http_request *req);

/* Open WebSocket sessions. */
size_t aula_signaling_sessions(const aula_signaling *sig);
/* Chat lines stored since start. */
uint64_t aula_signaling_chat_total(const aula_signaling *sig);

/* Closes every session with 1001 (going away); each leaves its room. The
 * sessions finish asynchronously: done(ud) is called once the last one is
 * gone (at once when there are none). */
void aula_signaling_close_all(aula_signaling *sig, void (*done)(void *ud), void *ud);

/* All sessions must be closed. */
void aula_signaling_destroy(aula_signaling *sig);

#endif
