/* Fuzzes the SDP parser and, through it, the writer: whatever bytes arrive,
 * aula_sdp_parse either refuses them or returns a structure whose strings
 * and arrays are all readable; that structure is then written back as an
 * answer, and whatever the writer accepts must parse again (a writer that
 * emitted SDP its own parser rejects would break every call). */
#include "core/alloc.h"
#include "core/buf.h"
#include "core/error.h"
#include "rtc/sdp.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Touches every string and array element so ASan sees any bad pointer. */
static size_t walk(const aula_sdp *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n_bundle; i++)
        n += strlen(s->bundle_mids[i]);
    for (size_t i = 0; i < s->n_media; i++) {
        const aula_sdp_media *m = &s->media[i];
        n += strlen(m->proto) + (m->mid ? strlen(m->mid) : 0);
        for (size_t j = 0; j < m->n_codecs; j++) {
            const aula_sdp_codec *c = &m->codecs[j];
            uint32_t v;
            n += (c->name ? strlen(c->name) : 0) + (c->fmtp ? strlen(c->fmtp) : 0);
            for (size_t k = 0; k < c->n_fb; k++)
                n += strlen(c->fb[k]);
            n += aula_sdp_param_get_uint(c->fmtp, "apt", &v) == 0;
            n += aula_sdp_find_rtx(m, c->pt) != NULL;
        }
        for (size_t j = 0; j < m->n_extmaps; j++)
            n += strlen(m->extmaps[j].uri);
        for (size_t j = 0; j < m->n_ssrcs; j++)
            n += m->ssrcs[j].cname ? strlen(m->ssrcs[j].cname) : 0;
        for (size_t j = 0; j < m->n_candidates; j++)
            n += strlen(m->candidates[j].address) + strlen(m->candidates[j].type);
        for (size_t j = 0; j < m->n_rids; j++)
            n += strlen(m->rids[j].id) + strlen(m->rids[j].params);
        for (size_t j = 0; j < m->simulcast.n_send; j++)
            for (size_t k = 0; k < m->simulcast.send[j].n_alts; k++)
                n += strlen(m->simulcast.send[j].alts[k].rid);
        n += aula_sdp_find_extmap(m, AULA_SDP_EXT_MID);
    }
    return n;
}

/* Echoes the parsed offer as an answer built from its own values. */
static void write_back(const aula_sdp *s)
{
    aula_sdp_out_media media[AULA_SDP_MAX_MEDIA];
    const aula_sdp_media *m0 = &s->media[0];
    aula_sdp_out d = {
        .session_version = s->session_version,
        .ice_lite = true,
        .ice_ufrag = m0->ice_ufrag,
        .ice_pwd = m0->ice_pwd,
        .ice_options = m0->ice_options,
        .fingerprint = m0->fingerprint,
        .setup = AULA_SDP_SETUP_PASSIVE,
        .candidates = m0->candidates,
        .n_candidates = m0->n_candidates,
        .end_of_candidates = true,
        .media = media,
        .n_media = s->n_media,
    };
    for (size_t i = 0; i < s->n_media; i++) {
        const aula_sdp_media *m = &s->media[i];
        media[i] = (aula_sdp_out_media){
            .kind = m->kind,
            .mid = m->mid,
            .dir = m->dir,
            .rejected = m->port == 0,
            .rtcp_rsize = m->rtcp_rsize,
            .codecs = m->codecs,
            .n_codecs = m->n_codecs,
            .extmaps = m->extmaps,
            .n_extmaps = m->n_extmaps,
            .msid_stream = m->msid_stream,
            .msid_track = m->msid_track,
            .ssrcs = m->ssrcs,
            .n_ssrcs = m->n_ssrcs,
            .ssrc_groups = m->ssrc_groups,
            .n_ssrc_groups = m->n_ssrc_groups,
            .rids = m->rids,
            .n_rids = m->n_rids,
            .simulcast = m->has_simulcast ? &m->simulcast : NULL,
            .sctp_port = m->sctp_port,
            .max_message_size = m->max_message_size,
        };
    }
    aula_buf b;
    aula_buf_init(&b);
    if (aula_sdp_write(&d, &b) == 0) {
        aula_sdp *again = NULL;
        int rc = aula_sdp_parse(b.data, b.len, &again, NULL, 0);
        /* Only a limit may stop the re-parse (the writer repeats candidates
         * in every section, so the text can grow past AULA_SDP_MAX_TEXT). */
        if (rc != 0 && rc != AULA_ETOOBIG)
            abort();
        if (rc == 0 && again->n_media != s->n_media)
            abort();
        aula_sdp_free(again);
    }
    aula_buf_deinit(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    aula_sdp *s = NULL;
    char err[128];
    int rc = aula_sdp_parse((const char *)data, size, &s, err, sizeof err);
    if (rc == 0) {
        volatile size_t sink = walk(s);
        (void)sink;
        if (s->n_media > 0)
            write_back(s);
        aula_sdp_free(s);
    } else if (s != NULL || strncmp(err, "line ", 5) != 0) {
        abort();
    }
    return 0;
}
