/* Internals shared by the HTTP server's files (http_server.c: sockets,
 * parsing, answers; http_stream.c: streamed request and response bodies).
 * Not part of the API: nothing outside src/http/ includes this.
 * Thread: the loop's thread. */
#ifndef AULA_HTTP_HTTP_SERVER_INTERNAL_H
#define AULA_HTTP_HTTP_SERVER_INTERNAL_H

#include "core/buf.h"
#include "http/http_request.h"
#include "http/http_server.h"
#include "http/tls.h"

#include <netinet/in.h>
#include <stdbool.h>
#include <time.h>

#define READ_BUF_SIZE 65536
/* While more than this is queued for a client, its pipelined requests
 * wait and its socket is not read: a client that sends and never reads
 * cannot make us buffer without bound. A streamed response stops pulling
 * from its source at the same mark. */
#define PIPELINE_PAUSE_BYTES (256 * 1024)

enum conn_state {
    CONN_HTTP,     /* reading requests */
    CONN_UPGRADED, /* bytes go to the stream callbacks */
    CONN_DRAINING, /* closing once the queued bytes are written */
    CONN_LINGER,   /* write side shut; reading and dropping until EOF or timeout */
    CONN_CLOSED,   /* handles closing; freed in their close callbacks */
};

enum timer_kind {
    TIMER_NONE,
    TIMER_IDLE,
    TIMER_REQUEST,
    TIMER_DRAIN,
    TIMER_LINGER,
};

struct aula_http_conn {
    aula_http_server *server; /* borrowed: the server waits for its connections */
    aula_http_conn *prev;     /* server's list */
    aula_http_conn *next;
    uv_tcp_t tcp;
    uv_timer_t timer;
    uv_shutdown_t shutdown_req;
    int open_handles;
    unsigned long long id;
    char remote[INET6_ADDRSTRLEN];
    enum conn_state state;
    enum timer_kind timer_kind;
    aula_http_parser *parser; /* owned; NULL once upgraded */
    aula_tls *tls;            /* owned; NULL for plain HTTP */
    aula_buf plain;           /* decrypted bytes of the current read */
    size_t pending_writes;    /* uv_write requests not completed */
    aula_http_header *hdrs;   /* owned; the current request's headers */
    size_t cap_hdrs;
    aula_http_stream_cb stream_cb; /* set by aula_http_upgrade() */
    void *stream_ud;
    bool upgraded;
    bool linger;
    bool reading;
    bool paused;      /* pipelining held back until writes drain */
    bool in_dispatch; /* inside the handler */
    bool req_keep_alive;
    bool req_upgrade;
    bool req_head;
    bool close_after_response;
    /* A streamed request body (http_stream.c). */
    aula_http_request sreq; /* the request given to on_head */
    aula_http_body_cb body_cb;
    void *body_ud;
    bool in_head;        /* inside on_head */
    bool body_unread;    /* a body is due and not read to its end */
    bool body_active;    /* body_cb owes on_end or on_abort */
    bool body_paused;    /* on_data said AULA_EAGAIN */
    bool stream_refused; /* aula_http_request_stream_body() said AULA_ETOOBIG */
    /* A streamed response body (http_stream.c). */
    aula_http_body_source out_src;
    void *out_ud;
    uint64_t out_left; /* bytes still to pull */
    bool out_active;   /* out_src owes done */
};

struct aula_http_server {
    uv_loop_t *loop;    /* borrowed */
    uv_tcp_t *listener; /* owned; freed in its close callback */
    aula_tls_ctx *tls;  /* owned; NULL for plain HTTP */
    aula_http_limits limits;
    aula_http_handler_fn on_request;
    aula_http_handler_fn on_head; /* NULL: bodies are always buffered */
    void *ud;
    int port;
    aula_http_conn *conns;
    size_t n_conns;
    unsigned long long next_id;
    uint64_t refuse_logged_ms;
    size_t refused;
    bool closing;
    bool listener_closed;
    void (*done)(void *ud);
    void *done_ud;
    time_t date_sec;
    char date[40];
    char read_buf[READ_BUF_SIZE]; /* shared: every read is consumed before the next */
};

/* http_server.c */
int aula__http_conn_send(aula_http_conn *c, aula_buf *b);
void aula__http_conn_drain(aula_http_conn *c, bool linger);
void aula__http_conn_close_now(aula_http_conn *c);
void aula__http_conn_process(aula_http_conn *c, const char *data, size_t len);
void aula__http_conn_fail(aula_http_conn *c, int status);
void aula__http_read_start(aula_http_conn *c);
void aula__http_read_stop(aula_http_conn *c);
void aula__http_timer_start(aula_http_conn *c, enum timer_kind kind, uint64_t ms);
void aula__http_timer_stop(aula_http_conn *c);
/* Validates and builds a response head into b (initialised here); sets
 * req->status. Returns 0, AULA_EINVAL (nothing set, b empty) or
 * AULA_ECLOSED (status set, b empty). */
int aula__http_build_head(aula_http_request *req, int status, const char *content_type,
                          const aula_http_header *extra, size_t n_extra, uint64_t len, aula_buf *b);
/* Fills req's fields from a parsed message and the connection. */
void aula__http_fill_request(aula_http_conn *c, const aula_http_message *m, aula_http_request *req);

/* http_stream.c */
/* After AULA_HTTP_PARSE_HEAD; each returns true to go on feeding. */
bool aula__http_on_head(aula_http_conn *c);
bool aula__http_on_body(aula_http_conn *c);
/* After COMPLETE of a streamed request: on_end. */
void aula__http_on_body_end(aula_http_conn *c);
/* The streamed body's on_abort, if one is owed (status 0: connection gone). */
void aula__http_body_abort(aula_http_conn *c, int status);
/* Pulls and queues response pieces while the client keeps up. */
void aula__http_pump_out(aula_http_conn *c);
/* The streamed response's done(0), if one is owed. */
void aula__http_out_abort(aula_http_conn *c);

#endif
