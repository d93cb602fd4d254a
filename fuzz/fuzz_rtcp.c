/* Fuzzes the RTCP compound iterator and every parser. Each packet that
 * parses is built again from the parsed value and parsed a second time; the
 * two parses must agree, and every built packet must be a valid compound. */
#include "core/error.h"
#include "rtc/rtcp.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Parses the single packet that a builder wrote into buf. */
static void reparse(const uint8_t *buf, size_t len, aula_rtcp_header *h)
{
    aula_rtcp_iter it;
    aula_rtcp_header rest;
    if (len % 4 != 0 || aula_rtcp_validate(buf, len) != 0)
        abort();
    aula_rtcp_iter_init(&it, buf, len);
    if (aula_rtcp_iter_next(&it, h) != 0 || aula_rtcp_iter_next(&it, &rest) != AULA_ENOENT)
        abort();
}

static void same_blocks(const aula_rtcp_report_block *a, const aula_rtcp_report_block *b,
                        unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (a[i].ssrc != b[i].ssrc || a[i].fraction_lost != b[i].fraction_lost ||
            a[i].cumulative_lost != b[i].cumulative_lost || a[i].highest_seq != b[i].highest_seq ||
            a[i].jitter != b[i].jitter || a[i].lsr != b[i].lsr || a[i].dlsr != b[i].dlsr)
            abort();
}

static void check_reports(const aula_rtcp_header *h, uint8_t *buf, size_t cap)
{
    aula_rtcp_header g;
    size_t n;
    if (h->type == AULA_RTCP_SR) {
        aula_rtcp_sr a, b;
        if (aula_rtcp_parse_sr(h, &a) != 0)
            return;
        if (aula_rtcp_build_sr(&a, buf, cap, &n) != 0)
            abort();
        reparse(buf, n, &g);
        if (aula_rtcp_parse_sr(&g, &b) != 0 || a.ssrc != b.ssrc || a.ntp_time != b.ntp_time ||
            a.rtp_time != b.rtp_time || a.packet_count != b.packet_count ||
            a.octet_count != b.octet_count || a.report_count != b.report_count)
            abort();
        same_blocks(a.reports, b.reports, a.report_count);
    } else if (h->type == AULA_RTCP_RR) {
        aula_rtcp_rr a, b;
        if (aula_rtcp_parse_rr(h, &a) != 0)
            return;
        if (aula_rtcp_build_rr(&a, buf, cap, &n) != 0)
            abort();
        reparse(buf, n, &g);
        if (aula_rtcp_parse_rr(&g, &b) != 0 || a.ssrc != b.ssrc || a.report_count != b.report_count)
            abort();
        same_blocks(a.reports, b.reports, a.report_count);
    }
}

static void check_sdes_bye(const aula_rtcp_header *h, uint8_t *buf, size_t cap)
{
    aula_rtcp_header g;
    size_t n;
    if (h->type == AULA_RTCP_SDES) {
        aula_rtcp_sdes a, b;
        if (aula_rtcp_parse_sdes(h, &a) != 0)
            return;
        if (aula_rtcp_build_sdes(&a, buf, cap, &n) != 0)
            abort();
        reparse(buf, n, &g);
        if (aula_rtcp_parse_sdes(&g, &b) != 0 || a.chunk_count != b.chunk_count)
            abort();
        for (unsigned i = 0; i < a.chunk_count; i++)
            if (a.chunks[i].ssrc != b.chunks[i].ssrc ||
                a.chunks[i].cname_len != b.chunks[i].cname_len ||
                (a.chunks[i].cname == NULL) != (b.chunks[i].cname == NULL) ||
                (a.chunks[i].cname &&
                 memcmp(a.chunks[i].cname, b.chunks[i].cname, a.chunks[i].cname_len) != 0))
                abort();
    } else if (h->type == AULA_RTCP_BYE) {
        aula_rtcp_bye a, b;
        if (aula_rtcp_parse_bye(h, &a) != 0)
            return;
        if (aula_rtcp_build_bye(&a, buf, cap, &n) != 0)
            abort();
        reparse(buf, n, &g);
        if (aula_rtcp_parse_bye(&g, &b) != 0 || a.ssrc_count != b.ssrc_count ||
            memcmp(a.ssrcs, b.ssrcs, sizeof a.ssrcs[0] * a.ssrc_count) != 0 ||
            a.reason_len != b.reason_len || (a.reason == NULL) != (b.reason == NULL) ||
            (a.reason && memcmp(a.reason, b.reason, a.reason_len) != 0))
            abort();
    }
}

