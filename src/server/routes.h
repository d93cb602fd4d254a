/* Request routing of the control plane: which handler answers which path,
 * and the route label each request is counted under in /metrics.
 * Thread: the control thread. */
#ifndef AULA_SERVER_ROUTES_H
#define AULA_SERVER_ROUTES_H

#include "admin/metrics.h"
#include "auth/auth_api.h"
#include "event/event_api.h"
#include "files/files_api.h"
#include "http/http_server.h"
#include "room/room_api.h"
#include "room/signaling.h"

typedef struct aula_routes {
    aula_auth_api auth;
    aula_room_api api;          /* api.auth points at auth above */
    aula_signaling *signaling;  /* borrowed */
    aula_http_metrics *metrics; /* borrowed */
    const char *web_dir;        /* borrowed */
    aula_files_api files;       /* room files (src/files/) */
    aula_event_api events;      /* events (src/event/event_api.h) */
    /* Fills a status snapshot for /metrics and /healthz. */
    void (*status)(void *ud, aula_node_status *out);
    void *status_ud;
} aula_routes;

/* The aula_http_handler_fn of the server; ud is an aula_routes. */
void aula_routes_handle(aula_http_request *req, void *ud);

/* The server's on_head: uploads (POST /api/v1/rooms/{id}/files) take their
 * body as a stream; every other request body is buffered. */
void aula_routes_head(aula_http_request *req, void *ud);

#endif
