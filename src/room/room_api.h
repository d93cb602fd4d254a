/* REST routes for rooms (docs/api.md): create, list mine, get, join.
 * Host actions with a join token live in host_api.h.
 * Thread: the control thread. */
#ifndef AULA_ROOM_ROOM_API_H
#define AULA_ROOM_ROOM_API_H

#include "auth/auth_api.h"
#include "auth/join_token.h"
#include "http/http_server.h"
#include "room/room.h"
#include "store/store.h"

/* A join token that expired less than this long ago still lets its holder
 * back in as the same participant (a laptop woken from sleep). */
#define AULA_REJOIN_GRACE_MS (12LL * 3600 * 1000)

typedef struct aula_room_api {
    aula_store *store;         /* borrowed */
    aula_rooms *rooms;         /* borrowed */
    aula_join_signer *signer;  /* borrowed */
    const aula_auth_api *auth; /* borrowed: sessions of host accounts */
    const char *public_url;    /* borrowed; "" builds links from the Host header */
    int tls;                   /* links use https when the request came over TLS */
} aula_room_api;

/* POST /api/v1/rooms {title?, password?, lobby?} -> 201 with the room, its
 * links and host key; owned by the logged-in user, if any. */
void aula_room_api_create(const aula_room_api *api, aula_http_request *req);

/* GET /api/v1/rooms -> 200 {rooms: [...]}: the logged-in user's rooms,
 * newest first; 401 without a session. */
void aula_room_api_list(const aula_room_api *api, aula_http_request *req);

/* GET /api/v1/rooms/{id} -> 200 with the room (the host key only for its
 * owner), or 404. */
void aula_room_api_get(const aula_room_api *api, aula_http_request *req, const char *id);

/* POST /api/v1/rooms/{id}/join {name, password?, host_key?, token?} ->
 * 200 {token, participant, role, expires, room}. */
void aula_room_api_join(const aula_room_api *api, aula_http_request *req, const char *id);

#endif
