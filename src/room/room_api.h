/* REST routes for rooms (docs/api.md): POST /api/v1/rooms and
 * GET /api/v1/rooms/{id}. Thread: the control thread. */
#ifndef AULA_ROOM_ROOM_API_H
#define AULA_ROOM_ROOM_API_H

#include "http/http_server.h"
#include "room/room.h"
#include "store/store.h"

typedef struct aula_room_api {
    aula_store *store;      /* borrowed */
    aula_rooms *rooms;      /* borrowed */
    const char *public_url; /* borrowed; "" builds links from the Host header */
    int tls;                /* links use https when the request came over TLS */
} aula_room_api;

/* POST /api/v1/rooms {"title": "..."} -> 201 with the room. */
void aula_room_api_create(const aula_room_api *api, aula_http_request *req);

/* GET /api/v1/rooms/{id} -> 200 with the room, or 404. */
void aula_room_api_get(const aula_room_api *api, aula_http_request *req, const char *id);

#endif
