/* SDP writer (RFC 8866 §5, JSEP RFC 8829 §5.3 for the answer layout): turns
 * an aula_sdp_out into text. Every string comes from the caller, and some of
 * it (track ids, stream ids) originally from other peers, so each is checked
 * before it is written: a CR or LF would let one peer inject lines into the
 * SDP another peer receives. */
#include "rtc/sdp.h"

#include "core/error.h"

#include <inttypes.h>
#include <string.h>

/* A token: non-empty, printable ASCII, no blank (RFC 8866 §9 "token"). */
static bool token_ok(const char *s)
{
    if (s == NULL || *s == '\0')
        return false;
    for (; *s != '\0'; s++)
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
            return false;
    return true;
}

/* Free text inside one line: blanks allowed, no control characters. */
static bool text_ok(const char *s)
{
    if (s == NULL)
        return false;
    for (; *s != '\0'; s++)
        if (((unsigned char)*s < 0x20 && *s != '\t') || (unsigned char)*s == 0x7f)
            return false;
    return true;
}

/* rid-id = 1*(alpha-numeric / "-" / "_"), RFC 8851 §10. Stricter than a
 * token, so a rid can never be mistaken for simulcast syntax (";,~="). */
static bool rid_ok(const char *s)
{
    if (s == NULL || *s == '\0')
        return false;
    for (; *s != '\0'; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              *s == '-' || *s == '_'))
            return false;
    return true;
}

static const char *setup_name(aula_sdp_setup s)
{
    switch (s) {
    case AULA_SDP_SETUP_ACTPASS:
        return "actpass";
    case AULA_SDP_SETUP_ACTIVE:
        return "active";
    case AULA_SDP_SETUP_PASSIVE:
        return "passive";
    case AULA_SDP_SETUP_HOLDCONN:
        return "holdconn";
    default:
        return NULL;
    }
}

/* a=rtpmap, a=rtcp-fb and a=fmtp for each codec, in preference order
 * (RFC 8866 §6.6, RFC 4585 §4.2, RFC 8866 §6.15). */
static int write_codecs(aula_buf *b, const aula_sdp_out_media *m)
{
    for (size_t i = 0; i < m->n_codecs; i++) {
        const aula_sdp_codec *c = &m->codecs[i];
        if (c->pt > 127 || !token_ok(c->name) || c->clock_rate == 0)
            return AULA_EINVAL;
        aula_buf_printf(b, "a=rtpmap:%u %s/%" PRIu32, c->pt, c->name, c->clock_rate);
        if (c->channels > 1)
            aula_buf_printf(b, "/%u", c->channels);
        aula_buf_append_str(b, "\r\n");
        for (size_t j = 0; j < c->n_fb; j++) {
            if (!text_ok(c->fb[j]) || c->fb[j][0] == '\0')
                return AULA_EINVAL;
            aula_buf_printf(b, "a=rtcp-fb:%u %s\r\n", c->pt, c->fb[j]);
        }
        if (c->fmtp != NULL && c->fmtp[0] != '\0') {
            if (!text_ok(c->fmtp))
                return AULA_EINVAL;
            aula_buf_printf(b, "a=fmtp:%u %s\r\n", c->pt, c->fmtp);
        }
    }
    return 0;
}

static int write_sim_list(aula_buf *b, const char *sep, const char *dir,
                          const aula_sdp_sim_layer *l, size_t n)
{
    if (n == 0)
        return 0;
    aula_buf_printf(b, "%s%s ", sep, dir);
    for (size_t i = 0; i < n; i++) {
        if (l[i].n_alts == 0)
            return AULA_EINVAL;
        for (size_t j = 0; j < l[i].n_alts; j++) {
            const aula_sdp_sim_alt *a = &l[i].alts[j];
            if (!rid_ok(a->rid))
                return AULA_EINVAL;
            aula_buf_printf(b, "%s%s%s", j ? "," : (i ? ";" : ""), a->paused ? "~" : "", a->rid);
        }
    }
    return 0;
}

/* a=rid (RFC 8851 §10) and a=simulcast (RFC 8853 §5.1). */
static int write_simulcast(aula_buf *b, const aula_sdp_out_media *m)
{
    for (size_t i = 0; i < m->n_rids; i++) {
        const aula_sdp_rid *r = &m->rids[i];
        const char *params = r->params != NULL ? r->params : "";
        if (!rid_ok(r->id) || !text_ok(params))
            return AULA_EINVAL;
        aula_buf_printf(b, "a=rid:%s %s%s%s\r\n", r->id, r->send ? "send" : "recv",
                        *params ? " " : "", params);
    }
    const aula_sdp_simulcast *s = m->simulcast;
    if (s == NULL)
        return 0;
    if (s->n_send + s->n_recv == 0 || s->n_send > AULA_SDP_MAX_RIDS ||
        s->n_recv > AULA_SDP_MAX_RIDS)
        return AULA_EINVAL;
    aula_buf_append_str(b, "a=simulcast:");
    int rc = write_sim_list(b, "", "send", s->send, s->n_send);
    if (rc == 0)
        rc = write_sim_list(b, s->n_send ? " " : "", "recv", s->recv, s->n_recv);
    if (rc < 0)
        return rc;
    aula_buf_append_str(b, "\r\n");
    return 0;
}

