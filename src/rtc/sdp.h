/* SDP (RFC 8866) for unified-plan WebRTC: a parser for the offers browsers
 * send on their publish connection, and a writer for the answers (and later
 * the offers to viewers) aula sends back.
 *
 * Sans-IO and pure: text in, structures out, and the other way round. Parsing
 * is strict about syntax (every malformed line is an error naming its line
 * number) but tolerant like browsers about everything else: CRLF or LF line
 * endings, unknown attributes and line types ignored. Hostile input cannot
 * make it allocate without bound: the text, the line length and every
 * per-section list have a limit (AULA_SDP_MAX_*), and going over one is
 * AULA_ETOOBIG.
 *
 * Ownership: aula_sdp_parse() returns one aula_sdp that owns a private copy
 * of the text and every array hanging off it; all strings in it point into
 * that copy. aula_sdp_free() releases everything at once; no pointer taken
 * from the structure survives it. Signaling, not the packet path: a few
 * allocations per parse are fine. Thread: any, no shared state. */
#ifndef AULA_RTC_SDP_H
#define AULA_RTC_SDP_H

#include "core/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits against hostile input. Real Chromium offers: about 3 KB and 30
 * payload types per video section, lines under 200 bytes. */
#define AULA_SDP_MAX_TEXT (256 * 1024)
#define AULA_SDP_MAX_LINE 4096
#define AULA_SDP_MAX_MEDIA 32
#define AULA_SDP_MAX_CODECS 64  /* payload types per m-section */
#define AULA_SDP_MAX_FB 16      /* a=rtcp-fb per codec */
#define AULA_SDP_MAX_EXTMAPS 32 /* per m-section */
#define AULA_SDP_MAX_SSRCS 32   /* per m-section */
#define AULA_SDP_MAX_SSRC_GROUPS 16
#define AULA_SDP_MAX_GROUP_SSRCS 8  /* SSRCs in one a=ssrc-group */
#define AULA_SDP_MAX_CANDIDATES 32  /* per m-section */
#define AULA_SDP_MAX_RIDS 8         /* a=rid and simulcast layers */
#define AULA_SDP_MAX_SIM_ALTS 4     /* alternatives in one simulcast layer */
#define AULA_SDP_MAX_FINGERPRINT 64 /* sha-512 */

/* Header extension URIs aula cares about (RFC 8285 §5 names them by URI). */
#define AULA_SDP_EXT_MID "urn:ietf:params:rtp-hdrext:sdes:mid"
#define AULA_SDP_EXT_RID "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"
#define AULA_SDP_EXT_REPAIRED_RID "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"
#define AULA_SDP_EXT_AUDIO_LEVEL "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
#define AULA_SDP_EXT_ABS_SEND_TIME "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
#define AULA_SDP_EXT_TWCC                                                                          \
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"

typedef enum aula_sdp_kind {
    AULA_SDP_AUDIO,
    AULA_SDP_VIDEO,
    AULA_SDP_APPLICATION,
    AULA_SDP_OTHER_KIND, /* "text", "message", ...: parsed, never accepted */
} aula_sdp_kind;

/* Media direction, RFC 8866 §6.7; sendrecv when absent. */
typedef enum aula_sdp_dir {
    AULA_SDP_SENDRECV,
    AULA_SDP_SENDONLY,
    AULA_SDP_RECVONLY,
    AULA_SDP_INACTIVE,
} aula_sdp_dir;

/* DTLS role, RFC 4145 §4 and RFC 8842 §5. */
typedef enum aula_sdp_setup {
    AULA_SDP_SETUP_NONE,
    AULA_SDP_SETUP_ACTPASS,
    AULA_SDP_SETUP_ACTIVE,
    AULA_SDP_SETUP_PASSIVE,
    AULA_SDP_SETUP_HOLDCONN,
} aula_sdp_setup;

/* a=fingerprint, RFC 8122 §5: the hash name as written ("sha-256") and the
 * decoded digest; len 0 means absent. */
typedef struct aula_sdp_fingerprint {
    const char *alg;
    uint8_t bytes[AULA_SDP_MAX_FINGERPRINT];
    size_t len;
} aula_sdp_fingerprint;

/* One payload type: m= fmt + a=rtpmap (RFC 8866 §6.6) + a=fmtp (§6.15) +
 * a=rtcp-fb (RFC 4585 §4.2). name is NULL when a dynamic payload type has no
 * rtpmap; static types 0, 8, 9 get their RFC 3551 names. channels is 1
 * unless the rtpmap says otherwise. fmtp is the raw parameter string (NULL
 * if none); read keys with aula_sdp_param_get*. fb holds the rtcp-fb values
 * ("nack", "nack pli", "transport-cc"), "*" lines included. */
typedef struct aula_sdp_codec {
    uint8_t pt;
    const char *name;
    uint32_t clock_rate;
    uint16_t channels;
    const char *fmtp;
    const char **fb; /* owned by the aula_sdp when parsed */
    size_t n_fb;
} aula_sdp_codec;

