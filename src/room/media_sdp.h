/* The SDP half of media signaling (internal to room/media_signaling.c):
 * what aula accepts from a browser's publish offer and how it answers, and
 * the offers aula writes for a receive transport. Also holds the peer
 * structure both files work on.
 *
 * Pure: SDP structures in, text out; no messages are sent from here.
 * Thread: the control thread. */
#ifndef AULA_ROOM_MEDIA_SDP_H
#define AULA_ROOM_MEDIA_SDP_H

#include "core/buf.h"
#include "room/media_signaling.h"
#include "rtc/sdp.h"
#include "sfu/media.h"

#include <stddef.h>
#include <stdint.h>

#define AULA_MEDIA_MAX_PRODUCERS 4
#define AULA_MEDIA_MAX_SLOTS AULA_SDP_MAX_MEDIA

/* Payload types in aula's offers to viewers (the worker rewrites to them). */
#define AULA_MEDIA_PT_OPUS 111
#define AULA_MEDIA_PT_VP8 96
#define AULA_MEDIA_PT_H264 102
#define AULA_MEDIA_H264_FMTP                                                                       \
    "packetization-mode=1;profile-level-id=42e01f;level-asymmetry-allowed=1"

typedef struct aula_media_producer {
    uint64_t id;
    aula_media_kind kind;
    aula_media_codec codec;
    uint32_t ssrc; /* the browser's: a republish keeps a producer whose SSRC stays */
    char mid[AULA_MEDIA_MID_MAX + 1]; /* identifies a simulcast track (ssrc 0) instead */
    int screen;                       /* a screen share (video), not the camera */
    uint8_t n_layers;                 /* simulcast layers, 0 for one stream */
} aula_media_producer;

/* One m-section of a receive transport's offer. FREE: offered as port 0
 * (can be recycled for the same kind); OFFERED: waits for the answer;
 * ACTIVE: the worker has the consumer; DEAD: its producer went away;
 * CLOSING: a DEAD section in the pending offer, as port 0 under its old
 * mid. Only a section rejected in a completed offer/answer may be
 * recycled (JSEP section 5.2.2), so CLOSING becomes FREE at the answer. */
typedef enum aula_media_slot_state {
    AULA_SLOT_FREE,
    AULA_SLOT_OFFERED,
    AULA_SLOT_ACTIVE,
    AULA_SLOT_DEAD,
    AULA_SLOT_CLOSING,
} aula_media_slot_state;

typedef struct aula_media_slot {
    aula_media_slot_state state;
    aula_media_kind kind;
    aula_media_codec codec; /* the producer's: picks the offer's codec */
    char mid[12];
    uint64_t consumer_id, producer_id;
    uint32_t ssrc;
    char stream[32]; /* msid stream: the publisher's participant id, "<id>-screen" for a screen */
    char track[32];  /* msid track: "video-17", "audio-16", "screen-18" */
    int pref_layer;  /* media.setPreferredLayer: layer + 1, 0 when not set */
} aula_media_slot;

struct aula_media_peer {
    aula_media_sig *ms;  /* borrowed */
    aula_participant *p; /* borrowed: outlives the peer */
    size_t worker;       /* the worker hosting the room */
    uint64_t room_key;
    uint64_t pub_transport; /* 0: not publishing */
    char pub_ufrag[AULA_MEDIA_UFRAG_MAX + 1], pub_pwd[AULA_MEDIA_PWD_MAX + 1]; /* ours */
    char pub_remote_ufrag[AULA_MEDIA_UFRAG_MAX + 1]; /* the browser's: same one, same transport */
    aula_sdp_fingerprint pub_remote_fp;
    aula_media_producer producers[AULA_MEDIA_MAX_PRODUCERS];
    size_t n_producers;
    int paused[3]; /* by aula_media_kind */
    int speaking;  /* the room's active speaker, as last notified */
    uint64_t recv_transport;
    int recv_created; /* TRANSPORT_CREATE sent for recv_transport */
    char recv_ufrag[AULA_MEDIA_UFRAG_MAX + 1];
    char recv_pwd[AULA_MEDIA_PWD_MAX + 1];
    /* The browser's, from the answer that created recv_transport: an answer
     * with others comes from a new peer connection (the page restarted its
     * media), which needs a new transport. */
    char recv_remote_ufrag[AULA_MEDIA_UFRAG_MAX + 1];
    aula_sdp_fingerprint recv_remote_fp; /* alg left NULL */
    aula_media_slot slots[AULA_MEDIA_MAX_SLOTS];
    size_t n_slots;
    int offer_pending;
    unsigned next_mid;
    uint64_t session_id, version;
    aula_media_peer *prev, *next; /* the registry's list */
};

/* What aula takes from a publish offer: per accepted m-section the answer's
 * codecs and extensions, and the tracks (producer_id and transport_id left
 * 0 for the caller). */
typedef struct aula_media_section_answer {
    int accepted;
    aula_sdp_codec codecs[2]; /* the codec, then its rtx */
    size_t n_codecs;
    const char *fb[2][4];
    aula_sdp_extmap extmaps[5];
    size_t n_extmaps;
    /* Simulcast: the accepted rids, answered "recv" (RFC 8853 section 5.3). */
    aula_sdp_rid rids[AULA_MEDIA_MAX_LAYERS];
    size_t n_rids;
    aula_sdp_simulcast simulcast;
} aula_media_section_answer;

typedef struct aula_media_publish_plan {
    aula_media_section_answer sections[AULA_SDP_MAX_MEDIA];
    aula_media_producer_add tracks[AULA_MEDIA_MAX_PRODUCERS];
    size_t n_tracks;
    aula_media_extensions ext;
    aula_sdp_fingerprint remote_fp;
} aula_media_publish_plan;

/* Decides which sections of offer aula accepts. Returns 0, or -1 with a
 * reason in why when the offer is unusable as a whole. Pointers in plan
 * point into offer. */
int aula_media_plan_publish(const aula_sdp *offer, aula_media_publish_plan *plan, char *why,
                            size_t why_len);

/* Writes the answer for offer and plan. Returns 0 or an AULA_E* code. */
int aula_media_write_answer(const aula_sdp *offer, const aula_media_publish_plan *plan,
                            uint64_t session_id, uint64_t version, const char *ufrag,
                            const char *pwd, const aula_sdp_fingerprint *fp,
                            const aula_sdp_candidate *cand, aula_buf *out);

/* Writes the receive offer for peer's slots (bumps peer->version). */
int aula_media_write_offer(aula_media_peer *peer, const aula_sdp_candidate *cand, aula_buf *out);

/* Checks that ans answers peer's last offer (same sections and mids). On
 * success *fp is the browser's fingerprint, or NULL when every section was
 * rejected. Returns 0, or -1 with why filled in. */
int aula_media_check_answer(const aula_media_peer *peer, const aula_sdp *ans,
                            const aula_sdp_fingerprint **fp, char *why, size_t why_len);

/* Our fingerprint, for the offer writer. */
const aula_sdp_fingerprint *aula__media_sig_fingerprint(const aula_media_sig *ms);

#endif
