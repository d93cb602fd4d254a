/* Simulcast in the router, sans-IO: the layers of one producer (found by
 * the RtpStreamId header extension, RFC 8852, since the browser announces
 * rids and no SSRCs) and, per consumer, which layer the viewer gets.
 *
 * Producer side (aula_simulcast, opaque, owned by the router's producer):
 * each layer learns its media SSRC from the first packet whose rid
 * extension names it, and its RTX SSRC from the RepairedRtpStreamId
 * extension. Each layer has its own receive statistics and retransmission
 * buffer, because sequence numbers are per SSRC.
 *
 * Consumer side (aula_sim_consumer, a value type embedded in the router's
 * consumer): the viewer starts on layer 0; receiver reports without loss
 * for AULA_SIM_UP_AFTER_MS move the target one layer up (never above the
 * preferred layer), a fraction lost above AULA_SIM_DOWN_LOSS moves it one
 * down. The forwarded layer changes only at a keyframe of the target; until
 * then the old layer goes on. Timestamps get an offset recomputed at each
 * switch so the viewer's clock keeps moving forward (the router recomputes
 * the sequence number offset the same way).
 *
 * Thread: the worker's. */
#ifndef AULA_SFU_SIMULCAST_H
#define AULA_SFU_SIMULCAST_H

#include "rtc/rtp.h"
#include "sfu/media.h"
#include "sfu/recv_stats.h"
#include "sfu/retransmit.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AULA_SIM_UP_AFTER_MS 2000
#define AULA_SIM_DOWN_LOSS 13 /* fraction lost in 1/256: about 5 % */

/* True when the VP8 packet starts a keyframe (RFC 7741 section 4.2 payload
 * descriptor, then the P bit of the VP8 payload header, section 4.3: it is
 * only there in the first packet of partition 0). Malformed: false. */
bool aula_simulcast_vp8_keyframe(const uint8_t *pkt, const aula_rtp_header *h);

/* True when the H.264 packet (RFC 6184, packetization-mode 1) carries an
 * IDR slice (NAL unit type 5) or a sequence parameter set (7): as a single
 * NAL unit, inside a STAP-A (24, section 5.7.1) or as the start fragment of
 * an FU-A (28, section 5.8). Malformed: false. */
bool aula_simulcast_h264_keyframe(const uint8_t *pkt, const aula_rtp_header *h);

/* The keyframe test for codec (VP8 for AULA_MEDIA_CODEC_DEFAULT). */
bool aula_simulcast_keyframe(aula_media_codec codec, const uint8_t *pkt, const aula_rtp_header *h);

typedef struct aula_simulcast aula_simulcast;

/* layers: n (1..AULA_MEDIA_MAX_LAYERS) layers sorted by spatial index; mid
 * "" matches any mid. Never NULL. */
aula_simulcast *aula_simulcast_create(const aula_media_layer *layers, size_t n, const char *mid,
                                      uint32_t clock_rate);
void aula_simulcast_destroy(aula_simulcast *s); /* NULL is allowed */

size_t aula_simulcast_count(const aula_simulcast *s);

/* Finds the layer of a packet: by its SSRC once learned, else by the rid
 * (media) or repaired rid (RTX) extension with the negotiated ids (0: not
 * negotiated), which binds the SSRC to the layer for good. Returns the
 * layer index with *rtx set, or -1 when the packet is none of ours. */
int aula_simulcast_match(aula_simulcast *s, const uint8_t *pkt, const aula_rtp_header *h,
                         const aula_media_extensions *ext, bool *rtx);

/* The layer's media SSRC, 0 while not learned. */
uint32_t aula_simulcast_ssrc(const aula_simulcast *s, size_t layer);
/* Layer index of a learned media SSRC, or -1. */
int aula_simulcast_layer_of_ssrc(const aula_simulcast *s, uint32_t ssrc);
aula_recv_stats *aula_simulcast_stats(aula_simulcast *s, size_t layer);
aula_retransmit *aula_simulcast_rtx_buf(aula_simulcast *s, size_t layer); /* borrowed */

/* The choice of layer for one viewer. Fields are private to simulcast.c. */
typedef struct aula_sim_consumer {
    int n_layers;
    int current;             /* forwarded layer, -1 before the first keyframe */
    int target;              /* wanted layer: switch at its next keyframe */
    int preferred;           /* the viewer's maximum */
    uint64_t clean_since_ms; /* first of a run of loss-free reports; 0: none */
    bool ts_started;
    uint32_t ts_off;
    uint32_t last_ts; /* last timestamp sent, viewer's clock */
    uint64_t last_ts_ms;
    uint32_t clock_rate;
} aula_sim_consumer;

void aula_sim_consumer_init(aula_sim_consumer *c, size_t n_layers, uint32_t clock_rate);

/* The publisher restarted (PRODUCER_REBIND): its layers start again, and
 * a new peer connection sends its higher layers only once its bandwidth
 * estimate has grown, so the viewer's old layer may not come for a while.
 * It starts over at layer 0 (at its next keyframe, as a new viewer does),
 * keeping its preferred layer and the continuity of its timestamps. */
void aula_sim_consumer_restart(aula_sim_consumer *c);

typedef enum aula_sim_verdict {
    AULA_SIM_DROP,    /* not the viewer's layer (or a switch waits for a keyframe) */
    AULA_SIM_FORWARD, /* the current layer */
    AULA_SIM_SWITCH,  /* a keyframe of the target: current changed, resync seq */
} aula_sim_verdict;

/* An original packet of layer arrived (keyframe: it starts one). */
aula_sim_verdict aula_sim_consumer_on_packet(aula_sim_consumer *c, int layer, bool keyframe);

/* The viewer's timestamp for layer packet timestamp ts at now_ms; after a
 * SWITCH verdict (switched) the offset is recomputed from the elapsed time. */
uint32_t aula_sim_consumer_timestamp(aula_sim_consumer *c, uint32_t ts, uint64_t now_ms,
                                     bool switched);

/* Viewer timestamp for ts under the current offset (retransmissions, SR). */
uint32_t aula_sim_consumer_map_ts(const aula_sim_consumer *c, uint32_t ts);

/* A receiver report block about the consumer's SSRC. Returns true when the
 * target changed (the caller then asks for a keyframe of the target). */
bool aula_sim_consumer_on_report(aula_sim_consumer *c, uint8_t fraction_lost, uint64_t now_ms);

/* The viewer's maximum layer (clamped to the layers there are). Returns
 * true when the target changed. */
bool aula_sim_consumer_set_preferred(aula_sim_consumer *c, int layer);

/* True while the target differs from the current layer. */
bool aula_sim_consumer_switching(const aula_sim_consumer *c);

#endif