/* a=ssrc-group (RFC 5576 §4.2) and a=ssrc with cname and msid (§4.1). */
static int write_ssrcs(aula_buf *b, const aula_sdp_out_media *m)
{
    for (size_t i = 0; i < m->n_ssrc_groups; i++) {
        const aula_sdp_ssrc_group *g = &m->ssrc_groups[i];
        if (!token_ok(g->semantics) || g->n_ssrcs == 0 || g->n_ssrcs > AULA_SDP_MAX_GROUP_SSRCS)
            return AULA_EINVAL;
        aula_buf_printf(b, "a=ssrc-group:%s", g->semantics);
        for (size_t j = 0; j < g->n_ssrcs; j++)
            aula_buf_printf(b, " %" PRIu32, g->ssrcs[j]);
        aula_buf_append_str(b, "\r\n");
    }
    for (size_t i = 0; i < m->n_ssrcs; i++) {
        const aula_sdp_ssrc *s = &m->ssrcs[i];
        if (s->cname != NULL) {
            if (!token_ok(s->cname))
                return AULA_EINVAL;
            aula_buf_printf(b, "a=ssrc:%" PRIu32 " cname:%s\r\n", s->ssrc, s->cname);
        }
        if (s->msid_stream != NULL) {
            if (!token_ok(s->msid_stream) || (s->msid_track && !token_ok(s->msid_track)))
                return AULA_EINVAL;
            aula_buf_printf(b, "a=ssrc:%" PRIu32 " msid:%s%s%s\r\n", s->ssrc, s->msid_stream,
                            s->msid_track ? " " : "", s->msid_track ? s->msid_track : "");
        }
    }
    return 0;
}

/* a=candidate lines, RFC 8839 §5.1, then a=end-of-candidates (RFC 8840
 * §8.2). */
static int write_candidates(aula_buf *b, const aula_sdp_out *d)
{
    for (size_t i = 0; i < d->n_candidates; i++) {
        const aula_sdp_candidate *c = &d->candidates[i];
        if (!token_ok(c->foundation) || !token_ok(c->transport) || !token_ok(c->address) ||
            !token_ok(c->type) || (c->tcptype != NULL && !token_ok(c->tcptype)) ||
            c->component == 0)
            return AULA_EINVAL;
        aula_buf_printf(b, "a=candidate:%s %u %s %" PRIu32 " %s %u typ %s", c->foundation,
                        c->component, c->transport, c->priority, c->address, c->port, c->type);
        if (c->tcptype != NULL)
            aula_buf_printf(b, " tcptype %s", c->tcptype);
        aula_buf_append_str(b, "\r\n");
    }
    if (d->end_of_candidates)
        aula_buf_append_str(b, "a=end-of-candidates\r\n");
    return 0;
}

/* m= and c= lines, RFC 8866 §5.14 and §5.7. The port and address are those
 * of the first candidate (the default candidate, RFC 8839 §4.2.1.1), or the
 * JSEP placeholders 9 and 0.0.0.0 without candidates (RFC 8829 §5.2.1). */
static int write_mline(aula_buf *b, const aula_sdp_out *d, const aula_sdp_out_media *m)
{
    const aula_sdp_candidate *def = d->n_candidates > 0 ? &d->candidates[0] : NULL;
    unsigned port = m->rejected ? 0 : def != NULL ? def->port : 9;
    const char *addr = def != NULL && !m->rejected ? def->address : "0.0.0.0";
    if (m->kind == AULA_SDP_APPLICATION) {
        aula_buf_printf(b, "m=application %u UDP/DTLS/SCTP webrtc-datachannel\r\n", port);
    } else if (m->kind == AULA_SDP_AUDIO || m->kind == AULA_SDP_VIDEO) {
        if (m->n_codecs == 0 && !m->rejected)
            return AULA_EINVAL;
        aula_buf_printf(b, "m=%s %u UDP/TLS/RTP/SAVPF", aula_sdp_kind_name(m->kind), port);
        for (size_t i = 0; i < m->n_codecs; i++)
            aula_buf_printf(b, " %u", m->codecs[i].pt);
        aula_buf_append_str(b, m->n_codecs == 0 ? " 0\r\n" : "\r\n");
    } else {
        return AULA_EINVAL;
    }
    if (!token_ok(addr))
        return AULA_EINVAL;
    aula_buf_printf(b, "c=IN %s %s\r\n", strchr(addr, ':') != NULL ? "IP6" : "IP4", addr);
    return 0;
}

