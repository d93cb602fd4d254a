/* A simulated participant: its SDP, the publisher's paced replay and the
 * viewer's measurements. */
#include "hammer.h"

#include "core/alloc.h"
#include "core/byteorder.h"
#include "core/error.h"
#include "core/log.h"
#include "rtc/rtcp.h"
#include "rtc/rtp.h"
#include "rtc/sdp.h"
#include "rtc/srtp.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SR_INTERVAL_MS 1000
#define RR_INTERVAL_MS 1000
#define NACK_RETRY_MAX 3
#define NACK_RETRY_MS 40

/* ---- a growing string for SDP ---- */

typedef struct sb {
    char *s;
    size_t len, cap;
} sb;

static void sb_printf(sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(sb *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n >= 0 && b->s && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        b->cap = b->cap * 2 + (size_t)n + 256;
        b->s = aula_realloc(b->s, b->cap);
    }
}

static const hm_peer_callbacks pub_cb;
static const hm_peer_callbacks sub_cb;

hm_client *hm_client_create(hammer *h, int idx, bool publishes, bool watches)
{
    hm_client *c = aula_calloc(1, sizeof *c);
    c->h = h;
    c->idx = idx;
    c->publishes = publishes;
    c->watches = watches;
    c->vssrc = 0x10000000u + (uint32_t)idx * 2;
    c->assrc = 0x10000001u + (uint32_t)idx * 2;
    c->rr_ssrc = 0x20000000u + (uint32_t)idx;
    c->vseq = (uint16_t)rand();
    c->aseq = (uint16_t)rand();
    c->vts0 = (uint32_t)rand();
    c->ats0 = (uint32_t)rand();
    return c;
}

void hm_client_destroy(hm_client *c)
{
    if (!c)
        return;
    hm_ws_destroy(c->ws);
    hm_peer_destroy(c->pub);
    hm_peer_destroy(c->sub);
    aula_free(c->ring);
    aula_free(c);
}

void hm_client_fail(hm_client *c, const char *why)
{
    if (c->failed)
        return;
    c->failed = true;
    AULA_LOG_WARN("hammer", "participant failed", "idx=%d why=\"%s\"", c->idx, why);
}

static void transport_lines(sb *b, hm_client *c, hm_peer *p, const char *setup)
{
    sb_printf(b, "c=IN IP4 %s\r\na=rtcp:9 IN IP4 0.0.0.0\r\n", c->h->opt.bind_ip);
    sb_printf(b, "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\n", hm_peer_ufrag(p), hm_peer_pwd(p));
    sb_printf(b, "a=fingerprint:sha-256 %s\r\na=setup:%s\r\n",
              aula_dtls_identity_fingerprint(c->h->identity), setup);
    sb_printf(b, "a=candidate:1 1 udp 2130706431 %s %u typ host\r\na=end-of-candidates\r\n",
              c->h->opt.bind_ip, hm_peer_port(p));
    sb_printf(b, "a=rtcp-mux\r\na=rtcp-rsize\r\n");
}

char *hm_client_publish_offer(hm_client *c)
{
    hammer *h = c->h;
    if (!c->pub)
        c->pub = hm_peer_create(h->loop, h->identity, h->opt.bind_ip, &h->totals, &pub_cb, c);
    if (!c->pub)
        return NULL;
    sb b = {0};
    sb_printf(&b, "v=0\r\no=- %u 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n", (unsigned)rand());
    sb_printf(&b, "a=group:BUNDLE 0 1\r\na=msid-semantic: WMS hammer%d\r\n", c->idx);
    sb_printf(&b, "m=audio 9 UDP/TLS/RTP/SAVPF %d\r\n", HM_PT_OPUS);
    transport_lines(&b, c, c->pub, "actpass");
    sb_printf(&b, "a=mid:0\r\na=sendonly\r\na=msid:hammer%d a%d\r\n", c->idx, c->idx);
    sb_printf(&b, "a=rtpmap:%d opus/48000/2\r\na=fmtp:%d minptime=10;useinbandfec=1\r\n",
              HM_PT_OPUS, HM_PT_OPUS);
    sb_printf(&b, "a=ssrc:%u cname:hammer%d\r\n", c->assrc, c->idx);
    sb_printf(&b, "m=video 9 UDP/TLS/RTP/SAVPF %d\r\n", HM_PT_VP8);
    transport_lines(&b, c, c->pub, "actpass");
    sb_printf(&b, "a=mid:1\r\na=sendonly\r\na=msid:hammer%d v%d\r\n", c->idx, c->idx);
    sb_printf(&b, "a=rtpmap:%d VP8/90000\r\n", HM_PT_VP8);
    sb_printf(&b, "a=rtcp-fb:%d nack\r\na=rtcp-fb:%d nack pli\r\na=rtcp-fb:%d ccm fir\r\n",
              HM_PT_VP8, HM_PT_VP8, HM_PT_VP8);
    sb_printf(&b, "a=ssrc:%u cname:hammer%d\r\n", c->vssrc, c->idx);
    return b.s;
}