/* NACK: the items survive a build, and the set of lost numbers survives
 * items -> numbers -> items -> numbers. */
static void check_nack(const aula_rtcp_header *h, uint8_t *buf, size_t cap)
{
    aula_rtcp_nack a, b;
    aula_rtcp_header g;
    size_t n;
    if (aula_rtcp_parse_nack(h, &a) != 0)
        return;
    aula_rtcp_nack_item *items = malloc(a.item_count * sizeof *items);
    uint16_t *seqs = malloc(a.item_count * 17 * sizeof *seqs);
    uint16_t *seqs2 = malloc(a.item_count * 17 * sizeof *seqs2);
    aula_rtcp_nack_item *items2 = malloc(a.item_count * 17 * sizeof *items2);
    uint8_t *seen = calloc(65536, 1);
    if (!items || !seqs || !seqs2 || !items2 || !seen)
        abort();
    for (size_t i = 0; i < a.item_count; i++)
        items[i] = aula_rtcp_nack_item_at(&a, i);
    if (aula_rtcp_build_nack(a.sender_ssrc, a.media_ssrc, items, a.item_count, buf, cap, &n) != 0)
        abort();
    reparse(buf, n, &g);
    if (aula_rtcp_parse_nack(&g, &b) != 0 || b.item_count != a.item_count)
        abort();
    for (size_t i = 0; i < a.item_count; i++) {
        aula_rtcp_nack_item x = aula_rtcp_nack_item_at(&b, i);
        if (x.pid != items[i].pid || x.blp != items[i].blp)
            abort();
    }
    size_t ns, ni, ns2;
    if (aula_rtcp_nack_to_seqs(items, a.item_count, seqs, a.item_count * 17, &ns) != 0 ||
        aula_rtcp_nack_from_seqs(seqs, ns, items2, a.item_count * 17, &ni) != 0 ||
        aula_rtcp_nack_to_seqs(items2, ni, seqs2, a.item_count * 17, &ns2) != 0 || ns2 > ns)
        abort();
    for (size_t i = 0; i < ns2; i++)
        seen[seqs2[i]] = 1;
    for (size_t i = 0; i < ns; i++)
        if (!seen[seqs[i]])
            abort();
    free(seen);
    free(items2);
    free(seqs2);
    free(seqs);
    free(items);
}

static void check_fir(const aula_rtcp_header *h, uint8_t *buf, size_t cap)
{
    aula_rtcp_fir a, b;
    aula_rtcp_header g;
    size_t n;
    if (aula_rtcp_parse_fir(h, &a) != 0)
        return;
    aula_rtcp_fir_entry *e = malloc(a.entry_count * sizeof *e);
    if (!e)
        abort();
    for (size_t i = 0; i < a.entry_count; i++)
        e[i] = aula_rtcp_fir_entry_at(&a, i);
    if (aula_rtcp_build_fir(a.sender_ssrc, e, a.entry_count, buf, cap, &n) != 0)
        abort();
    reparse(buf, n, &g);
    if (aula_rtcp_parse_fir(&g, &b) != 0 || b.entry_count != a.entry_count)
        abort();
    for (size_t i = 0; i < a.entry_count; i++) {
        aula_rtcp_fir_entry x = aula_rtcp_fir_entry_at(&b, i);
        if (x.ssrc != e[i].ssrc || x.seq != e[i].seq)
            abort();
    }
    free(e);
}