/* a=extmap, RFC 8285 §8. dir is SENDRECV when no "/direction" is given. */
typedef struct aula_sdp_extmap {
    uint16_t id;
    aula_sdp_dir dir;
    const char *uri;
} aula_sdp_extmap;

/* One SSRC and its RFC 5576 §4.1 attributes (cname, msid), NULL if absent. */
typedef struct aula_sdp_ssrc {
    uint32_t ssrc;
    const char *cname;
    const char *msid_stream;
    const char *msid_track;
} aula_sdp_ssrc;

/* a=ssrc-group, RFC 5576 §4.2: "FID" (RFC 4588 RTX) or "SIM". */
typedef struct aula_sdp_ssrc_group {
    const char *semantics;
    uint32_t ssrcs[AULA_SDP_MAX_GROUP_SSRCS];
    size_t n_ssrcs;
} aula_sdp_ssrc_group;

/* a=candidate, RFC 8839 §5.1. tcptype is NULL for UDP. */
typedef struct aula_sdp_candidate {
    const char *foundation;
    uint16_t component;
    const char *transport; /* "udp" or "tcp" as written */
    uint32_t priority;
    const char *address;
    uint16_t port;
    const char *type; /* "host", "srflx", "prflx", "relay" */
    const char *tcptype;
} aula_sdp_candidate;

/* a=rid, RFC 8851 §10. params is the raw restriction list after the
 * direction ("pt=96;max-width=640"), "" if none: read it with
 * aula_sdp_param_get*. */
typedef struct aula_sdp_rid {
    const char *id;
    bool send; /* "send"; false for "recv" */
    const char *params;
} aula_sdp_rid;

/* a=simulcast, RFC 8853 §5.1: per direction, a list of layers (";"), each a
 * list of alternative rids (","), each possibly paused ("~"). */
typedef struct aula_sdp_sim_alt {
    const char *rid;
    bool paused;
} aula_sdp_sim_alt;

typedef struct aula_sdp_sim_layer {
    aula_sdp_sim_alt alts[AULA_SDP_MAX_SIM_ALTS];
    size_t n_alts;
} aula_sdp_sim_layer;

typedef struct aula_sdp_simulcast {
    aula_sdp_sim_layer send[AULA_SDP_MAX_RIDS];
    size_t n_send;
    aula_sdp_sim_layer recv[AULA_SDP_MAX_RIDS];
    size_t n_recv;
} aula_sdp_simulcast;

/* One m-section (RFC 8866 §5.14). ICE, fingerprint, setup and direction
 * fall back to the session-level value when the section has none (RFC 8839
 * §5.4, RFC 8122 §5, RFC 8866 §6.7), so readers need not look twice. */
typedef struct aula_sdp_media {
    aula_sdp_kind kind;
    const char *kind_name; /* as written: "audio", "video", ... */
    uint16_t port;         /* 0: rejected or bundle-only */
    const char *proto;     /* "UDP/TLS/RTP/SAVPF", "UDP/DTLS/SCTP", ... */
    const char *fmt;       /* raw fmt list when proto is not RTP */
    const char *mid;       /* NULL if absent */
    aula_sdp_dir dir;
    bool rtcp_mux, rtcp_rsize, end_of_candidates, extmap_allow_mixed;
    const char *ice_ufrag, *ice_pwd, *ice_options;
    aula_sdp_fingerprint fingerprint;
    aula_sdp_setup setup;
    const char *msid_stream, *msid_track; /* a=msid, RFC 8830 §2 */
    uint16_t sctp_port;                   /* RFC 8841 §5; 0 if absent */
    uint32_t max_message_size;            /* RFC 8841 §6; 0 if absent */

    aula_sdp_codec *codecs; /* in m= line order (preference order) */
    size_t n_codecs;
    aula_sdp_extmap *extmaps;
    size_t n_extmaps;
    aula_sdp_ssrc *ssrcs;
    size_t n_ssrcs;
    aula_sdp_ssrc_group *ssrc_groups;
    size_t n_ssrc_groups;
    aula_sdp_candidate *candidates;
    size_t n_candidates;
    aula_sdp_rid rids[AULA_SDP_MAX_RIDS];
    size_t n_rids;
    bool has_simulcast;
    aula_sdp_simulcast simulcast;
} aula_sdp_media;

/* A parsed session description. Read-only for users; see the ownership note
 * at the top of this file. */
typedef struct aula_sdp {
    char *text; /* owned: the private copy every string points into */
    const char *origin_user, *session_id, *session_name;
    uint64_t session_version;
    bool ice_lite, extmap_allow_mixed;
    bool has_bundle; /* a=group:BUNDLE, RFC 9143 §7.1 / RFC 5888 §5 */
    const char *bundle_mids[AULA_SDP_MAX_MEDIA];
    size_t n_bundle;
    /* Session-level values as written; media entries already inherit them. */
    const char *ice_ufrag, *ice_pwd, *ice_options;
    aula_sdp_fingerprint fingerprint;
    aula_sdp_setup setup;
    aula_sdp_dir dir;
    aula_sdp_media *media; /* owned */
    size_t n_media;
} aula_sdp;