/* Finds the remote transport in a parsed SDP: the first accepted section's
 * ICE credentials, fingerprint and first IPv4 UDP candidate. */
static int remote_transport(const aula_sdp *sdp, const char **ip, uint16_t *port,
                            const char **ufrag, const char **pwd, char fp[static 96],
                            aula_sdp_setup *setup)
{
    for (size_t i = 0; i < sdp->n_media; i++) {
        const aula_sdp_media *m = &sdp->media[i];
        if (m->port == 0 || !m->ice_ufrag || !m->ice_pwd || m->fingerprint.len != 32)
            continue;
        for (size_t k = 0; k < m->n_candidates; k++) {
            const aula_sdp_candidate *cd = &m->candidates[k];
            if (cd->component != 1 || strcasecmp(cd->transport, "udp") != 0 ||
                !strchr(cd->address, '.'))
                continue;
            *ip = cd->address;
            *port = cd->port;
            *ufrag = m->ice_ufrag;
            *pwd = m->ice_pwd;
            *setup = m->setup;
            for (size_t j = 0; j < 32; j++)
                sprintf(fp + 3 * j, j + 1 < 32 ? "%02X:" : "%02X", m->fingerprint.bytes[j]);
            return 0;
        }
    }
    return AULA_ENOENT;
}

static int start_peer(hm_peer *p, const aula_sdp *sdp, bool we_offered)
{
    const char *ip, *ufrag, *pwd;
    uint16_t port;
    char fp[96];
    aula_sdp_setup setup;
    if (remote_transport(sdp, &ip, &port, &ufrag, &pwd, fp, &setup) != 0)
        return AULA_ENOENT;
    /* We are the DTLS client unless the answer to our offer took that role. */
    bool client = !(we_offered && setup == AULA_SDP_SETUP_ACTIVE);
    return hm_peer_start(p, ip, port, ufrag, pwd, fp, client);
}

int hm_client_publish_answer(hm_client *c, const char *text)
{
    aula_sdp *sdp;
    char err[128];
    if (aula_sdp_parse(text, strlen(text), &sdp, err, sizeof err) != 0) {
        AULA_LOG_WARN("hammer", "bad answer", "idx=%d err=\"%s\"", c->idx, err);
        return AULA_EPROTO;
    }
    int r = start_peer(c->pub, sdp, true);
    aula_sdp_free(sdp);
    return r;
}