static void check_remb(const aula_rtcp_header *h, uint8_t *buf, size_t cap)
{
    aula_rtcp_remb a, b;
    aula_rtcp_header g;
    size_t n;
    if (aula_rtcp_parse_remb(h, &a) != 0)
        return;
    if (aula_rtcp_build_remb(&a, buf, cap, &n) != 0)
        abort();
    reparse(buf, n, &g);
    if (aula_rtcp_parse_remb(&g, &b) != 0 || a.sender_ssrc != b.sender_ssrc ||
        a.ssrc_count != b.ssrc_count ||
        memcmp(a.ssrcs, b.ssrcs, sizeof a.ssrcs[0] * a.ssrc_count) != 0)
        abort();
    /* A saturated bitrate is rounded down on the way back. */
    if (a.bitrate_bps != UINT64_MAX && a.bitrate_bps != b.bitrate_bps)
        abort();
}

static void check_twcc(const aula_rtcp_header *h, uint8_t *buf, size_t cap)
{
    aula_rtcp_twcc a, b;
    aula_rtcp_header g;
    size_t n;
    if (aula_rtcp_parse_twcc(h, &a) != 0)
        return;
    aula_rtcp_twcc_packet *p = malloc(a.status_count * sizeof *p);
    if (!p)
        abort();
    aula_rtcp_twcc_iter it;
    aula_rtcp_twcc_iter_init(&it, &a);
    for (size_t i = 0; i < a.status_count; i++)
        if (aula_rtcp_twcc_iter_next(&it, &p[i]) != 0)
            abort();
    if (aula_rtcp_twcc_iter_next(&it, &p[0]) != AULA_ENOENT)
        abort();
    if (aula_rtcp_build_twcc(&a, p, a.status_count, buf, cap, &n) != 0)
        abort();
    reparse(buf, n, &g);
    if (aula_rtcp_parse_twcc(&g, &b) != 0 || b.base_seq != a.base_seq ||
        b.status_count != a.status_count || b.reference_time != a.reference_time ||
        b.fb_pkt_count != a.fb_pkt_count || b.sender_ssrc != a.sender_ssrc ||
        b.media_ssrc != a.media_ssrc)
        abort();
    aula_rtcp_twcc_iter_init(&it, &b);
    for (size_t i = 0; i < a.status_count; i++) {
        aula_rtcp_twcc_packet q;
        if (aula_rtcp_twcc_iter_next(&it, &q) != 0 || q.seq != p[i].seq ||
            q.status != p[i].status || q.delta != p[i].delta)
            abort();
    }
    free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Large enough for any rebuilt packet: the 16-bit length caps them. */
    static const size_t cap = 4 * 65536 + 64;
    uint8_t *buf = malloc(cap);
    if (!buf)
        return 0;
    (void)aula_rtcp_validate(data, size);
    aula_rtcp_iter it;
    aula_rtcp_header h;
    aula_rtcp_iter_init(&it, data, size);
    while (aula_rtcp_iter_next(&it, &h) == 0) {
        if (h.packet < data || h.packet + h.size > data + size ||
            h.body + h.body_len + h.padding_len != h.packet + h.size)
            abort();
        check_reports(&h, buf, cap);
        check_sdes_bye(&h, buf, cap);
        check_nack(&h, buf, cap);
        check_fir(&h, buf, cap);
        check_remb(&h, buf, cap);
        check_twcc(&h, buf, cap);
        aula_rtcp_fb fb;
        if (aula_rtcp_parse_pli(&h, &fb) == 0) {
            size_t n;
            aula_rtcp_header g;
            if (aula_rtcp_build_pli(fb.sender_ssrc, fb.media_ssrc, buf, cap, &n) != 0)
                abort();
            reparse(buf, n, &g);
        }
    }
    free(buf);
    return 0;
}
