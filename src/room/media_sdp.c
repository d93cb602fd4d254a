#include "room/media_sdp.h"

#include "core/error.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Feedback aula keeps when the browser offers it (RFC 4585 §4.2, RFC 5104
 * §7.1, draft-alvestrand-rmcat-remb). transport-cc is left out until the
 * worker implements it. */
static const char *const video_fb[] = {"nack", "nack pli", "ccm fir", "goog-remb"};

static int set_why(char *why, size_t len, const char *fmt, size_t i, const char *what)
{
    snprintf(why, len, fmt, i, what);
    return 0;
}

static const aula_sdp_codec *find_named(const aula_sdp_media *m, const char *name, uint32_t clock)
{
    for (size_t i = 0; i < m->n_codecs; i++)
        if (m->codecs[i].name && !strcasecmp(m->codecs[i].name, name) &&
            m->codecs[i].clock_rate == clock)
            return &m->codecs[i];
    return NULL;
}

/* RFC 6184 section 8.1: H.264 with packetization-mode 1 (single NAL, STAP-A
 * and FU-A; mode 0 would forbid the FU-A fragments browsers send), ranked
 * constrained baseline 42e01f first (what aula offers viewers), then any
 * baseline profile (profile_idc 0x42), then any other profile; within a
 * rank, level-asymmetry-allowed=1 wins. NULL when none has mode 1. */
/* Opus parameters aula asks for, publishing and receiving alike. */
#define OPUS_FMTP "minptime=10;useinbandfec=1;usedtx=1"

static const aula_sdp_codec *find_h264(const aula_sdp_media *m)
{
    const aula_sdp_codec *best = NULL;
    int best_score = -1;
    for (size_t i = 0; i < m->n_codecs; i++) {
        const aula_sdp_codec *c = &m->codecs[i];
        uint32_t mode = 0, asym = 0;
        const char *plid = NULL;
        size_t plid_len = 0;
        if (!c->name || strcasecmp(c->name, "H264") != 0 || c->clock_rate != 90000 ||
            aula_sdp_param_get_uint(c->fmtp, "packetization-mode", &mode) != 0 || mode != 1)
            continue;
        /* Viewers are offered constrained baseline (42e01f, with level
         * asymmetry): only baseline-profile streams (profile_idc 0x42) can
         * be forwarded to them unchanged. */
        if (aula_sdp_param_get(c->fmtp, "profile-level-id", &plid, &plid_len) != 0 ||
            plid_len != 6 || strncasecmp(plid, "42", 2) != 0)
            continue;
        int score = !strncasecmp(plid, "42e01f", 6) ? 4 : 2;
        if (aula_sdp_param_get_uint(c->fmtp, "level-asymmetry-allowed", &asym) == 0 && asym == 1)
            score++;
        if (score > best_score) {
            best = c;
            best_score = score;
        }
    }
    return best;
}

/* The SSRCs of a section: the FID group (RFC 5576 §4.2, RFC 4588) names
 * media and rtx; without it the first a=ssrc is the media. */
static int section_ssrcs(const aula_sdp_media *m, uint32_t *ssrc, uint32_t *rtx)
{
    *ssrc = *rtx = 0;
    for (size_t i = 0; i < m->n_ssrc_groups; i++)
        if (!strcmp(m->ssrc_groups[i].semantics, "FID") && m->ssrc_groups[i].n_ssrcs == 2) {
            *ssrc = m->ssrc_groups[i].ssrcs[0];
            *rtx = m->ssrc_groups[i].ssrcs[1];
            return 0;
        }
    if (m->n_ssrcs == 0)
        return -1;
    *ssrc = m->ssrcs[0].ssrc;
    return 0;
}

static void add_ext(aula_media_section_answer *sa, const aula_sdp_media *m, const char *uri,
                    uint8_t *id)
{
    uint16_t v = aula_sdp_find_extmap(m, uri);
    if (v == 0 || v > 255)
        return;
    sa->extmaps[sa->n_extmaps++] = (aula_sdp_extmap){.id = v, .dir = AULA_SDP_SENDRECV, .uri = uri};
    *id = (uint8_t)v;
}

/* RFC 8853 section 5.1: the layers of a=simulcast:send, lowest first (the
 * order the page lists its encodings in); paused rids and alternatives
 * after the first are left out, and at most AULA_MEDIA_MAX_LAYERS are
 * taken. Each needs an a=rid:<id> send line. Returns the layer count. */
