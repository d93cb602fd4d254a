/* The media plane as the control plane sees it: commands it sends to the
 * worker that hosts a room, and reports the worker sends back. They travel
 * as aula_media_msg through the worker's message queues (sfu/worker.h);
 * nothing else is shared between the threads.
 *
 * Model (DESIGN.md, "Media plane"): a participant has transports (one to
 * publish: the browser offers, aula answers; one to receive: aula offers).
 * A publishing transport carries producers (one per track, identified by
 * the SSRCs the browser announced in its offer); a receiving transport
 * carries consumers (one per producer the participant watches), each with
 * its own outgoing SSRC and payload type. The control plane negotiates the
 * SDP and chooses every id, SSRC and payload type; the worker only moves
 * packets: ICE-lite, DTLS-SRTP, forwarding, RTCP.
 *
 * Ids are unique per process and never reused. All strings are
 * NUL-terminated inside the fixed arrays. */
#ifndef AULA_SFU_MEDIA_H
#define AULA_SFU_MEDIA_H

#include <stdint.h>

#define AULA_MEDIA_UFRAG_MAX 32 /* ICE ufrag, 4..32 characters of ice-char */
#define AULA_MEDIA_PWD_MAX 64   /* ICE password, 22..64 characters */
#define AULA_MEDIA_FP_MAX 96    /* "AB:CD:..." SHA-256 fingerprint */
#define AULA_MEDIA_REASON_MAX 96
#define AULA_MEDIA_MAX_LAYERS 3 /* simulcast layers of one producer */
#define AULA_MEDIA_RID_MAX 16   /* a rid (RFC 8851), as sent in the RtpStreamId extension */
#define AULA_MEDIA_MID_MAX 16

typedef enum aula_media_kind {
    AULA_MEDIA_AUDIO = 1,
    AULA_MEDIA_VIDEO = 2,
} aula_media_kind;

/* The codec a producer sends. DEFAULT is opus for audio and VP8 for
 * video; the worker needs it to find keyframes (simulcast switching). */
typedef enum aula_media_codec {
    AULA_MEDIA_CODEC_DEFAULT = 0,
    AULA_MEDIA_CODEC_H264 = 1, /* packetization-mode 1 (RFC 6184 section 6.3) */
} aula_media_codec;

typedef enum aula_media_direction {
    AULA_MEDIA_PUBLISH = 1, /* the browser sends, aula receives */
    AULA_MEDIA_RECEIVE = 2, /* aula sends, the browser receives */
} aula_media_direction;

/* RTP header extension ids negotiated on a transport (0: not used). */
typedef struct aula_media_extensions {
    uint8_t mid;
    uint8_t audio_level;
    uint8_t abs_send_time;
    uint8_t transport_cc;
    uint8_t rid;          /* RtpStreamId (RFC 8852 section 3.1): simulcast layers */
    uint8_t repaired_rid; /* RepairedRtpStreamId (RFC 8852 section 3.2): their RTX */
} aula_media_extensions;

typedef enum aula_media_msg_type {
    /* control -> worker */
    AULA_MEDIA_TRANSPORT_CREATE = 100,
    AULA_MEDIA_TRANSPORT_CLOSE,
    AULA_MEDIA_PRODUCER_ADD,
    AULA_MEDIA_PRODUCER_CLOSE,
    AULA_MEDIA_PRODUCER_PAUSE, /* paused = 1: drop its packets (muted) */
    AULA_MEDIA_CONSUMER_ADD,
    AULA_MEDIA_CONSUMER_CLOSE,
    AULA_MEDIA_KEYFRAME_REQUEST,       /* ask a producer's publisher for a keyframe */
    AULA_MEDIA_CONSUMER_SET_PREFERRED, /* target.layer: highest simulcast layer wanted */
    AULA_MEDIA_PRODUCER_REBIND,        /* producer_rebind: the publisher restarted */
    /* worker -> control */
    AULA_MEDIA_TRANSPORT_STATE = 200,
    AULA_MEDIA_ACTIVE_SPEAKER,
} aula_media_msg_type;