char *hm_client_subscribe(hm_client *c, const char *text)
{
    hammer *h = c->h;
    aula_sdp *sdp;
    char err[128];
    if (aula_sdp_parse(text, strlen(text), &sdp, err, sizeof err) != 0) {
        AULA_LOG_WARN("hammer", "bad offer", "idx=%d err=\"%s\"", c->idx, err);
        return NULL;
    }
    if (!c->sub)
        c->sub = hm_peer_create(h->loop, h->identity, h->opt.bind_ip, &h->totals, &sub_cb, c);
    if (!c->sub) {
        aula_sdp_free(sdp);
        return NULL;
    }
    sb b = {0};
    sb_printf(&b, "v=0\r\no=- %u 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n", (unsigned)rand());
    sb_printf(&b, "a=group:BUNDLE");
    for (size_t i = 0; i < sdp->n_media; i++)
        if (sdp->media[i].port && sdp->media[i].mid)
            sb_printf(&b, " %s", sdp->media[i].mid);
    sb_printf(&b, "\r\na=msid-semantic: WMS\r\n");
    c->n_rx = 0;
    for (size_t i = 0; i < sdp->n_media; i++) {
        const aula_sdp_media *m = &sdp->media[i];
        bool ok = m->port && m->mid && m->n_codecs > 0 &&
                  (m->kind == AULA_SDP_AUDIO || m->kind == AULA_SDP_VIDEO);
        sb_printf(&b, "m=%s %d UDP/TLS/RTP/SAVPF", m->kind_name, ok ? 9 : 0);
        for (size_t k = 0; k < (ok ? m->n_codecs : 1); k++)
            sb_printf(&b, " %u", m->n_codecs ? m->codecs[k].pt : 0);
        sb_printf(&b, "\r\n");
        transport_lines(&b, c, c->sub, "active");
        if (m->mid)
            sb_printf(&b, "a=mid:%s\r\n", m->mid);
        if (!ok) {
            sb_printf(&b, "a=inactive\r\n");
            continue;
        }
        sb_printf(&b, "a=recvonly\r\n");
        for (size_t k = 0; k < m->n_codecs; k++) {
            const aula_sdp_codec *cd = &m->codecs[k];
            if (!cd->name)
                continue;
            sb_printf(&b, "a=rtpmap:%u %s/%u", cd->pt, cd->name, cd->clock_rate);
            if (cd->channels > 1)
                sb_printf(&b, "/%u", cd->channels);
            sb_printf(&b, "\r\n");
            if (cd->fmtp)
                sb_printf(&b, "a=fmtp:%u %s\r\n", cd->pt, cd->fmtp);
            for (size_t f = 0; f < cd->n_fb; f++)
                sb_printf(&b, "a=rtcp-fb:%u %s\r\n", cd->pt, cd->fb[f]);
        }
        /* Streams are measured by SSRC; the first a=ssrc of a section is
         * its media (the others are RTX). */
        if (m->n_ssrcs > 0 && c->n_rx < HM_MAX_STREAMS) {
            hm_rx *rx = &c->rx[c->n_rx++];
            bool video = m->kind == AULA_SDP_VIDEO;
            hm_rx_init(&rx->s, m->ssrcs[0].ssrc, video ? 90000 : 48000);
            rx->video = video;
            rx->n_nack = 0;
        }
    }
    int r = start_peer(c->sub, sdp, false);
    aula_sdp_free(sdp);
    if (r != 0) {
        aula_free(b.s);
        return NULL;
    }
    c->subscribed = true;
    return b.s;
}

/* ---- publisher ---- */

static void pub_on_connected(void *ud)
{
    hm_client *c = ud;
    c->published = true;
    c->pub_start_ns = uv_hrtime();
    if (!c->ring)
        c->ring = aula_calloc(HM_RING, sizeof *c->ring);
}

static void stamp(uint8_t *p)
{
    uint64_t now_ns = hm_wall_ns();
    memcpy(p, "HAMR", 4);
    aula_put_u32be(p + 4, (uint32_t)(now_ns >> 32));
    aula_put_u32be(p + 8, (uint32_t)now_ns);
}

static void rtp_header(uint8_t *p, uint8_t pt, bool marker, uint16_t seq, uint32_t ts,
                       uint32_t ssrc)
{
    p[0] = 0x80;
    p[1] = (uint8_t)(pt | (marker ? 0x80 : 0));
    aula_put_u16be(p + 2, seq);
    aula_put_u32be(p + 4, ts);
    aula_put_u32be(p + 8, ssrc);
}

static void send_copy(hm_client *c, const uint8_t *pkt, size_t len)
{
    uint8_t buf[1500 + AULA_SRTP_MAX_TRAILER];
    memcpy(buf, pkt, len);
    hm_peer_send_rtp(c->pub, buf, len, sizeof buf);
}