/* Parses len bytes of SDP text (no NUL needed; an embedded NUL is an error).
 * On success returns 0 and stores a new aula_sdp in *out, owned by the
 * caller (aula_sdp_free). On failure returns AULA_EPROTO (malformed) or
 * AULA_ETOOBIG (a limit was exceeded), leaves *out NULL and writes a
 * message naming the line ("line 7: a=rtpmap: bad payload type") into
 * err (errlen bytes, may be 0). */
int aula_sdp_parse(const char *text, size_t len, aula_sdp **out, char *err, size_t errlen);

/* Frees a parsed SDP and everything it points to. NULL is a no-op. */
void aula_sdp_free(aula_sdp *sdp);

/* Returns the codec with payload type pt in m, or NULL. */
const aula_sdp_codec *aula_sdp_find_codec(const aula_sdp_media *m, uint8_t pt);

/* Returns the RTX codec (RFC 4588 §8.6) whose apt= names payload type pt,
 * or NULL. */
const aula_sdp_codec *aula_sdp_find_rtx(const aula_sdp_media *m, uint8_t pt);

/* Returns the id of the header extension with this URI in m, or 0. */
uint16_t aula_sdp_find_extmap(const aula_sdp_media *m, const char *uri);

/* True if codec c carries the rtcp-fb value fb exactly ("nack",
 * "nack pli", "ccm fir", "transport-cc"). */
bool aula_sdp_codec_has_fb(const aula_sdp_codec *c, const char *fb);

/* Looks key up in a "k1=v1;k2=v2" list (a=fmtp parameters, RFC 8866 §6.15,
 * or a=rid restrictions, RFC 8851 §10), keys compared case-insensitively,
 * blanks around items ignored. On success returns 0 and points *val at the
 * value inside params (not NUL-terminated; *val_len bytes). Returns
 * AULA_ENOENT if absent or params is NULL. */
int aula_sdp_param_get(const char *params, const char *key, const char **val, size_t *val_len);

/* Like aula_sdp_param_get for a decimal value ("apt", "packetization-mode",
 * "useinbandfec"): AULA_ENOENT if absent, AULA_EPROTO if not a number that
 * fits in 32 bits. */
int aula_sdp_param_get_uint(const char *params, const char *key, uint32_t *out);

/* Returns "audio", "video", "application" or "other". */
const char *aula_sdp_kind_name(aula_sdp_kind kind);

/* Returns "sendrecv", "sendonly", "recvonly" or "inactive". */
const char *aula_sdp_dir_name(aula_sdp_dir dir);

/* ---- Writer --------------------------------------------------------------
 * The caller describes a session with the same value types the parser
 * produces; every pointer is borrowed for the duration of the call. */

/* One m-section to write. A rejected section gets port 0, a=inactive and no
 * transport attributes, and stays out of the BUNDLE group (RFC 8843 §7.3.3).
 * An application section writes "UDP/DTLS/SCTP webrtc-datachannel" with
 * sctp_port. ssrcs, ssrc_groups and msid describe what aula sends (offers to
 * viewers); rids and simulcast echo a simulcast offer (recv side). */
typedef struct aula_sdp_out_media {
    aula_sdp_kind kind;
    const char *mid;
    aula_sdp_dir dir;
    bool rejected;
    bool rtcp_rsize;
    const aula_sdp_codec *codecs;
    size_t n_codecs;
    const aula_sdp_extmap *extmaps;
    size_t n_extmaps;
    const char *msid_stream, *msid_track; /* NULL: no a=msid */
    const aula_sdp_ssrc *ssrcs;
    size_t n_ssrcs;
    const aula_sdp_ssrc_group *ssrc_groups;
    size_t n_ssrc_groups;
    const aula_sdp_rid *rids;
    size_t n_rids;
    const aula_sdp_simulcast *simulcast; /* NULL: none */
    uint16_t sctp_port;
    uint32_t max_message_size;
} aula_sdp_out_media;

/* A whole session to write. The ICE credentials, fingerprint, setup role
 * and candidates apply to every (bundled) section; candidates are written in
 * each section, followed by a=end-of-candidates when set (RFC 8840 §8.2). */
typedef struct aula_sdp_out {
    uint64_t session_id, session_version;
    bool ice_lite;
    bool extmap_allow_mixed;
    const char *ice_ufrag, *ice_pwd;
    const char *ice_options; /* NULL: none */
    aula_sdp_fingerprint fingerprint;
    aula_sdp_setup setup;
    const aula_sdp_candidate *candidates;
    size_t n_candidates;
    bool end_of_candidates;
    const aula_sdp_out_media *media;
    size_t n_media;
} aula_sdp_out;

/* Appends the SDP text for d to out (CRLF line endings, RFC 8866 §5). The
 * BUNDLE group lists every non-rejected mid, rtcp-mux is always on (aula
 * only does BUNDLE and rtcp-mux). Returns 0, or AULA_EINVAL when a field
 * would produce invalid or injected SDP (missing ufrag/pwd/mid, a string
 * with CR, LF or a blank where a token is required, too many sections); on
 * error out may hold a partial text, which the caller discards. */
int aula_sdp_write(const aula_sdp_out *d, aula_buf *out);

#endif
