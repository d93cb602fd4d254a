/* aula-hammer: the load generator's shared state. One process, one libuv
 * loop, many simulated participants (hm_client): publishers that replay a
 * pre-encoded VP8 + Opus stream in real time and viewers that decrypt
 * everything they receive and measure it. Signaling is pluggable: aula's
 * JSON-RPC (sig_aula.c) or the Janus videoroom plugin (sig_janus.c), both
 * over WebSocket.
 *
 * Thread: everything runs on the one loop. */
#ifndef AULA_BENCH_HAMMER_H
#define AULA_BENCH_HAMMER_H

#include "media_file.h"
#include "peer.h"
#include "stats.h"
#include "ws_client.h"

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#define HM_MAX_STREAMS 32
#define HM_MAX_NACK 64
#define HM_RING 512
/* Appended to every payload: "HAMR" and the send time (hm_wall_ns). */
#define HM_TRAILER 12
#define HM_VP8_CHUNK 1150
#define HM_PT_VP8 96
#define HM_PT_OPUS 111

typedef enum hm_server { HM_SERVER_AULA, HM_SERVER_JANUS } hm_server;

typedef struct hm_options {
    hm_server server;
    const char *ip; /* signaling and media address of the server */
    int port;       /* signaling port */
    const char *bind_ip;
    const char *room;
    const char *tokens_path; /* aula: one join token per line, by client index */
    const char *video_path, *audio_path;
    int publishers; /* webinar: 1; meeting: every one also watches the others */
    int viewers;    /* watch-only participants */
    int ramp_per_s; /* viewers started per second */
    int duration_s; /* measured window */
    int settle_ms;  /* after the last join, before measuring */
    int server_pid; /* for CPU and memory from /proc; 0: not measured */
    /* The kernel thread that runs this generator's receive path (the NAPI
     * thread of its network interface), counted with the generator's own
     * CPU; 0: none (loopback, where the sender's CPU runs it). */
    int receive_pid;
    bool meeting;
} hm_options;

typedef struct hm_rx {
    hm_rx_stream s;
    bool video;
    uint64_t nack_ext[HM_MAX_NACK];
    uint8_t nack_tries[HM_MAX_NACK];
    size_t n_nack;
} hm_rx;

typedef struct hm_pub_slot {
    uint16_t seq;
    uint16_t len;
    uint8_t data[HM_VP8_CHUNK + 64];
} hm_pub_slot;

typedef struct hammer hammer;

/* One simulated participant. */
typedef struct hm_client {
    hammer *h; /* borrowed: the process state */
    int idx;
    bool publishes, watches;
    hm_ws *ws;      /* owned */
    hm_peer *pub;   /* owned: publish connection */
    hm_peer *sub;   /* owned: receive connection */
    bool published; /* the publish connection is up */
    bool subscribed, failed;
    bool joined, want_sub, sub_inflight; /* want_sub: subscribe when something is published */
    int next_id;
    /* Janus ids. */
    uint64_t session, pub_handle, sub_handle, feed;
    int janus_step;
    uint64_t last_keepalive_ms;

    /* Publisher. */
    uint32_t vssrc, assrc;
    uint16_t vseq, aseq;
    uint64_t vframes, aframes;
    uint32_t vts0, ats0;
    uint64_t pub_start_ns, next_sr_ms;
    uint32_t vpackets, vbytes, apackets, abytes;
    hm_pub_slot *ring; /* owned: last HM_RING video packets, for NACKs */

    /* Viewer. */
    uint32_t rr_ssrc;
    hm_rx rx[HM_MAX_STREAMS];
    size_t n_rx;
    uint64_t join_start_ns, first_media_ns;
    uint64_t next_rr_ms, next_nack_ms;
} hm_client;

struct hammer {
    uv_loop_t *loop;
    hm_options opt;
    aula_dtls_identity *identity; /* owned */
    hm_media video, audio;
    hm_peer_totals totals;
    hm_hist delay_us, join_ms;
    hm_client **clients; /* owned */
    size_t n_clients;
    bool measuring;
    uint64_t nack_sent, nack_rtx;
    /* Janus: the connection that created the room (owned), and what to
     * call when it is ready. */
    hm_client *prep;
    /* aula: join tokens by client index (owned), from --tokens. A client
     * beyond them joins the room by id and name. */
    char **tokens;
    size_t n_tokens;
    bool debug; /* HAMMER_DEBUG=1: print signaling */
    void (*prep_done)(hammer *h, int err);
};

/* ---- client.c: SDP, publishing, receiving ---- */

hm_client *hm_client_create(hammer *h, int idx, bool publishes, bool watches);
void hm_client_destroy(hm_client *c);
/* The offer for the publish connection (creates its peer). Caller frees. */
char *hm_client_publish_offer(hm_client *c);
/* The server's answer: starts ICE and DTLS. Returns 0 or an AULA_E*. */
int hm_client_publish_answer(hm_client *c, const char *sdp);
/* The server's offer for the receive connection: creates its peer, starts
 * ICE and DTLS, and returns the answer (caller frees), or NULL. */
char *hm_client_subscribe(hm_client *c, const char *offer);
/* Signaling or media failed for this participant: counted, final. */
void hm_client_fail(hm_client *c, const char *why);
/* Paces media, sends reports and NACKs; called every few milliseconds. */
void hm_client_tick(hm_client *c, uint64_t now_ms, uint64_t now_ns);
/* Restarts the viewer's loss counting (start of the measured window). */
void hm_client_restart_stats(hm_client *c);

/* ---- sig_aula.c / sig_janus.c: signaling ---- */

/* Connects, joins, and publishes and/or subscribes as the client says.
 * Meeting publishers subscribe only when hm_sig_subscribe is called. */
void hm_sig_start(hm_client *c);
/* Asks for the receive offer now (meeting: once everyone published). */
void hm_sig_subscribe(hm_client *c);
/* Periodic work (keep-alives). */
void hm_sig_tick(hm_client *c, uint64_t now_ms);
/* Janus only: creates the videoroom before anyone joins; calls done. */
void hm_sig_prepare(hammer *h, void (*done)(hammer *h, int err));

void hm_sig_aula_start(hm_client *c);
void hm_sig_aula_subscribe(hm_client *c);
void hm_sig_janus_start(hm_client *c);
void hm_sig_janus_subscribe(hm_client *c);
void hm_sig_janus_tick(hm_client *c, uint64_t now_ms);
void hm_sig_janus_prepare(hammer *h, void (*done)(hammer *h, int err));

#endif
