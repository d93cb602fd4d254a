/* SDP parser (RFC 8866) for unified-plan WebRTC offers; the writer is in
 * sdp_write.c. The text is copied once and cut into NUL-terminated tokens in
 * place, so every string in the result points into that copy and the only
 * other allocations are the per-section arrays, each bounded by a limit. */
#include "rtc/sdp.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/hex.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

typedef struct parser {
    aula_sdp *sdp;
    aula_sdp_media *m; /* current m-section; NULL at session level */
    size_t line;       /* 1-based, for messages */
    bool seen_v, seen_o, seen_s;
    char *err;
    size_t errlen;
} parser;

/* Appends one zeroed element to a heap array counted by n. The limits are
 * checked by the callers, so the growth is bounded. */
#define PUSH(arr, n)                                                                               \
    ((arr) = aula_realloc((arr), ((n) + 1) * sizeof *(arr)),                                       \
     memset(&(arr)[(n)], 0, sizeof *(arr)), &(arr)[(n)++])

__attribute__((format(printf, 3, 4))) static int fail(parser *p, int code, const char *fmt, ...)
{
    if (p->errlen == 0)
        return code;
    int n = snprintf(p->err, p->errlen, "line %zu: ", p->line);
    if (n >= 0 && (size_t)n < p->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return code;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Cuts the next blank-separated token out of *s (NUL-terminating it in
 * place) and advances *s past it. Returns NULL at the end of the line. */
static char *tok(char **s)
{
    char *p = *s;
    while (is_blank(*p))
        p++;
    if (*p == '\0') {
        *s = p;
        return NULL;
    }
    char *start = p;
    while (*p != '\0' && !is_blank(*p))
        p++;
    if (*p != '\0')
        *p++ = '\0';
    *s = p;
    return start;
}

/* Returns the rest of the line with surrounding blanks removed ("" if
 * nothing is left). */
static char *rest(char **s)
{
    char *p = *s;
    while (is_blank(*p))
        p++;
    size_t n = strlen(p);
    while (n > 0 && is_blank(p[n - 1]))
        p[--n] = '\0';
    *s = p + n;
    return p;
}

/* Strict decimal: digits only, at least one, no sign, value <= max. */
static bool parse_uint(const char *s, uint64_t max, uint64_t *out)
{
    if (s == NULL || *s == '\0')
        return false;
    uint64_t v = 0;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9')
            return false;
        unsigned d = (unsigned)(*s - '0');
        if (v > (max - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

static bool is_rtp(const char *proto)
{
    return strstr(proto, "RTP/") != NULL;
}

static aula_sdp_codec *codec_by_pt(aula_sdp_media *m, uint64_t pt)
{
    for (size_t i = 0; i < m->n_codecs; i++)
        if (m->codecs[i].pt == pt)
            return &m->codecs[i];
    return NULL;
}

/* RFC 3551 §6: static payload types a browser may list without an rtpmap. */
static void static_codec(aula_sdp_codec *c)
{
    static const struct {
        uint8_t pt;
        const char *name;
        uint32_t rate;
    } known[] = {{0, "PCMU", 8000}, {8, "PCMA", 8000}, {9, "G722", 8000}, {13, "CN", 8000}};
    c->channels = 1;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (known[i].pt == c->pt) {
            c->name = known[i].name;
            c->clock_rate = known[i].rate;
        }
}

/* ---- Session-level lines ------------------------------------------------ */

/* o=<username> <sess-id> <sess-version> <nettype> <addrtype> <address>,
 * RFC 8866 §5.2. */
static int parse_origin(parser *p, char *v)
{
    char *f[6];
    for (int i = 0; i < 6; i++)
        if ((f[i] = tok(&v)) == NULL)
            return fail(p, AULA_EPROTO, "o=: expected 6 fields");
    uint64_t ver;
    if (!parse_uint(f[2], UINT64_MAX, &ver))
        return fail(p, AULA_EPROTO, "o=: bad session version");
    p->sdp->origin_user = f[0];
    p->sdp->session_id = f[1];
    p->sdp->session_version = ver;
    p->seen_o = true;
    return 0;
}

/* m=<media> <port>[/<number of ports>] <proto> <fmt> ..., RFC 8866 §5.14.
 * Session-level values are copied into the new section first, so that its
 * own attributes override them (the inheritance rules of RFC 8866 §6.7,
 * RFC 8839 §5.4, RFC 8122 §5). */
static int parse_media(parser *p, char *v)
{
    aula_sdp *sdp = p->sdp;
    if (!p->seen_o || !p->seen_s)
        return fail(p, AULA_EPROTO, "m=: o= and s= must come first");
    if (sdp->n_media == AULA_SDP_MAX_MEDIA)
        return fail(p, AULA_ETOOBIG, "more than %d m-sections", AULA_SDP_MAX_MEDIA);
    char *kind = tok(&v), *port = tok(&v), *proto = tok(&v);
    if (kind == NULL || port == NULL || proto == NULL)
        return fail(p, AULA_EPROTO, "m=: expected <media> <port> <proto> <fmt>");
    char *slash = strchr(port, '/');
    if (slash != NULL)
        *slash = '\0';
    uint64_t portn, count;
    if (!parse_uint(port, 65535, &portn) ||
        (slash != NULL && !parse_uint(slash + 1, 65535, &count)))
        return fail(p, AULA_EPROTO, "m=: bad port");

    aula_sdp_media *m = PUSH(sdp->media, sdp->n_media);
    p->m = m;
    m->kind_name = kind;
    m->kind = !strcmp(kind, "audio")         ? AULA_SDP_AUDIO
              : !strcmp(kind, "video")       ? AULA_SDP_VIDEO
              : !strcmp(kind, "application") ? AULA_SDP_APPLICATION
                                             : AULA_SDP_OTHER_KIND;
    m->port = (uint16_t)portn;
    m->proto = proto;
    m->dir = sdp->dir;
    m->ice_ufrag = sdp->ice_ufrag;
    m->ice_pwd = sdp->ice_pwd;
    m->ice_options = sdp->ice_options;
    m->fingerprint = sdp->fingerprint;
    m->setup = sdp->setup;
    m->extmap_allow_mixed = sdp->extmap_allow_mixed;

    if (!is_rtp(proto)) {
        m->fmt = rest(&v);
        if (*m->fmt == '\0')
            return fail(p, AULA_EPROTO, "m=: no formats");
        return 0;
    }
    char *f;
    while ((f = tok(&v)) != NULL) {
        uint64_t pt;
        if (!parse_uint(f, 127, &pt))
            return fail(p, AULA_EPROTO, "m=: bad payload type '%s'", f);
        if (codec_by_pt(m, pt) != NULL)
            return fail(p, AULA_EPROTO, "m=: payload type %s listed twice", f);
        if (m->n_codecs == AULA_SDP_MAX_CODECS)
            return fail(p, AULA_ETOOBIG, "m=: more than %d payload types", AULA_SDP_MAX_CODECS);
        aula_sdp_codec *c = PUSH(m->codecs, m->n_codecs);
        c->pt = (uint8_t)pt;
        static_codec(c);
    }
    if (m->n_codecs == 0)
        return fail(p, AULA_EPROTO, "m=: no formats");
    return 0;
}

/* ---- Attributes --------------------------------------------------------- */

/* a=group:BUNDLE <mid> ..., RFC 5888 §5 and RFC 9143 §7.1. aula bundles
 * everything, so only the first BUNDLE group is kept; other semantics are
 * ignored. */
static int attr_group(parser *p, char *v)
{
    char *sem = tok(&v);
    if (sem == NULL)
        return fail(p, AULA_EPROTO, "a=group: missing semantics");
    if (p->m != NULL || strcmp(sem, "BUNDLE") != 0 || p->sdp->has_bundle)
        return 0;
    p->sdp->has_bundle = true;
    char *mid;
    while ((mid = tok(&v)) != NULL) {
        if (p->sdp->n_bundle == AULA_SDP_MAX_MEDIA)
            return fail(p, AULA_ETOOBIG, "a=group: more than %d mids", AULA_SDP_MAX_MEDIA);
        p->sdp->bundle_mids[p->sdp->n_bundle++] = mid;
    }
    return 0;
}

/* a=ice-ufrag, a=ice-pwd (RFC 8839 §5.4): one token each. */
static int attr_ice_cred(parser *p, char *v, const char **session, const char **media)
{
    char *t = tok(&v);
    if (t == NULL || tok(&v) != NULL)
        return fail(p, AULA_EPROTO, "ice credential: expected one token");
    *(p->m != NULL ? media : session) = t;
    return 0;
}

static int attr_ice_ufrag(parser *p, char *v)
{
    return attr_ice_cred(p, v, &p->sdp->ice_ufrag, p->m ? &p->m->ice_ufrag : NULL);
}

static int attr_ice_pwd(parser *p, char *v)
{
    return attr_ice_cred(p, v, &p->sdp->ice_pwd, p->m ? &p->m->ice_pwd : NULL);
}

/* a=ice-options:<option> ..., RFC 8839 §5.6: kept as the raw list. */
static int attr_ice_options(parser *p, char *v)
{
    char *opts = rest(&v);
    if (*opts == '\0')
        return fail(p, AULA_EPROTO, "a=ice-options: empty");
    *(p->m != NULL ? &p->m->ice_options : &p->sdp->ice_options) = opts;
    return 0;
}

/* a=fingerprint:<hash-func> <XX:XX:...>, RFC 8122 §5. */
static int attr_fingerprint(parser *p, char *v)
{
    aula_sdp_fingerprint fp = {0};
    char *alg = tok(&v), *hex = tok(&v);
    if (alg == NULL || hex == NULL)
        return fail(p, AULA_EPROTO, "a=fingerprint: expected <hash> <digest>");
    fp.alg = alg;
    for (const char *h = hex;;) {
        int hi = aula_hex_digit(h[0]), lo = hi < 0 ? -1 : aula_hex_digit(h[1]);
        if (lo < 0)
            return fail(p, AULA_EPROTO, "a=fingerprint: bad hex digest");
        if (fp.len == AULA_SDP_MAX_FINGERPRINT)
            return fail(p, AULA_ETOOBIG, "a=fingerprint: digest too long");
        fp.bytes[fp.len++] = (uint8_t)(hi << 4 | lo);
        h += 2;
        if (*h == '\0')
            break;
        if (*h++ != ':')
            return fail(p, AULA_EPROTO, "a=fingerprint: bad hex digest");
    }
    /* A second fingerprint line (another hash) is allowed; the first one of
     * a level wins, but a section's own line replaces the copy it inherited
     * from the session level (recognised by the shared alg pointer). */
    aula_sdp_fingerprint *dst = p->m != NULL ? &p->m->fingerprint : &p->sdp->fingerprint;
    if (dst->len == 0 || (p->m != NULL && dst->alg == p->sdp->fingerprint.alg))
        *dst = fp;
    return 0;
}

/* a=setup:<role>, RFC 4145 §4. */
static int attr_setup(parser *p, char *v)
{
    char *role = tok(&v);
    aula_sdp_setup s;
    if (role == NULL)
        return fail(p, AULA_EPROTO, "a=setup: missing role");
    else if (!strcmp(role, "actpass"))
        s = AULA_SDP_SETUP_ACTPASS;
    else if (!strcmp(role, "active"))
        s = AULA_SDP_SETUP_ACTIVE;
    else if (!strcmp(role, "passive"))
        s = AULA_SDP_SETUP_PASSIVE;
    else if (!strcmp(role, "holdconn"))
        s = AULA_SDP_SETUP_HOLDCONN;
    else
        return fail(p, AULA_EPROTO, "a=setup: unknown role '%s'", role);
    *(p->m != NULL ? &p->m->setup : &p->sdp->setup) = s;
    return 0;
}

/* a=mid:<id>, RFC 5888 §4: media level only. */
static int attr_mid(parser *p, char *v)
{
    char *mid = tok(&v);
    if (mid == NULL)
        return fail(p, AULA_EPROTO, "a=mid: empty");
    if (p->m != NULL)
        p->m->mid = mid;
    return 0;
}

/* a=rtpmap:<pt> <name>/<clock rate>[/<channels>], RFC 8866 §6.6. An rtpmap
 * for a payload type not on the m= line is ignored, as browsers do. */
static int attr_rtpmap(parser *p, char *v)
{
    if (p->m == NULL || !is_rtp(p->m->proto))
        return 0;
    char *pts = tok(&v), *enc = tok(&v);
    uint64_t pt, rate, ch = 1;
    if (pts == NULL || !parse_uint(pts, 127, &pt))
        return fail(p, AULA_EPROTO, "a=rtpmap: bad payload type");
    char *name = enc, *rates = enc ? strchr(enc, '/') : NULL;
    if (rates == NULL || rates == name)
        return fail(p, AULA_EPROTO, "a=rtpmap: expected <name>/<clock rate>");
    *rates++ = '\0';
    char *chs = strchr(rates, '/');
    if (chs != NULL)
        *chs++ = '\0';
    if (!parse_uint(rates, UINT32_MAX, &rate) || (chs != NULL && !parse_uint(chs, 255, &ch)))
        return fail(p, AULA_EPROTO, "a=rtpmap: bad clock rate or channels");
    aula_sdp_codec *c = codec_by_pt(p->m, pt);
    if (c != NULL) {
        c->name = name;
        c->clock_rate = (uint32_t)rate;
        c->channels = (uint16_t)ch;
    }
    return 0;
}

/* a=fmtp:<pt> <parameters>, RFC 8866 §6.15: kept raw. */
static int attr_fmtp(parser *p, char *v)
{
    if (p->m == NULL || !is_rtp(p->m->proto))
        return 0;
    char *pts = tok(&v);
    uint64_t pt;
    if (pts == NULL || !parse_uint(pts, 127, &pt))
        return fail(p, AULA_EPROTO, "a=fmtp: bad payload type");
    aula_sdp_codec *c = codec_by_pt(p->m, pt);
    if (c != NULL)
        c->fmtp = rest(&v);
    return 0;
}

static int add_fb(parser *p, aula_sdp_codec *c, const char *val)
{
    if (c->n_fb == AULA_SDP_MAX_FB)
        return fail(p, AULA_ETOOBIG, "a=rtcp-fb: more than %d for one codec", AULA_SDP_MAX_FB);
    *PUSH(c->fb, c->n_fb) = val;
    return 0;
}

/* a=rtcp-fb:<pt|*> <type> [<param>], RFC 4585 §4.2. "*" applies to every
 * payload type of the section. */
static int attr_rtcp_fb(parser *p, char *v)
{
    if (p->m == NULL || !is_rtp(p->m->proto))
        return 0;
    char *pts = tok(&v), *val = rest(&v);
    uint64_t pt = 0;
    bool all = pts != NULL && !strcmp(pts, "*");
    if (pts == NULL || (!all && !parse_uint(pts, 127, &pt)))
        return fail(p, AULA_EPROTO, "a=rtcp-fb: bad payload type");
    if (*val == '\0')
        return fail(p, AULA_EPROTO, "a=rtcp-fb: missing type");
    for (size_t i = 0; i < p->m->n_codecs; i++) {
        if (!all && p->m->codecs[i].pt != pt)
            continue;
        int rc = add_fb(p, &p->m->codecs[i], val);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static bool parse_dir(const char *s, aula_sdp_dir *out)
{
    static const char *const names[] = {"sendrecv", "sendonly", "recvonly", "inactive"};
    for (size_t i = 0; i < 4; i++)
        if (!strcmp(s, names[i])) {
            *out = (aula_sdp_dir)i;
            return true;
        }
    return false;
}

/* a=extmap:<id>[/<direction>] <URI> [<attributes>], RFC 8285 §8. Ids 1-14
 * fit the one-byte header, 1-255 the two-byte one (§4.2, §4.3). */
static int attr_extmap(parser *p, char *v)
{
    if (p->m == NULL)
        return 0;
    char *ids = tok(&v), *uri = tok(&v);
    if (ids == NULL || uri == NULL)
        return fail(p, AULA_EPROTO, "a=extmap: expected <id> <uri>");
    aula_sdp_dir dir = AULA_SDP_SENDRECV;
    char *slash = strchr(ids, '/');
    if (slash != NULL) {
        *slash++ = '\0';
        if (!parse_dir(slash, &dir))
            return fail(p, AULA_EPROTO, "a=extmap: bad direction");
    }
    uint64_t id;
    if (!parse_uint(ids, 255, &id) || id == 0)
        return fail(p, AULA_EPROTO, "a=extmap: bad id");
    for (size_t i = 0; i < p->m->n_extmaps; i++)
        if (p->m->extmaps[i].id == id)
            return fail(p, AULA_EPROTO, "a=extmap: id %u used twice", (unsigned)id);
    if (p->m->n_extmaps == AULA_SDP_MAX_EXTMAPS)
        return fail(p, AULA_ETOOBIG, "more than %d a=extmap", AULA_SDP_MAX_EXTMAPS);
    aula_sdp_extmap *e = PUSH(p->m->extmaps, p->m->n_extmaps);
    e->id = (uint16_t)id;
    e->dir = dir;
    e->uri = uri;
    return 0;
}

static int parse_u32_tok(parser *p, const char *s, const char *what, uint32_t *out)
{
    uint64_t v;
    if (s == NULL || !parse_uint(s, UINT32_MAX, &v))
        return fail(p, AULA_EPROTO, "%s: bad SSRC", what);
    *out = (uint32_t)v;
    return 0;
}

/* a=ssrc:<ssrc-id> <attribute>[:<value>], RFC 5576 §4.1. cname and msid
 * (RFC 8830 §2, legacy per-SSRC form) are kept; other attributes dropped. */
static int attr_ssrc(parser *p, char *v)
{
    if (p->m == NULL)
        return 0;
    uint32_t ssrc = 0;
    int rc = parse_u32_tok(p, tok(&v), "a=ssrc", &ssrc);
    if (rc < 0)
        return rc;
    aula_sdp_ssrc *s = NULL;
    for (size_t i = 0; i < p->m->n_ssrcs && s == NULL; i++)
        if (p->m->ssrcs[i].ssrc == ssrc)
            s = &p->m->ssrcs[i];
    if (s == NULL) {
        if (p->m->n_ssrcs == AULA_SDP_MAX_SSRCS)
            return fail(p, AULA_ETOOBIG, "more than %d SSRCs", AULA_SDP_MAX_SSRCS);
        s = PUSH(p->m->ssrcs, p->m->n_ssrcs);
        s->ssrc = ssrc;
    }
    while (is_blank(*v))
        v++;
    if (!strncmp(v, "cname:", 6)) {
        v += 6;
        s->cname = tok(&v);
    } else if (!strncmp(v, "msid:", 5)) {
        v += 5;
        s->msid_stream = tok(&v);
        s->msid_track = tok(&v);
    }
    return 0;
}

/* a=ssrc-group:<semantics> <ssrc-id> ..., RFC 5576 §4.2. */
static int attr_ssrc_group(parser *p, char *v)
{
    if (p->m == NULL)
        return 0;
    char *sem = tok(&v), *t;
    if (sem == NULL)
        return fail(p, AULA_EPROTO, "a=ssrc-group: missing semantics");
    if (p->m->n_ssrc_groups == AULA_SDP_MAX_SSRC_GROUPS)
        return fail(p, AULA_ETOOBIG, "more than %d a=ssrc-group", AULA_SDP_MAX_SSRC_GROUPS);
    aula_sdp_ssrc_group g = {.semantics = sem};
    while ((t = tok(&v)) != NULL) {
        if (g.n_ssrcs == AULA_SDP_MAX_GROUP_SSRCS)
            return fail(p, AULA_ETOOBIG, "a=ssrc-group: too many SSRCs");
        int rc = parse_u32_tok(p, t, "a=ssrc-group", &g.ssrcs[g.n_ssrcs++]);
        if (rc < 0)
            return rc;
    }
    if (g.n_ssrcs == 0)
        return fail(p, AULA_EPROTO, "a=ssrc-group: no SSRCs");
    *PUSH(p->m->ssrc_groups, p->m->n_ssrc_groups) = g;
    return 0;
}

/* a=msid:<stream id> [<track id>], RFC 8830 §2. */
static int attr_msid(parser *p, char *v)
{
    if (p->m == NULL)
        return 0;
    char *stream = tok(&v);
    if (stream == NULL)
        return fail(p, AULA_EPROTO, "a=msid: empty");
    p->m->msid_stream = stream;
    p->m->msid_track = tok(&v);
    return 0;
}

/* a=rid:<rid-id> <send|recv> [<restrictions>], RFC 8851 §10. */
static int attr_rid(parser *p, char *v)
{
    if (p->m == NULL)
        return 0;
    char *id = tok(&v), *dir = tok(&v);
    if (id == NULL || dir == NULL || (strcmp(dir, "send") != 0 && strcmp(dir, "recv") != 0))
        return fail(p, AULA_EPROTO, "a=rid: expected <id> send|recv");
    if (p->m->n_rids == AULA_SDP_MAX_RIDS)
        return fail(p, AULA_ETOOBIG, "more than %d a=rid", AULA_SDP_MAX_RIDS);
    aula_sdp_rid *r = &p->m->rids[p->m->n_rids++];
    r->id = id;
    r->send = dir[0] == 's';
    r->params = rest(&v);
    return 0;
}

/* One simulcast stream list: layers split by ';', alternatives by ',', a
 * leading '~' marks a paused stream (RFC 8853 §5.1). */
static int parse_sim_list(parser *p, char *list, aula_sdp_sim_layer *layers, size_t *n)
{
    if (!strncmp(list, "rid=", 4)) /* draft-ietf-mmusic-sdp-simulcast-03 form */
        list += 4;
    for (char *save = NULL, *l = strtok_r(list, ";", &save); l != NULL;
         l = strtok_r(NULL, ";", &save)) {
        if (*n == AULA_SDP_MAX_RIDS)
            return fail(p, AULA_ETOOBIG, "a=simulcast: more than %d layers", AULA_SDP_MAX_RIDS);
        aula_sdp_sim_layer *layer = &layers[(*n)++];
        for (char *s2 = NULL, *a = strtok_r(l, ",", &s2); a != NULL; a = strtok_r(NULL, ",", &s2)) {
            bool paused = *a == '~';
            if (paused)
                a++;
            if (*a == '\0')
                return fail(p, AULA_EPROTO, "a=simulcast: empty rid");
            if (layer->n_alts == AULA_SDP_MAX_SIM_ALTS)
                return fail(p, AULA_ETOOBIG, "a=simulcast: too many alternatives");
            layer->alts[layer->n_alts++] = (aula_sdp_sim_alt){.rid = a, .paused = paused};
        }
        if (layer->n_alts == 0)
            return fail(p, AULA_EPROTO, "a=simulcast: empty layer");
    }
    if (*n == 0)
        return fail(p, AULA_EPROTO, "a=simulcast: empty list");
    return 0;
}

/* a=simulcast:<send|recv> <list> [<send|recv> <list>], RFC 8853 §5.1. */
static int attr_simulcast(parser *p, char *v)
{
    if (p->m == NULL)
        return 0;
    aula_sdp_simulcast *s = &p->m->simulcast;
    memset(s, 0, sizeof *s);
    char *dir;
    int rc = 0, dirs = 0;
    while (rc == 0 && (dir = tok(&v)) != NULL) {
        char *list = tok(&v);
        bool send = !strcmp(dir, "send");
        if (list == NULL || (!send && strcmp(dir, "recv") != 0) ||
            (send ? s->n_send : s->n_recv) != 0)
            return fail(p, AULA_EPROTO, "a=simulcast: expected send|recv <list>");
        rc = send ? parse_sim_list(p, list, s->send, &s->n_send)
                  : parse_sim_list(p, list, s->recv, &s->n_recv);
        dirs++;
    }
    if (rc == 0 && dirs == 0)
        return fail(p, AULA_EPROTO, "a=simulcast: empty");
    p->m->has_simulcast = rc == 0;
    return rc;
}

/* a=candidate:<foundation> <component> <transport> <priority> <address>
 * <port> typ <type> [raddr <a>] [rport <p>] *(<name> <value>), RFC 8839
 * §5.1. Only tcptype among the extensions is kept. */
static int attr_candidate(parser *p, char *v)
{
    if (p->m == NULL)
        return 0;
    char *f[8];
    for (int i = 0; i < 8; i++)
        f[i] = tok(&v);
    uint64_t comp, prio, port;
    if (f[7] == NULL || strcmp(f[6], "typ") != 0 || !parse_uint(f[1], 256, &comp) ||
        !parse_uint(f[3], UINT32_MAX, &prio) || !parse_uint(f[5], 65535, &port))
        return fail(p, AULA_EPROTO, "a=candidate: malformed");
    if (p->m->n_candidates == AULA_SDP_MAX_CANDIDATES)
        return fail(p, AULA_ETOOBIG, "more than %d a=candidate", AULA_SDP_MAX_CANDIDATES);
    aula_sdp_candidate *c = PUSH(p->m->candidates, p->m->n_candidates);
    *c = (aula_sdp_candidate){.foundation = f[0],
                              .component = (uint16_t)comp,
                              .transport = f[2],
                              .priority = (uint32_t)prio,
                              .address = f[4],
                              .port = (uint16_t)port,
                              .type = f[7]};
    for (char *name; (name = tok(&v)) != NULL;) {
        char *val = tok(&v);
        if (val == NULL)
            return fail(p, AULA_EPROTO, "a=candidate: '%s' without a value", name);
        if (!strcmp(name, "tcptype"))
            c->tcptype = val;
    }
    return 0;
}

/* a=sctp-port (RFC 8841 §5.1) and a=max-message-size (§6.1). */
static int attr_sctp_port(parser *p, char *v)
{
    uint64_t n;
    if (!parse_uint(tok(&v), 65535, &n))
        return fail(p, AULA_EPROTO, "a=sctp-port: bad port");
    if (p->m != NULL)
        p->m->sctp_port = (uint16_t)n;
    return 0;
}

static int attr_max_message_size(parser *p, char *v)
{
    uint64_t n;
    if (!parse_uint(tok(&v), UINT32_MAX, &n))
        return fail(p, AULA_EPROTO, "a=max-message-size: bad size");
    if (p->m != NULL)
        p->m->max_message_size = (uint32_t)n;
    return 0;
}

/* Property attributes (no value). */
static int attr_flag(parser *p, const char *name)
{
    aula_sdp_media *m = p->m;
    aula_sdp_dir dir;
    if (parse_dir(name, &dir))
        *(m != NULL ? &m->dir : &p->sdp->dir) = dir;
    else if (!strcmp(name, "ice-lite")) /* RFC 8839 §5.3: session level only */
        p->sdp->ice_lite |= m == NULL;
    else if (!strcmp(name, "extmap-allow-mixed")) /* RFC 8285 §6 */
        *(m != NULL ? &m->extmap_allow_mixed : &p->sdp->extmap_allow_mixed) = true;
    else if (m == NULL)
        return 0;
    else if (!strcmp(name, "rtcp-mux")) /* RFC 5761 §5.1.1 */
        m->rtcp_mux = true;
    else if (!strcmp(name, "rtcp-rsize")) /* RFC 5506 §5 */
        m->rtcp_rsize = true;
    else if (!strcmp(name, "end-of-candidates")) /* RFC 8840 §8.2 */
        m->end_of_candidates = true;
    return 0;
}

static const struct {
    const char *name;
    int (*fn)(parser *p, char *v);
} attrs[] = {
    {"group", attr_group},
    {"ice-ufrag", attr_ice_ufrag},
    {"ice-pwd", attr_ice_pwd},
    {"ice-options", attr_ice_options},
    {"fingerprint", attr_fingerprint},
    {"setup", attr_setup},
    {"mid", attr_mid},
    {"rtpmap", attr_rtpmap},
    {"fmtp", attr_fmtp},
    {"rtcp-fb", attr_rtcp_fb},
    {"extmap", attr_extmap},
    {"ssrc", attr_ssrc},
    {"ssrc-group", attr_ssrc_group},
    {"msid", attr_msid},
    {"rid", attr_rid},
    {"simulcast", attr_simulcast},
    {"candidate", attr_candidate},
    {"sctp-port", attr_sctp_port},
    {"max-message-size", attr_max_message_size},
};

/* a=<attribute> or a=<attribute>:<value>, RFC 8866 §5.13. Unknown
 * attributes are ignored (§5.13: "MUST be ignored"). */
static int parse_attr(parser *p, char *v)
{
    char *colon = strchr(v, ':');
    if (colon == NULL)
        return attr_flag(p, v);
    *colon = '\0';
    for (size_t i = 0; i < sizeof attrs / sizeof attrs[0]; i++)
        if (!strcmp(v, attrs[i].name))
            return attrs[i].fn(p, colon + 1);
    return 0;
}

/* <type>=<value>, RFC 8866 §5: the type is one lowercase letter; v=0 comes
 * first; unknown types and the ones aula does not need (c=, t=, b=, ...)
 * are skipped. */
static int parse_line(parser *p, char *line)
{
    if (line[0] < 'a' || line[0] > 'z' || line[1] != '=')
        return fail(p, AULA_EPROTO, "expected <type>=<value>");
    char *v = line + 2;
    if (!p->seen_v) {
        if (line[0] != 'v' || strcmp(v, "0") != 0)
            return fail(p, AULA_EPROTO, "expected v=0 first");
        p->seen_v = true;
        return 0;
    }
    switch (line[0]) {
    case 'v':
        return fail(p, AULA_EPROTO, "v= repeated");
    case 'o':
        return p->m == NULL && !p->seen_o ? parse_origin(p, v)
                                          : fail(p, AULA_EPROTO, "o= out of place");
    case 's':
        if (p->m != NULL || p->seen_s)
            return fail(p, AULA_EPROTO, "s= out of place");
        p->sdp->session_name = v;
        p->seen_s = true;
        return 0;
    case 'm':
        return parse_media(p, v);
    case 'a':
        return parse_attr(p, v);
    default:
        return 0;
    }
}

static int parse_text(parser *p, char *text, size_t len)
{
    char *end = text + len;
    for (char *s = text; s < end;) {
        char *nl = memchr(s, '\n', (size_t)(end - s));
        char *next = nl != NULL ? nl + 1 : end;
        size_t n = (size_t)((nl != NULL ? nl : end) - s);
        p->line++;
        if (n > 0 && s[n - 1] == '\r')
            n--;
        if (n > AULA_SDP_MAX_LINE)
            return fail(p, AULA_ETOOBIG, "longer than %d bytes", AULA_SDP_MAX_LINE);
        if (memchr(s, '\0', n) != NULL)
            return fail(p, AULA_EPROTO, "NUL byte");
        s[n] = '\0';
        if (n > 0) { /* browsers tolerate blank lines, so do we */
            int rc = parse_line(p, s);
            if (rc < 0)
                return rc;
        }
        s = next;
    }
    if (!p->seen_v) {
        p->line = 1; /* empty or blank text */
        return fail(p, AULA_EPROTO, "expected v=0 first");
    }
    if (!p->seen_o || !p->seen_s)
        return fail(p, AULA_EPROTO, "missing o= or s=");
    return 0;
}

int aula_sdp_parse(const char *text, size_t len, aula_sdp **out, char *err, size_t errlen)
{
    parser p = {.err = err, .errlen = errlen};
    *out = NULL;
    if (errlen > 0)
        err[0] = '\0';
    if (len > AULA_SDP_MAX_TEXT) {
        p.line = 1;
        return fail(&p, AULA_ETOOBIG, "SDP longer than %d bytes", AULA_SDP_MAX_TEXT);
    }
    aula_sdp *sdp = aula_calloc(1, sizeof *sdp);
    sdp->text = aula_malloc(len + 1);
    if (len > 0)
        memcpy(sdp->text, text, len);
    sdp->text[len] = '\0';
    p.sdp = sdp;
    int rc = parse_text(&p, sdp->text, len);
    if (rc < 0) {
        aula_sdp_free(sdp);
        return rc;
    }
    *out = sdp;
    return 0;
}

void aula_sdp_free(aula_sdp *sdp)
{
    if (sdp == NULL)
        return;
    for (size_t i = 0; i < sdp->n_media; i++) {
        aula_sdp_media *m = &sdp->media[i];
        for (size_t j = 0; j < m->n_codecs; j++)
            aula_free(m->codecs[j].fb);
        aula_free(m->codecs);
        aula_free(m->extmaps);
        aula_free(m->ssrcs);
        aula_free(m->ssrc_groups);
        aula_free(m->candidates);
    }
    aula_free(sdp->media);
    aula_free(sdp->text);
    aula_free(sdp);
}
