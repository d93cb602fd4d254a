/* A media worker: one thread with its own libuv loop and its own UDP port.
 *
 * The control plane and a worker share nothing but two message queues; each
 * side is woken by a uv_async_t when the other pushes a message. The worker
 * answers pings with a load report. With a DTLS identity it runs a media
 * engine (sfu/engine.h): AULA_WORKER_MEDIA commands and every datagram on
 * its port go to the engine, whose reports come back as AULA_WORKER_MEDIA
 * messages; one timer follows the engine's next deadline. Without an
 * identity (tests) every datagram is dropped and counted by its RFC 7983
 * first-byte class. Dropped datagrams are counted by reason either way.
 * Datagrams are read with recvmmsg and written with sendmmsg in batches
 * (see the comment at the top of worker.c).
 *
 * Thread: aula_worker_start/send/stop are called on the control thread;
 * cb->on_message runs on the control thread too. */
#ifndef AULA_SFU_WORKER_H
#define AULA_SFU_WORKER_H

#include "sfu/drop.h"
#include "sfu/media.h"

#include <stdint.h>
#include <uv.h>

typedef struct aula_worker aula_worker;

/* Drop reasons (AULA_DROP_*) live in sfu/drop.h, shared with the engine. */

/* The label of a drop reason for metrics ("stun_no_transport"). */
const char *aula_worker_drop_label(int reason);

enum aula_worker_msg_type {
    AULA_WORKER_PING = 1, /* control -> worker */
    AULA_WORKER_PONG,     /* worker -> control, with a load report; the
                             first, with seq 0, comes unasked once the
                             worker's loop runs */
    AULA_WORKER_MEDIA,    /* either way: a media command or report (sfu/media.h) */
};

typedef struct aula_worker_load {
    double busy;                   /* fraction of wall time the loop was not idle since last pong */
    uint64_t rx_datagrams;         /* received on the media port since start */
    uint64_t rx_batches;           /* recvmmsg calls that returned datagrams */
    uint64_t tx_datagrams;         /* handed to the kernel since start */
    uint64_t tx_batches;           /* sendmmsg calls that sent at least one */
    uint64_t dropped[AULA_DROP_N]; /* since start, by reason */
    uint32_t transports;           /* live transports */
} aula_worker_load;

typedef struct aula_worker_msg {
    enum aula_worker_msg_type type;
    uint64_t seq;          /* ping number, echoed in the pong */
    aula_worker_load load; /* in PONG */
    aula_media_msg media;  /* in MEDIA */
} aula_worker_msg;

typedef struct aula_worker_config {
    int id;
    const char *media_host; /* copied */
    int media_port;         /* 0 picks a free port */
    /* The process's DTLS identity, shared read-only by every worker;
     * borrowed: it must outlive the worker. NULL in tests that need no
     * media. */
    const struct aula_dtls_identity *identity;
} aula_worker_config;

typedef struct aula_worker_cb {
    void (*on_message)(void *ud, aula_worker *w, const aula_worker_msg *m);
} aula_worker_cb;

/* Binds the UDP port, then starts the thread. Returns 0, or a libuv error
 * (port in use, ...) with nothing started. */
int aula_worker_start(uv_loop_t *control_loop, const aula_worker_config *cfg,
                      const aula_worker_cb *cb, void *ud, aula_worker **out);

/* Queues a message for the worker (copied). Thread: control. */
void aula_worker_send(aula_worker *w, const aula_worker_msg *m);

int aula_worker_id(const aula_worker *w);
/* The UDP port actually bound. */
int aula_worker_port(const aula_worker *w);

/* Stops the thread (its loop closes its handles and returns), joins it,
 * closes the control-side handle and frees everything; done(ud) follows on
 * the control loop. Messages still queued are dropped. */
void aula_worker_stop(aula_worker *w, void (*done)(void *ud), void *ud);

#endif