/* RFC 7741 section 4: one-byte payload descriptor, S set on the first
 * packet of the frame, partition 0; the marker ends the frame. */
static void send_video_frame(hm_client *c, const hm_frame *f, uint32_t ts)
{
    size_t off = 0;
    while (off < f->len) {
        size_t chunk = f->len - off < HM_VP8_CHUNK ? f->len - off : HM_VP8_CHUNK;
        bool last = off + chunk == f->len;
        hm_pub_slot *s = &c->ring[c->vseq % HM_RING];
        uint8_t *p = s->data;
        rtp_header(p, HM_PT_VP8, last, c->vseq, ts, c->vssrc);
        p[12] = off == 0 ? 0x10 : 0x00;
        memcpy(p + 13, f->data + off, chunk);
        stamp(p + 13 + chunk);
        s->seq = c->vseq;
        s->len = (uint16_t)(13 + chunk + HM_TRAILER);
        send_copy(c, p, s->len);
        c->vseq++;
        c->vpackets++;
        c->vbytes += (uint32_t)(chunk + 1 + HM_TRAILER);
        off += chunk;
    }
}

static void send_audio_frame(hm_client *c, const hm_frame *f, uint32_t ts)
{
    uint8_t p[1500];
    if (f->len > sizeof p - 12 - HM_TRAILER)
        return;
    rtp_header(p, HM_PT_OPUS, false, c->aseq++, ts, c->assrc);
    memcpy(p + 12, f->data, f->len);
    stamp(p + 12 + f->len);
    send_copy(c, p, 12 + f->len + HM_TRAILER);
    c->apackets++;
    c->abytes += f->len + HM_TRAILER;
}

static uint64_t ntp_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t sec = (uint64_t)ts.tv_sec + 2208988800u;
    return (sec << 32) | (((uint64_t)ts.tv_nsec << 32) / 1000000000u);
}

static void send_sr(hm_client *c, uint32_t ssrc, uint32_t rtp_ts, uint32_t pkts, uint32_t bytes)
{
    aula_rtcp_sr sr = {.ssrc = ssrc,
                       .ntp_time = ntp_now(),
                       .rtp_time = rtp_ts,
                       .packet_count = pkts,
                       .octet_count = bytes};
    uint8_t buf[256 + AULA_SRTP_MAX_TRAILER];
    size_t len;
    if (aula_rtcp_build_sr(&sr, buf, 256, &len) == 0)
        hm_peer_send_rtcp(c->pub, buf, len, sizeof buf);
}

/* Sends every frame whose time has come: video at 30 frames/s, audio
 * every 20 ms, both looping over their files. */
static void pace(hm_client *c, uint64_t now_ms, uint64_t now_ns)
{
    hammer *h = c->h;
    uint64_t el = now_ns - c->pub_start_ns;
    while (c->vframes * 1000000000ull / 30 <= el) {
        const hm_frame *f = &h->video.frames[c->vframes % h->video.n];
        send_video_frame(c, f, c->vts0 + (uint32_t)(c->vframes * 3000));
        c->vframes++;
    }
    while (c->aframes * 20000000ull <= el) {
        const hm_frame *f = &h->audio.frames[c->aframes % h->audio.n];
        send_audio_frame(c, f, c->ats0 + (uint32_t)(c->aframes * 960));
        c->aframes++;
    }
    if (now_ms >= c->next_sr_ms) {
        c->next_sr_ms = now_ms + SR_INTERVAL_MS;
        send_sr(c, c->vssrc, c->vts0 + (uint32_t)(el * 9 / 100000), c->vpackets, c->vbytes);
        send_sr(c, c->assrc, c->ats0 + (uint32_t)(el * 48 / 1000000), c->apackets, c->abytes);
    }
}