static int write_media(aula_buf *b, const aula_sdp_out *d, const aula_sdp_out_media *m)
{
    int rc = write_mline(b, d, m);
    if (rc < 0)
        return rc;
    if (!token_ok(m->mid))
        return AULA_EINVAL;
    if (m->rejected) {
        aula_buf_printf(b, "a=mid:%s\r\na=inactive\r\n", m->mid);
        return 0;
    }
    aula_buf_printf(b, "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\n", d->ice_ufrag, d->ice_pwd);
    if (d->ice_options != NULL)
        aula_buf_printf(b, "a=ice-options:%s\r\n", d->ice_options);
    aula_buf_printf(b, "a=fingerprint:%s ", d->fingerprint.alg ? d->fingerprint.alg : "sha-256");
    for (size_t i = 0; i < d->fingerprint.len; i++)
        aula_buf_printf(b, "%s%02X", i ? ":" : "", d->fingerprint.bytes[i]);
    aula_buf_printf(b, "\r\na=setup:%s\r\na=mid:%s\r\n", setup_name(d->setup), m->mid);
    if (m->kind == AULA_SDP_APPLICATION) {
        if (m->sctp_port != 0)
            aula_buf_printf(b, "a=sctp-port:%u\r\n", m->sctp_port);
        if (m->max_message_size != 0)
            aula_buf_printf(b, "a=max-message-size:%" PRIu32 "\r\n", m->max_message_size);
        return write_candidates(b, d);
    }
    for (size_t i = 0; i < m->n_extmaps; i++) {
        const aula_sdp_extmap *e = &m->extmaps[i];
        if (e->id == 0 || e->id > 255 || !token_ok(e->uri))
            return AULA_EINVAL;
        aula_buf_printf(b, "a=extmap:%u%s%s %s\r\n", e->id, e->dir != AULA_SDP_SENDRECV ? "/" : "",
                        e->dir != AULA_SDP_SENDRECV ? aula_sdp_dir_name(e->dir) : "", e->uri);
    }
    aula_buf_printf(b, "a=%s\r\n", aula_sdp_dir_name(m->dir));
    if (m->msid_stream != NULL) {
        if (!token_ok(m->msid_stream) || (m->msid_track != NULL && !token_ok(m->msid_track)))
            return AULA_EINVAL;
        aula_buf_printf(b, "a=msid:%s%s%s\r\n", m->msid_stream, m->msid_track ? " " : "",
                        m->msid_track ? m->msid_track : "");
    }
    aula_buf_append_str(b, "a=rtcp-mux\r\n");
    if (m->rtcp_rsize)
        aula_buf_append_str(b, "a=rtcp-rsize\r\n");
    if ((rc = write_codecs(b, m)) < 0 || (rc = write_simulcast(b, m)) < 0 ||
        (rc = write_ssrcs(b, m)) < 0)
        return rc;
    return write_candidates(b, d);
}

int aula_sdp_write(const aula_sdp_out *d, aula_buf *out)
{
    if (d->n_media == 0 || d->n_media > AULA_SDP_MAX_MEDIA || !token_ok(d->ice_ufrag) ||
        !token_ok(d->ice_pwd) || (d->ice_options != NULL && !text_ok(d->ice_options)) ||
        d->fingerprint.len == 0 || d->fingerprint.len > AULA_SDP_MAX_FINGERPRINT ||
        (d->fingerprint.alg != NULL && !token_ok(d->fingerprint.alg)) ||
        setup_name(d->setup) == NULL)
        return AULA_EINVAL;
    /* RFC 8866 §5.2: "-" as user name, IN IP4 with a placeholder address
     * as JSEP does (RFC 8829 §5.2.1). §5.3 s=, §5.9 t=0 0. */
    aula_buf_printf(out, "v=0\r\no=- %" PRIu64 " %" PRIu64 " IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n",
                    d->session_id, d->session_version);
    if (d->ice_lite)
        aula_buf_append_str(out, "a=ice-lite\r\n");
    aula_buf_append_str(out, "a=group:BUNDLE");
    for (size_t i = 0; i < d->n_media; i++)
        if (!d->media[i].rejected && token_ok(d->media[i].mid))
            aula_buf_printf(out, " %s", d->media[i].mid);
    aula_buf_append_str(out, "\r\n");
    if (d->extmap_allow_mixed)
        aula_buf_append_str(out, "a=extmap-allow-mixed\r\n");
    for (size_t i = 0; i < d->n_media; i++) {
        int rc = write_media(out, d, &d->media[i]);
        if (rc < 0)
            return rc;
    }
    return 0;
}