typedef enum aula_media_transport_state {
    AULA_MEDIA_TS_CONNECTED = 1, /* ICE selected an address and DTLS completed */
    AULA_MEDIA_TS_FAILED,        /* DTLS failed, or no ICE within the timeout */
    AULA_MEDIA_TS_CLOSED,        /* consent expired (30 s silent) or close_notify */
} aula_media_transport_state;

typedef struct aula_media_transport_create {
    uint64_t transport_id;
    uint64_t room_key; /* groups the transports of one room on the worker */
    aula_media_direction direction;
    char ufrag[AULA_MEDIA_UFRAG_MAX + 1];       /* ours (local), chosen by the control plane */
    char pwd[AULA_MEDIA_PWD_MAX + 1];           /* ours (local) */
    char remote_fingerprint[AULA_MEDIA_FP_MAX]; /* sha-256 from the browser's SDP */
    aula_media_extensions ext;
} aula_media_transport_create;

/* One simulcast layer of a producer: the browser announced only its rid;
 * the worker learns the SSRCs from the first packets that carry it. */
typedef struct aula_media_layer {
    char rid[AULA_MEDIA_RID_MAX + 1];
    uint8_t spatial; /* 0: the lowest resolution */
} aula_media_layer;

typedef struct aula_media_producer_add {
    uint64_t producer_id;
    uint64_t transport_id; /* a PUBLISH transport */
    aula_media_kind kind;
    aula_media_codec codec;
    uint32_t ssrc;     /* media SSRC from the offer's a=ssrc */
    uint32_t rtx_ssrc; /* from a=ssrc-group:FID, 0 when none */
    uint8_t payload_type;
    uint8_t rtx_payload_type; /* 0 when none */
    uint32_t clock_rate;
    /* Simulcast (n_layers > 0): ssrc and rtx_ssrc are 0, the layers are
     * sorted by spatial index, and packets are matched by their rid (and
     * mid, when set) header extension. */
    uint8_t n_layers;
    aula_media_layer layers[AULA_MEDIA_MAX_LAYERS];
    char mid[AULA_MEDIA_MID_MAX + 1]; /* the m-section's mid, "" when unknown */
} aula_media_producer_add;

typedef struct aula_media_consumer_add {
    uint64_t consumer_id;
    uint64_t transport_id; /* a RECEIVE transport */
    uint64_t producer_id;
    uint32_t ssrc;        /* what the viewer sees, announced in aula's offer */
    uint8_t payload_type; /* the producer's codec as numbered in aula's offer */
} aula_media_consumer_add;

typedef struct aula_media_transport_report {
    uint64_t transport_id;
    aula_media_transport_state state;
    char reason[AULA_MEDIA_REASON_MAX]; /* for FAILED and CLOSED */
} aula_media_transport_report;

typedef struct aula_media_active_speaker {
    uint64_t room_key;
    uint64_t producer_id; /* the audio producer heard loudest lately */
} aula_media_active_speaker;

typedef struct aula_media_msg {
    aula_media_msg_type type;
    union {
        aula_media_transport_create transport_create;
        aula_media_producer_add producer_add;
        /* An existing producer (producer_id) now arrives on another PUBLISH
         * transport (transport_id) with new SSRCs, layers and payload
         * types; kind, codec and clock_rate are the producer's own, and
         * n_layers is 0 again when it was 0. Its consumers stay and see
         * one continuous stream. */
        aula_media_producer_add producer_rebind;
        aula_media_consumer_add consumer_add;
        aula_media_transport_report transport_report;
        aula_media_active_speaker active_speaker;
        struct {
            uint64_t id; /* transport, producer or consumer id */
            int paused;  /* PRODUCER_PAUSE */
            int layer;   /* CONSUMER_SET_PREFERRED: 0..AULA_MEDIA_MAX_LAYERS-1 */
        } target;
    } u;
} aula_media_msg;

#endif