static size_t plan_simulcast(const aula_sdp_media *m, aula_media_section_answer *sa,
                             aula_media_producer_add *t)
{
    for (size_t i = 0; i < m->simulcast.n_send && sa->n_rids < AULA_MEDIA_MAX_LAYERS; i++) {
        const aula_sdp_sim_alt *alt = &m->simulcast.send[i].alts[0];
        if (m->simulcast.send[i].n_alts == 0 || alt->paused ||
            strlen(alt->rid) > AULA_MEDIA_RID_MAX)
            continue;
        size_t j = 0;
        while (j < m->n_rids && !(m->rids[j].send && !strcmp(m->rids[j].id, alt->rid)))
            j++;
        if (j == m->n_rids)
            continue;
        sa->rids[sa->n_rids] = (aula_sdp_rid){.id = alt->rid, .send = false, .params = ""};
        sa->simulcast.recv[sa->n_rids].alts[0] = (aula_sdp_sim_alt){.rid = alt->rid};
        sa->simulcast.recv[sa->n_rids].n_alts = 1;
        aula_media_layer *l = &t->layers[sa->n_rids];
        snprintf(l->rid, sizeof l->rid, "%s", alt->rid);
        l->spatial = (uint8_t)sa->n_rids;
        sa->n_rids++;
    }
    sa->simulcast.n_recv = sa->n_rids;
    t->n_layers = (uint8_t)sa->n_rids;
    return sa->n_rids;
}

/* Fills sa for one offered section, or leaves it rejected with a reason.
 * Returns 1 when accepted. */
static int plan_section(const aula_sdp_media *m, size_t idx, aula_media_publish_plan *plan,
                        char *why, size_t why_len)
{
    aula_media_section_answer *sa = &plan->sections[idx];
    int audio = m->kind == AULA_SDP_AUDIO;
    if (m->kind != AULA_SDP_AUDIO && m->kind != AULA_SDP_VIDEO)
        return set_why(why, why_len, "m-section %zu: %s is not supported", idx, m->kind_name);
    if (m->port == 0 || m->dir == AULA_SDP_RECVONLY || m->dir == AULA_SDP_INACTIVE)
        return set_why(why, why_len, "m-section %zu: %s", idx, "sends nothing");
    /* Video: VP8 when offered, else H.264 packetization-mode 1. */
    const aula_sdp_codec *c = audio ? find_named(m, "opus", 48000) : find_named(m, "VP8", 90000);
    aula_media_codec codec = AULA_MEDIA_CODEC_DEFAULT;
    if (!c && !audio && (c = find_h264(m)) != NULL)
        codec = AULA_MEDIA_CODEC_H264;
    if (!c)
        return set_why(why, why_len, "m-section %zu: %s", idx,
                       audio ? "no opus codec"
                             : "no VP8 or H.264 (baseline, packetization-mode=1) codec");
    uint32_t ssrc = 0, rtx_ssrc = 0;
    /* Simulcast with rids (RFC 8853): no a=ssrc; the worker learns the
     * SSRCs from the rid header extension, which must be offered. */
    int sim = !audio && m->has_simulcast && m->simulcast.n_send > 0;
    if (sim && (!aula_sdp_find_extmap(m, AULA_SDP_EXT_RID) ||
                aula_sdp_find_extmap(m, AULA_SDP_EXT_RID) > 255))
        return set_why(why, why_len, "m-section %zu: %s", idx,
                       "simulcast needs the rtp-stream-id header extension");
    if (!sim && section_ssrcs(m, &ssrc, &rtx_ssrc) != 0)
        return set_why(why, why_len, "m-section %zu: %s", idx, "no a=ssrc");
    if (plan->n_tracks >= AULA_MEDIA_MAX_PRODUCERS)
        return set_why(why, why_len, "m-section %zu: %s", idx, "too many tracks");

    aula_media_producer_add *t = &plan->tracks[plan->n_tracks];
    memset(t, 0, sizeof *t);
    if (sim && plan_simulcast(m, sa, t) == 0) {
        memset(sa, 0, sizeof *sa);
        return set_why(why, why_len, "m-section %zu: %s", idx, "no usable simulcast layer");
    }
    plan->n_tracks++;
    snprintf(t->mid, sizeof t->mid, "%s", strlen(m->mid) <= AULA_MEDIA_MID_MAX ? m->mid : "");
    t->kind = audio ? AULA_MEDIA_AUDIO : AULA_MEDIA_VIDEO;
    t->codec = codec;
    t->ssrc = ssrc;
    t->payload_type = c->pt;
    t->clock_rate = c->clock_rate;

    sa->accepted = 1;
    sa->codecs[0] = *c;
    sa->codecs[0].fb = sa->fb[0];
    sa->codecs[0].n_fb = 0;
    sa->n_codecs = 1;
    /* RFC 7587 §6.1: the receiver's preferences. In-band FEC survives
     * loss; DTX sends almost nothing while someone is silent, which in a
     * class of thirty muted-but-open microphones is most of the time. */
    if (audio)
        sa->codecs[0].fmtp = OPUS_FMTP;
    if (!audio) {
        for (size_t i = 0; i < sizeof video_fb / sizeof video_fb[0]; i++)
            if (aula_sdp_codec_has_fb(c, video_fb[i]))
                sa->fb[0][sa->codecs[0].n_fb++] = video_fb[i];
        const aula_sdp_codec *rtx = aula_sdp_find_rtx(m, c->pt);
        if (rtx && (rtx_ssrc || sim)) {
            sa->codecs[1] = *rtx;
            sa->codecs[1].fb = NULL;
            sa->codecs[1].n_fb = 0;
            sa->n_codecs = 2;
            t->rtx_ssrc = rtx_ssrc;
            t->rtx_payload_type = rtx->pt;
        }
    }
    add_ext(sa, m, AULA_SDP_EXT_MID, &plan->ext.mid);
    if (audio)
        add_ext(sa, m, AULA_SDP_EXT_AUDIO_LEVEL, &plan->ext.audio_level);
    add_ext(sa, m, AULA_SDP_EXT_ABS_SEND_TIME, &plan->ext.abs_send_time);
    if (sim) {
        add_ext(sa, m, AULA_SDP_EXT_RID, &plan->ext.rid);
        add_ext(sa, m, AULA_SDP_EXT_REPAIRED_RID, &plan->ext.repaired_rid);
    }
    if (plan->remote_fp.len == 0)
        plan->remote_fp = m->fingerprint;
    return 1;
}