static void pub_on_rtcp(void *ud, const uint8_t *pkt, size_t len)
{
    hm_client *c = ud;
    aula_rtcp_iter it;
    aula_rtcp_header hd;
    aula_rtcp_iter_init(&it, pkt, len);
    while (aula_rtcp_iter_next(&it, &hd) == 0) {
        aula_rtcp_nack n;
        if (hd.type != AULA_RTCP_RTPFB || hd.count != AULA_RTCP_FMT_NACK ||
            aula_rtcp_parse_nack(&hd, &n) != 0 || n.media_ssrc != c->vssrc || !c->ring)
            continue;
        for (size_t i = 0; i < n.item_count; i++) {
            uint16_t seqs[17];
            size_t k = aula_rtcp_nack_item_seqs(aula_rtcp_nack_item_at(&n, i), seqs);
            for (size_t j = 0; j < k; j++) {
                hm_pub_slot *s = &c->ring[seqs[j] % HM_RING];
                if (s->len && s->seq == seqs[j]) {
                    send_copy(c, s->data, s->len);
                    c->h->nack_rtx++;
                }
            }
        }
    }
}

static void pub_on_failed(void *ud, const char *why)
{
    hm_client_fail(ud, why);
}

static const hm_peer_callbacks pub_cb = {
    .on_connected = pub_on_connected,
    .on_rtcp = pub_on_rtcp,
    .on_failed = pub_on_failed,
};

/* ---- viewer ---- */

static hm_rx *find_rx(hm_client *c, uint32_t ssrc, uint8_t pt)
{
    for (size_t i = 0; i < c->n_rx; i++)
        if (c->rx[i].s.ssrc == ssrc)
            return &c->rx[i];
    /* A stream the offer did not list: learn it (Opus is the only audio). */
    if (c->n_rx == HM_MAX_STREAMS)
        return NULL;
    hm_rx *rx = &c->rx[c->n_rx++];
    rx->video = pt != HM_PT_OPUS;
    hm_rx_init(&rx->s, ssrc, rx->video ? 90000 : 48000);
    rx->n_nack = 0;
    return rx;
}

static void send_nack(hm_client *c, hm_rx *rx)
{
    uint16_t seqs[HM_MAX_NACK];
    size_t n = 0;
    for (size_t i = 0; i < rx->n_nack; i++)
        seqs[n++] = (uint16_t)rx->nack_ext[i];
    aula_rtcp_nack_item items[HM_MAX_NACK];
    size_t ni;
    uint8_t buf[512 + AULA_SRTP_MAX_TRAILER];
    size_t len;
    if (n == 0 || aula_rtcp_nack_from_seqs(seqs, n, items, HM_MAX_NACK, &ni) != 0 ||
        aula_rtcp_build_nack(c->rr_ssrc, rx->s.ssrc, items, ni, buf, 512, &len) != 0)
        return;
    hm_peer_send_rtcp(c->sub, buf, len, sizeof buf);
    c->h->nack_sent++;
}

/* Delay and jitter use the kernel's receive time rx_ns; join time this
 * process's clock (the join started on it). */
static void sub_on_rtp(void *ud, uint8_t *pkt, size_t len, uint64_t rx_ns)
{
    hm_client *c = ud;
    hammer *h = c->h;
    aula_rtp_header hd;
    if (aula_rtp_parse(pkt, len, &hd) != 0)
        return;
    hm_rx *rx = find_rx(c, hd.ssrc, hd.payload_type);
    if (!rx)
        return;
    if (!c->first_media_ns) {
        c->first_media_ns = uv_hrtime();
        hm_hist_add(&h->join_ms, (c->first_media_ns - c->join_start_ns) / 1000000u);
    }
    int64_t arrival = (int64_t)(rx_ns / (1000000000ull / rx->s.clock_rate));
    uint64_t lost[HM_MAX_NACK];
    size_t n_lost;
    hm_rx_result r =
        hm_rx_packet(&rx->s, hd.seq, hd.timestamp, arrival, lost, HM_MAX_NACK, &n_lost);
    if (r == HM_RX_NEW && h->measuring && hd.payload_len >= HM_TRAILER) {
        const uint8_t *t = pkt + hd.payload_offset + hd.payload_len - HM_TRAILER;
        if (memcmp(t, "HAMR", 4) == 0) {
            uint64_t sent = (uint64_t)aula_get_u32be(t + 4) << 32 | aula_get_u32be(t + 8);
            if (rx_ns >= sent)
                hm_hist_add(&h->delay_us, (rx_ns - sent) / 1000u);
        }
    }
    /* A browser NACKs video only (audio has FEC), at once on a gap. */
    if (n_lost > 0 && rx->video) {
        for (size_t i = 0; i < n_lost && rx->n_nack < HM_MAX_NACK; i++) {
            rx->nack_ext[rx->n_nack] = lost[i];
            rx->nack_tries[rx->n_nack++] = 1;
        }
        send_nack(c, rx);
    }
}

