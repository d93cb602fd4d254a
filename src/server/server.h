/* The control plane of one aula node: it opens the store, starts the media
 * workers and the HTTP server, routes requests, and shuts all of it down in
 * order on SIGTERM or SIGINT.
 * Thread: the main thread, which runs the control loop. */
#ifndef AULA_SERVER_SERVER_H
#define AULA_SERVER_SERVER_H

#include "core/config.h"

#include <uv.h>

typedef struct aula_server aula_server;

/* Starts everything on loop. cfg is borrowed and must outlive the server.
 * The store opens and the workers start here; the HTTP server opens, and
 * the URL is printed on stdout, once every worker has answered. Returns 0,
 * or a negative code with everything being undone (the reason is logged;
 * run the loop to finish). *exit_status is set to 0 now, and to 1 if the
 * start fails later (HTTP port taken): main returns it after uv_run. */
int aula_server_start(uv_loop_t *loop, const aula_config *cfg, int *exit_status, aula_server **out);

/* Begins the graceful shutdown (what SIGTERM does): stop accepting, close
 * WebSockets with 1001, finish requests in flight, stop the workers, close
 * the store. The server frees itself; the loop then has nothing left and
 * uv_run returns. If that takes longer than shutdown_timeout, the store is
 * closed and the process exits with status 1. */
void aula_server_shutdown(aula_server *s);

#endif