int aula_media_plan_publish(const aula_sdp *offer, aula_media_publish_plan *plan, char *why,
                            size_t why_len)
{
    memset(plan, 0, sizeof *plan);
    if (offer->n_media == 0) {
        snprintf(why, why_len, "the offer has no m-sections");
        return -1;
    }
    for (size_t i = 0; i < offer->n_media; i++) {
        const aula_sdp_media *m = &offer->media[i];
        if (!m->mid) {
            snprintf(why, why_len, "m-section %zu has no a=mid (unified plan is required)", i);
            return -1;
        }
        if (m->kind == AULA_SDP_OTHER_KIND) {
            snprintf(why, why_len, "m-section %zu: media \"%s\" is not supported", i, m->kind_name);
            return -1;
        }
        plan_section(m, i, plan, why, why_len);
    }
    if (plan->n_tracks == 0)
        return -1; /* why holds the last section's reason */
    if (!offer->has_bundle) {
        snprintf(why, why_len, "a=group:BUNDLE is required");
        return -1;
    }
    if (plan->remote_fp.len != 32 || !plan->remote_fp.alg ||
        strcasecmp(plan->remote_fp.alg, "sha-256") != 0) {
        snprintf(why, why_len, "a sha-256 a=fingerprint is required");
        return -1;
    }
    return 0;
}

int aula_media_write_answer(const aula_sdp *offer, const aula_media_publish_plan *plan,
                            uint64_t session_id, uint64_t version, const char *ufrag,
                            const char *pwd, const aula_sdp_fingerprint *fp,
                            const aula_sdp_candidate *cand, aula_buf *out)
{
    aula_sdp_out_media media[AULA_SDP_MAX_MEDIA];
    memset(media, 0, sizeof media);
    for (size_t i = 0; i < offer->n_media; i++) {
        const aula_sdp_media *m = &offer->media[i];
        const aula_media_section_answer *sa = &plan->sections[i];
        aula_sdp_out_media *om = &media[i];
        om->kind = m->kind;
        om->mid = m->mid;
        om->rejected = !sa->accepted;
        om->dir = AULA_SDP_RECVONLY;
        om->rtcp_rsize = true;
        om->codecs = sa->codecs;
        om->n_codecs = sa->n_codecs;
        om->extmaps = sa->extmaps;
        om->n_extmaps = sa->n_extmaps;
        om->rids = sa->rids;
        om->n_rids = sa->n_rids;
        om->simulcast = sa->n_rids ? &sa->simulcast : NULL;
    }
    aula_sdp_out d = {
        .session_id = session_id,
        .session_version = version,
        .ice_lite = true,
        .ice_ufrag = ufrag,
        .ice_pwd = pwd,
        .fingerprint = *fp,
        .setup = AULA_SDP_SETUP_PASSIVE,
        .candidates = cand,
        .n_candidates = 1,
        .end_of_candidates = true,
        .media = media,
        .n_media = offer->n_media,
    };
    return aula_sdp_write(&d, out);
}

