/* The forwarding state of one room on a media worker, sans-IO: producers
 * (published tracks, found by their transport and SSRC) and the consumers
 * that watch them, each with the viewer's transport, SSRC, payload type and
 * a sequence-number offset so the viewer sees one continuous stream.
 *
 * The hot path is aula_router_on_rtp(): a packet already unprotected by the
 * publisher's transport is copied once per consumer into a fixed scratch
 * buffer (no allocation per packet), rewritten and protected with the
 * viewer's outbound SRTP. RTCP: PLI/FIR from viewers become a PLI to the
 * publisher (at most one per second per producer; the next is deferred,
 * not lost); SR from publishers is forwarded to each consumer with the SSRC
 * rewritten.
 *
 * Loss repair (sfu/retransmit.h, sfu/recv_stats.h): each video producer
 * keeps its last packets, so a viewer's NACK is answered from the SFU on
 * the consumer's SSRC (viewers have no RTX); a gap in a publisher's
 * stream is NACKed to the publisher at once, and its RTX packets are
 * unwrapped and forwarded as the originals. Every producer gets a
 * receiver report about once a second. Not done yet: REMB and
 * transport-cc (ignored).
 *
 * Simulcast (sfu/simulcast.h): a producer added with rid layers learns
 * their SSRCs from the rid header extension; each consumer gets one layer,
 * chosen from the viewer's receiver reports and preferred layer, with SSRC,
 * payload type, sequence numbers and timestamps rewritten so a switch (at
 * a keyframe of the new layer) is seamless.
 *
 * Ownership: the engine owns the router and the transports; producers and
 * consumers borrow their transport, so the engine calls
 * aula_router_transport_gone() before destroying one.
 *
 * Thread: the worker's. */
#ifndef AULA_SFU_ROUTER_H
#define AULA_SFU_ROUTER_H

#include "sfu/media.h"
#include "sfu/speaker.h"
#include "sfu/transport.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AULA_ROUTER_PLI_INTERVAL_MS 1000
/* Largest RTP packet forwarded; larger ones are dropped (RTP_TOO_BIG). */
#define AULA_ROUTER_MAX_RTP 1500
#define AULA_ROUTER_RR_INTERVAL_MS 1000

/* Loss repair counters of one router, since its creation. */
typedef struct aula_router_stats {
    uint64_t rtx_served;    /* packets sent again for viewers' NACKs */
    uint64_t rtx_missed;    /* NACKed packets not sent: unknown, too old, over the limit */
    uint64_t rtx_recovered; /* publisher RTX packets unwrapped and used */
    uint64_t nacked;        /* sequence numbers NACKed to publishers */
    uint64_t rr_sent;       /* receiver reports sent to publishers */
} aula_router_stats;

typedef struct aula_router aula_router;

/* Never NULL. */
aula_router *aula_router_create(uint64_t room_key);

/* Frees every producer and consumer. NULL is allowed. */
void aula_router_destroy(aula_router *r);

uint64_t aula_router_room_key(const aula_router *r);

/* Copies the loss repair counters into *out. */
void aula_router_get_stats(const aula_router *r, aula_router_stats *out);

/* The room's active speaker detector (owned by the router): the router
 * feeds it audio levels, the engine's timer evaluates it. */
aula_speaker *aula_router_speaker(aula_router *r);

/* Control commands. t is the transport named in the command (borrowed).
 * Return 0, AULA_EEXIST for a duplicate id or SSRC, AULA_ENOENT for an
 * unknown producer / consumer. consumer_add asks the producer's publisher
 * for a keyframe (paced). */
int aula_router_producer_add(aula_router *r, const aula_media_producer_add *p, aula_transport *t);
int aula_router_producer_close(aula_router *r, uint64_t producer_id);
/* The publisher of producer a->producer_id restarted its peer connection:
 * the producer now takes a's SSRCs, layers and payload types on transport
 * t. Its consumers stay; each handles the next packet it gets like a layer
 * switch (seq goes on from the last one sent, the timestamp moves forward),
 * and a keyframe is asked of t (paced, or when t connects). Returns 0,
 * AULA_ENOENT for an unknown producer, AULA_EINVAL when the layer count
 * changed (the control plane replaces the producer then). */
int aula_router_producer_rebind(aula_router *r, const aula_media_producer_add *a, aula_transport *t,
                                uint64_t now_ms);
int aula_router_producer_pause(aula_router *r, uint64_t producer_id, bool paused);
int aula_router_consumer_add(aula_router *r, const aula_media_consumer_add *c, aula_transport *t,
                             uint64_t now_ms);
int aula_router_consumer_close(aula_router *r, uint64_t consumer_id);
int aula_router_keyframe_request(aula_router *r, uint64_t producer_id, uint64_t now_ms);
/* The highest simulcast layer (0..2) the viewer of consumer_id wants; it
 * applies at the next keyframe of that layer, which is requested. A no-op
 * (returning 0) for a producer without simulcast. */
int aula_router_consumer_set_preferred(aula_router *r, uint64_t consumer_id, int layer,
                                       uint64_t now_ms);

/* Removes every producer (with its consumers) and consumer on t. */
void aula_router_transport_gone(aula_router *r, const aula_transport *t);

/* t completed DTLS: sends the keyframe requests that waited for it. */
void aula_router_transport_connected(aula_router *r, const aula_transport *t, uint64_t now_ms);

/* A plain RTP packet from publisher transport t. buf is not modified.
 * Returns AULA_DROP_NONE or the reason it was not forwarded. */
int aula_router_on_rtp(aula_router *r, aula_transport *t, uint64_t now_ms, const uint8_t *buf,
                       size_t len);

/* A plain RTCP compound packet from transport t. Returns AULA_DROP_NONE
 * or RTCP_MALFORMED. */
int aula_router_on_rtcp(aula_router *r, aula_transport *t, uint64_t now_ms, const uint8_t *buf,
                        size_t len);

/* Deferred keyframe requests and receiver reports. */
bool aula_router_next_timeout(const aula_router *r, uint64_t *at_ms);
void aula_router_handle_timeout(aula_router *r, uint64_t now_ms);

#endif