/* Drops recovered and given-up entries, then asks again for the rest. */
static void retry_nacks(hm_client *c, hm_rx *rx)
{
    size_t k = 0;
    for (size_t i = 0; i < rx->n_nack; i++) {
        if (hm_rx_has(&rx->s, rx->nack_ext[i]) || rx->nack_tries[i] >= NACK_RETRY_MAX ||
            rx->s.max_ext - rx->nack_ext[i] >= HM_SEQ_WINDOW)
            continue;
        rx->nack_ext[k] = rx->nack_ext[i];
        rx->nack_tries[k++] = (uint8_t)(rx->nack_tries[i] + 1);
    }
    rx->n_nack = k;
    send_nack(c, rx);
}

static void send_rr(hm_client *c)
{
    aula_rtcp_rr rr = {.ssrc = c->rr_ssrc};
    for (size_t i = 0; i < c->n_rx && rr.report_count < AULA_RTCP_MAX_COUNT; i++) {
        hm_rx_stream *s = &c->rx[i].s;
        if (!s->started)
            continue;
        /* RFC 3550 section 6.4.1: fraction lost in the interval. */
        uint64_t de = hm_rx_expected(s) - s->rr_expected, dr = s->unique - s->rr_received;
        aula_rtcp_report_block *b = &rr.reports[rr.report_count++];
        b->ssrc = s->ssrc;
        b->fraction_lost = de > dr && de ? (uint8_t)(((de - dr) << 8) / de) : 0;
        b->cumulative_lost =
            (int32_t)(hm_rx_expected(s) > s->unique ? hm_rx_expected(s) - s->unique : 0);
        b->highest_seq = (uint32_t)s->max_ext;
        b->jitter = s->jitter_q4 >> 4;
        s->rr_expected = hm_rx_expected(s);
        s->rr_received = s->unique;
    }
    uint8_t buf[1024 + AULA_SRTP_MAX_TRAILER];
    size_t len;
    if (aula_rtcp_build_rr(&rr, buf, 1024, &len) == 0)
        hm_peer_send_rtcp(c->sub, buf, len, sizeof buf);
}

void hm_client_restart_stats(hm_client *c)
{
    for (size_t i = 0; i < c->n_rx; i++) {
        hm_rx_restart(&c->rx[i].s);
        c->rx[i].s.rr_expected = 0;
        c->rx[i].s.rr_received = 0;
    }
}

void hm_client_tick(hm_client *c, uint64_t now_ms, uint64_t now_ns)
{
    if (c->failed)
        return;
    if (c->published)
        pace(c, now_ms, now_ns);
    if (c->sub && hm_peer_connected(c->sub)) {
        if (now_ms >= c->next_nack_ms) {
            c->next_nack_ms = now_ms + NACK_RETRY_MS;
            for (size_t i = 0; i < c->n_rx; i++)
                if (c->rx[i].n_nack)
                    retry_nacks(c, &c->rx[i]);
        }
        if (now_ms >= c->next_rr_ms) {
            c->next_rr_ms = now_ms + RR_INTERVAL_MS - 100 + (uint64_t)(rand() % 200);
            send_rr(c);
        }
    }
}

static void sub_on_failed(void *ud, const char *why)
{
    hm_client_fail(ud, why);
}

static const hm_peer_callbacks sub_cb = {
    .on_rtp = sub_on_rtp,
    .on_failed = sub_on_failed,
};