int aula_media_write_offer(aula_media_peer *peer, const aula_sdp_candidate *cand, aula_buf *out)
{
    static const char *const vfb[] = {"nack", "nack pli", "ccm fir", "goog-remb"};
    const aula_sdp_codec opus = {.pt = AULA_MEDIA_PT_OPUS,
                                 .name = "opus",
                                 .clock_rate = 48000,
                                 .channels = 2,
                                 .fmtp = OPUS_FMTP};
    const aula_sdp_codec vp8 = {.pt = AULA_MEDIA_PT_VP8,
                                .name = "VP8",
                                .clock_rate = 90000,
                                .channels = 1,
                                .fb = (const char **)vfb,
                                .n_fb = sizeof vfb / sizeof vfb[0]};
    const aula_sdp_codec h264 = {.pt = AULA_MEDIA_PT_H264,
                                 .name = "H264",
                                 .clock_rate = 90000,
                                 .channels = 1,
                                 .fmtp = AULA_MEDIA_H264_FMTP,
                                 .fb = (const char **)vfb,
                                 .n_fb = sizeof vfb / sizeof vfb[0]};
    aula_sdp_out_media media[AULA_MEDIA_MAX_SLOTS];
    aula_sdp_ssrc ssrcs[AULA_MEDIA_MAX_SLOTS];
    memset(media, 0, sizeof media);
    for (size_t i = 0; i < peer->n_slots; i++) {
        const aula_media_slot *sl = &peer->slots[i];
        aula_sdp_out_media *om = &media[i];
        om->kind = sl->kind == AULA_MEDIA_AUDIO ? AULA_SDP_AUDIO : AULA_SDP_VIDEO;
        om->mid = sl->mid;
        om->rejected = sl->state != AULA_SLOT_OFFERED && sl->state != AULA_SLOT_ACTIVE;
        om->dir = AULA_SDP_SENDONLY;
        om->rtcp_rsize = true;
        om->codecs = sl->kind == AULA_MEDIA_AUDIO         ? &opus
                     : sl->codec == AULA_MEDIA_CODEC_H264 ? &h264
                                                          : &vp8;
        om->n_codecs = 1;
        if (om->rejected)
            continue;
        om->msid_stream = sl->stream;
        om->msid_track = sl->track;
        ssrcs[i] = (aula_sdp_ssrc){.ssrc = sl->ssrc,
                                   .cname = sl->stream,
                                   .msid_stream = sl->stream,
                                   .msid_track = sl->track};
        om->ssrcs = &ssrcs[i];
        om->n_ssrcs = 1;
    }
    aula_sdp_out d = {
        .session_id = peer->session_id,
        .session_version = ++peer->version,
        .ice_lite = true,
        .ice_ufrag = peer->recv_ufrag,
        .ice_pwd = peer->recv_pwd,
        .fingerprint = *aula__media_sig_fingerprint(peer->ms),
        .setup = AULA_SDP_SETUP_ACTPASS,
        .candidates = cand,
        .n_candidates = 1,
        .end_of_candidates = true,
        .media = media,
        .n_media = peer->n_slots,
    };
    return aula_sdp_write(&d, out);
}

int aula_media_check_answer(const aula_media_peer *peer, const aula_sdp *ans,
                            const aula_sdp_fingerprint **fp, char *why, size_t why_len)
{
    *fp = NULL;
    if (ans->n_media != peer->n_slots) {
        snprintf(why, why_len, "the answer has %zu m-sections, the offer had %zu", ans->n_media,
                 peer->n_slots);
        return -1;
    }
    for (size_t i = 0; i < ans->n_media; i++) {
        const aula_sdp_media *m = &ans->media[i];
        if (!m->mid || strcmp(m->mid, peer->slots[i].mid) != 0) {
            snprintf(why, why_len, "m-section %zu: a=mid should be %s", i, peer->slots[i].mid);
            return -1;
        }
        if (m->port == 0 || *fp)
            continue;
        if (m->fingerprint.len != 32 || !m->fingerprint.alg ||
            strcasecmp(m->fingerprint.alg, "sha-256") != 0) {
            snprintf(why, why_len, "m-section %zu: a sha-256 a=fingerprint is required", i);
            return -1;
        }
        if (m->setup != AULA_SDP_SETUP_ACTIVE) {
            snprintf(why, why_len, "m-section %zu: a=setup:active is required", i);
            return -1;
        }
        *fp = &m->fingerprint;
    }
    return 0;
}
