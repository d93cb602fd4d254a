/* Media signaling without a network: real Chromium offers
 * (tests/unit/fixtures/sdp) go through media.publish, two participants of a
 * room subscribe to each other, and the worker commands are recorded by a
 * fake send callback instead of going to a worker thread. */
#include "core/alloc.h"
#include "core/buf.h"
#include "room/host_controls.h"
#include "room/media_signaling.h"
#include "room/room.h"
#include "rtc/sdp.h"
#include "store/store.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define FIXTURES AULA_TEST_SOURCE_DIR "/tests/unit/fixtures/sdp/"
#define OUR_FP                                                                                     \
    "11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:"   \
    "FF:00"

typedef struct inbox {
    char last[512];
    int renegotiate, media_state, failed;
} inbox;

static void deliver(void *ud, const char *text, size_t len)
{
    inbox *in = ud;
    snprintf(in->last, sizeof in->last, "%.*s", (int)len, text);
    in->renegotiate += strstr(in->last, "\"media.renegotiate\"") != NULL;
    in->media_state += strstr(in->last, "\"participant.media\"") != NULL;
    in->failed += strstr(in->last, "\"media.failed\"") != NULL;
}

static const aula_participant_sink sink = {.deliver = deliver};

typedef struct fixture {
    char dir[64];
    char path[128];
    aula_store *store;
    aula_rooms *rooms;
    aula_media_sig *ms;
    aula_media_msg sent[64];
    size_t n_sent;
} fixture;

static void fake_send(void *ud, size_t worker, const aula_media_msg *m)
{
    fixture *f = ud;
    assert_true(worker < 2);
    assert_true(f->n_sent < 64);
    f->sent[f->n_sent++] = *m;
}

static int fake_port(void *ud, size_t worker)
{
    (void)ud;
    return 40000 + (int)worker;
}

static size_t count(const fixture *f, aula_media_msg_type type)
{
    size_t n = 0;
    for (size_t i = 0; i < f->n_sent; i++)
        n += f->sent[i].type == type;
    return n;
}

static const aula_media_msg *find(const fixture *f, aula_media_msg_type type)
{
    for (size_t i = 0; i < f->n_sent; i++)
        if (f->sent[i].type == type)
            return &f->sent[i];
    return NULL;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    strcpy(f->dir, "/tmp/aula-msig-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/aula.db", f->dir);
    assert_int_equal(aula_store_sqlite_open(f->path, &f->store), 0);
    assert_int_equal(
        aula_store_room_create(
            f->store, &(aula_room_rec){.id = "abc-defg-hjk", .title = "Maths", .created_ms = 1}),
        0);
    f->rooms = aula_rooms_create(f->store);
    aula_media_sig_config cfg = {
        .media_host = "127.0.0.1",
        .fingerprint = OUR_FP,
        .n_workers = 2,
        .send = fake_send,
        .worker_port = fake_port,
        .ud = f,
    };
    f->ms = aula_media_sig_create(&cfg);
    assert_non_null(f->ms);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    aula_media_sig_destroy(f->ms);
    aula_rooms_destroy(f->rooms);
    aula_store_close(f->store);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static json_t *sdp_params(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, FIXTURES "%s", name);
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    static char text[64 * 1024];
    size_t len = fread(text, 1, sizeof text - 1, fp);
    fclose(fp);
    text[len] = '\0';
    return json_pack("{s:s}", "sdp", text);
}

static aula_sdp *parse_result_sdp(json_t *res)
{
    const char *text = json_string_value(json_object_get(res, "sdp"));
    assert_non_null(text);
    aula_sdp *sdp = NULL;
    char why[128];
    assert_int_equal(aula_sdp_parse(text, strlen(text), &sdp, why, sizeof why), 0);
    return sdp;
}

/* An answer a browser's peer connection (ICE ufrag, every byte of its
 * certificate's fingerprint fp_byte) would give to offer: every live section
 * recvonly, rejected ones port 0, setup:active. */
static json_t *answer_from(const aula_sdp *offer, const char *ufrag, uint8_t fp_byte)
{
    aula_sdp_out_media media[AULA_SDP_MAX_MEDIA];
    memset(media, 0, sizeof media);
    for (size_t i = 0; i < offer->n_media; i++) {
        const aula_sdp_media *m = &offer->media[i];
        media[i] = (aula_sdp_out_media){.kind = m->kind,
                                        .mid = m->mid,
                                        .dir = AULA_SDP_RECVONLY,
                                        .rejected = m->port == 0,
                                        .codecs = m->codecs,
                                        .n_codecs = m->n_codecs};
    }
    aula_sdp_fingerprint fp = {.alg = "sha-256", .len = 32};
    memset(fp.bytes, fp_byte, 32);
    aula_sdp_out d = {.session_id = 1,
                      .session_version = 1,
                      .ice_ufrag = ufrag,
                      .ice_pwd = "browserpasswordbrowserpw",
                      .fingerprint = fp,
                      .setup = AULA_SDP_SETUP_ACTIVE,
                      .media = media,
                      .n_media = offer->n_media};
    aula_buf b;
    aula_buf_init(&b);
    assert_int_equal(aula_sdp_write(&d, &b), 0);
    aula_buf_append(&b, "", 1);
    json_t *p = json_pack("{s:s}", "sdp", b.data);
    aula_buf_deinit(&b);
    return p;
}

static json_t *browser_answer(const aula_sdp *offer)
{
    return answer_from(offer, "brws", 0xab);
}

static void publish_answer_follows_the_offer(void **state)
{
    fixture *f = *state;
    inbox a = {0};
    aula_participant *pa = NULL;
    assert_int_equal(aula_rooms_join(f->rooms, "abc-defg-hjk", "Ala", &sink, &a, 1, &pa), 0);
    aula_media_peer *peer = aula_media_peer_create(f->ms, pa);
    aula_rpc_error err = {0};
    json_t *params = sdp_params("chrome_av_sendonly.sdp");
    json_t *res = aula_media_publish(peer, params, &err);
    json_decref(params);
    assert_non_null(res);
    aula_sdp *ans = parse_result_sdp(res);
    json_decref(res);

    assert_true(ans->ice_lite);
    assert_int_equal(ans->n_media, 2);
    const aula_sdp_media *au = &ans->media[0], *vi = &ans->media[1];
    assert_string_equal(au->mid, "0");
    assert_int_equal(au->dir, AULA_SDP_RECVONLY);
    assert_int_equal(au->setup, AULA_SDP_SETUP_PASSIVE);
    assert_int_equal(au->n_codecs, 1);
    assert_string_equal(au->codecs[0].name, "opus");
    uint32_t fec = 0, dtx = 0;
    assert_int_equal(aula_sdp_param_get_uint(au->codecs[0].fmtp, "useinbandfec", &fec), 0);
    assert_int_equal(aula_sdp_param_get_uint(au->codecs[0].fmtp, "usedtx", &dtx), 0);
    assert_int_equal(fec, 1);
    assert_int_equal(dtx, 1);
    assert_int_equal(aula_sdp_find_extmap(au, AULA_SDP_EXT_AUDIO_LEVEL), 1);
    assert_int_equal(aula_sdp_find_extmap(au, AULA_SDP_EXT_TWCC), 0);
    assert_int_equal(au->n_candidates, 1);
    assert_string_equal(au->candidates[0].address, "127.0.0.1");
    assert_true(au->candidates[0].port == 40000 || au->candidates[0].port == 40001);
    assert_true(au->end_of_candidates);
    assert_string_equal(vi->codecs[0].name, "VP8");
    assert_true(aula_sdp_codec_has_fb(&vi->codecs[0], "nack pli"));
    assert_false(aula_sdp_codec_has_fb(&vi->codecs[0], "transport-cc"));
    assert_non_null(aula_sdp_find_rtx(vi, vi->codecs[0].pt));
    aula_sdp_free(ans);

    /* TRANSPORT_CREATE, then one PRODUCER_ADD per track with the SSRCs. */
    assert_int_equal(f->sent[0].type, AULA_MEDIA_TRANSPORT_CREATE);
    const aula_media_transport_create *tc = &f->sent[0].u.transport_create;
    assert_int_equal(tc->direction, AULA_MEDIA_PUBLISH);
    assert_true(strncmp(tc->remote_fingerprint, "0A:F2:21", 8) == 0);
    assert_int_equal(tc->ext.mid, 4);
    assert_int_equal(count(f, AULA_MEDIA_PRODUCER_ADD), 2);
    const aula_media_producer_add *v = &f->sent[2].u.producer_add;
    assert_int_equal(v->kind, AULA_MEDIA_VIDEO);
    assert_int_equal(v->ssrc, 3850824570u);
    assert_int_equal(v->rtx_ssrc, 2288446664u);
    assert_int_equal(a.media_state, 1);

    aula_media_peer_destroy(peer);
    assert_int_equal(count(f, AULA_MEDIA_PRODUCER_CLOSE), 2);
    assert_int_equal(count(f, AULA_MEDIA_TRANSPORT_CLOSE), 1);
    aula_participant_leave(pa, 2);
}

static void unusable_offers_are_refused(void **state)
{
    fixture *f = *state;
    inbox a = {0};
    aula_participant *pa = NULL;
    assert_int_equal(aula_rooms_join(f->rooms, "abc-defg-hjk", "Ala", &sink, &a, 1, &pa), 0);
    aula_media_peer *peer = aula_media_peer_create(f->ms, pa);
    aula_rpc_error err = {0};
    json_t *params = sdp_params("chrome_simulcast.sdp");
    json_t *res = aula_media_publish(peer, params, &err);
    json_decref(params);
    /* Simulcast with rids and no a=ssrc is accepted: the answer receives
     * the three rids and the rid header extensions (RFC 8853 section 5.3). */
    assert_non_null(res);
    {
        aula_sdp *ans = parse_result_sdp(res);
        assert_int_equal(ans->n_media, 1);
        const aula_sdp_media *v = &ans->media[0];
        assert_int_not_equal(v->port, 0);
        assert_int_equal(v->n_rids, 3);
        assert_string_equal(v->rids[0].id, "l");
        assert_false(v->rids[2].send);
        assert_true(v->has_simulcast);
        assert_int_equal(v->simulcast.n_recv, 3);
        assert_string_equal(v->simulcast.recv[2].alts[0].rid, "h");
        assert_int_equal(aula_sdp_find_extmap(v, AULA_SDP_EXT_RID), 10);
        assert_int_equal(aula_sdp_find_extmap(v, AULA_SDP_EXT_REPAIRED_RID), 11);
        aula_sdp_free(ans);
        json_decref(res);
    }

    params = json_pack("{s:s}", "sdp", "v=0\r\nbogus\r\n");
    assert_null(aula_media_publish(peer, params, &err));
    json_decref(params);
    assert_int_equal(err.code, AULA_RPC_INVALID_PARAMS);
    assert_non_null(strstr(err.message, "sdp:"));

    params = json_pack("{s:s}", "sdp", "x");
    assert_null(aula_media_answer(peer, params, &err));
    assert_non_null(strstr(err.message, "media.subscribe first"));
    json_decref(params);

    params = json_pack("{s:s,s:b}", "kind", "screen", "paused", 1);
    assert_null(aula_media_pause(peer, params, &err));
    json_decref(params);
    aula_media_peer_destroy(peer);
    aula_participant_leave(pa, 2);
}

static void subscribe_answer_and_leave(void **state)
{
    fixture *f = *state;
    inbox a = {0}, b = {0};
    aula_participant *pa = NULL, *pb = NULL;
    assert_int_equal(aula_rooms_join(f->rooms, "abc-defg-hjk", "Ala", &sink, &a, 1, &pa), 0);
    assert_int_equal(aula_rooms_join(f->rooms, "abc-defg-hjk", "Bartek", &sink, &b, 1, &pb), 0);
    aula_media_peer *ma = aula_media_peer_create(f->ms, pa);
    aula_media_peer *mb = aula_media_peer_create(f->ms, pb);
    aula_rpc_error err = {0};

    /* Nothing published yet: no offer. */
    json_t *res = aula_media_subscribe(mb, NULL, &err);
    assert_true(json_is_null(json_object_get(res, "sdp")));
    json_decref(res);

    json_t *params = sdp_params("chrome_av_sendonly.sdp");
    json_decref(aula_media_publish(ma, params, &err));
    json_decref(params);
    assert_int_equal(b.renegotiate, 1);

    res = aula_media_subscribe(mb, NULL, &err);
    aula_sdp *offer = parse_result_sdp(res);
    json_decref(res);
    assert_int_equal(offer->n_media, 2);
    assert_true(offer->ice_lite);
    assert_int_equal(offer->media[0].dir, AULA_SDP_SENDONLY);
    assert_string_equal(offer->media[1].msid_stream, aula_participant_id(pa));
    assert_int_equal(offer->media[1].n_ssrcs, 1);

    size_t before = f->n_sent;
    json_t *ans = browser_answer(offer);
    res = aula_media_answer(mb, ans, &err);
    assert_non_null(res);
    json_decref(res);
    json_decref(ans);
    assert_int_equal(f->sent[before].type, AULA_MEDIA_TRANSPORT_CREATE);
    assert_int_equal(f->sent[before].u.transport_create.direction, AULA_MEDIA_RECEIVE);
    assert_int_equal(count(f, AULA_MEDIA_CONSUMER_ADD), 2);
    const aula_media_consumer_add *ca = &find(f, AULA_MEDIA_CONSUMER_ADD)->u.consumer_add;
    assert_int_equal(ca->ssrc, offer->media[0].ssrcs[0].ssrc);
    assert_int_equal(ca->payload_type, 111);
    aula_sdp_free(offer);

    /* Pause: a PRODUCER_PAUSE and the state to the room. */
    params = json_pack("{s:s,s:b}", "kind", "video", "paused", 1);
    res = aula_media_pause(ma, params, &err);
    json_decref(params);
    assert_false(json_is_true(json_object_get(res, "video")));
    assert_true(json_is_true(json_object_get(res, "audio")));
    json_decref(res);
    assert_int_equal(count(f, AULA_MEDIA_PRODUCER_PAUSE), 1);
    assert_int_equal(b.media_state, 2);

    /* Transport failure reaches the participant. */
    aula_media_msg rep = {.type = AULA_MEDIA_TRANSPORT_STATE};
    rep.u.transport_report.transport_id = f->sent[before].u.transport_create.transport_id;
    rep.u.transport_report.state = AULA_MEDIA_TS_FAILED;
    aula_media_sig_on_report(f->ms, &rep);
    assert_int_equal(b.failed, 1);
    assert_non_null(strstr(b.last, "receive"));

    /* Ala leaves: Bartek's consumers close and he is told to renegotiate;
     * his next offer keeps both sections, closed. */
    aula_media_peer_destroy(ma);
    assert_int_equal(count(f, AULA_MEDIA_CONSUMER_CLOSE), 2);
    assert_int_equal(b.renegotiate, 2);
    res = aula_media_subscribe(mb, NULL, &err);
    offer = parse_result_sdp(res);
    json_decref(res);
    assert_int_equal(offer->n_media, 2);
    assert_int_equal(offer->media[0].port, 0);
    assert_int_equal(offer->media[1].port, 0);
    aula_sdp_free(offer);

    aula_media_peer_destroy(mb);
    aula_participant_leave(pa, 2);
    aula_participant_leave(pb, 2);
}

/* chrome_av_sendonly.sdp with VP8 (96) and its rtx (97) taken out of the
 * video section: what Chromium offers once setCodecPreferences keeps only
 * H.264. */
static json_t *h264_only_params(void)
{
    json_t *orig = sdp_params("chrome_av_sendonly.sdp");
    const char *text = json_string_value(json_object_get(orig, "sdp"));
    static const char *const drop[] = {"a=rtpmap:96 ", "a=rtcp-fb:96 ", "a=rtpmap:97 ",
                                       "a=fmtp:97 "};
    aula_buf b;
    aula_buf_init(&b);
    for (const char *line = text; *line;) {
        const char *end = strstr(line, "\r\n");
        size_t len = end ? (size_t)(end - line) + 2 : strlen(line);
        int keep = 1;
        for (size_t i = 0; i < sizeof drop / sizeof drop[0]; i++)
            keep &= strncmp(line, drop[i], strlen(drop[i])) != 0;
        if (!strncmp(line, "m=video 9 UDP/TLS/RTP/SAVPF 96 97 ", 34)) {
            aula_buf_printf(&b, "m=video 9 UDP/TLS/RTP/SAVPF ");
            aula_buf_append(&b, line + 34, len - 34);
        } else if (keep) {
            aula_buf_append(&b, line, len);
        }
        line += len;
    }
    aula_buf_append(&b, "", 1);
    assert_null(strstr(b.data, "VP8"));
    json_t *p = json_pack("{s:s}", "sdp", b.data);
    aula_buf_deinit(&b);
    json_decref(orig);
    return p;
}

/* No VP8 offered: H.264 packetization-mode 1 is answered with the offer's
 * payload type, fmtp and rtx, the producer is H.264, and a viewer's offer
 * carries H.264 on aula's payload type 102. */
static void h264_when_vp8_is_not_offered(void **state)
{
    fixture *f = *state;
    inbox a = {0}, b = {0};
    aula_participant *pa = NULL, *pb = NULL;
    assert_int_equal(aula_rooms_join(f->rooms, "abc-defg-hjk", "Ala", &sink, &a, 1, &pa), 0);
    assert_int_equal(aula_rooms_join(f->rooms, "abc-defg-hjk", "Bartek", &sink, &b, 1, &pb), 0);
    aula_media_peer *ma = aula_media_peer_create(f->ms, pa);
    aula_media_peer *mb = aula_media_peer_create(f->ms, pb);
    aula_rpc_error err = {0};

    json_t *params = h264_only_params();
    json_t *res = aula_media_publish(ma, params, &err);
    json_decref(params);
    assert_non_null(res);
    aula_sdp *ans = parse_result_sdp(res);
    json_decref(res);
    assert_int_equal(ans->n_media, 2);
    const aula_sdp_media *vi = &ans->media[1];
    assert_int_not_equal(vi->port, 0);
    assert_int_equal(vi->n_codecs, 2);
    /* 108 is the offer's 42e01f with level-asymmetry-allowed=1 (102 is
     * 42001f, 104 and 114 are packetization-mode 0). */
    assert_string_equal(vi->codecs[0].name, "H264");
    assert_int_equal(vi->codecs[0].pt, 108);
    assert_string_equal(vi->codecs[0].fmtp,
                        "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f");
    assert_true(aula_sdp_codec_has_fb(&vi->codecs[0], "nack pli"));
    assert_true(aula_sdp_codec_has_fb(&vi->codecs[0], "ccm fir"));
    assert_false(aula_sdp_codec_has_fb(&vi->codecs[0], "transport-cc"));
    const aula_sdp_codec *rtx = aula_sdp_find_rtx(vi, 108);
    assert_non_null(rtx);
    assert_int_equal(rtx->pt, 109);
    aula_sdp_free(ans);

    const aula_media_producer_add *au = &f->sent[1].u.producer_add;
    const aula_media_producer_add *v = &f->sent[2].u.producer_add;
    assert_int_equal(f->sent[2].type, AULA_MEDIA_PRODUCER_ADD);
    assert_int_equal(au->codec, AULA_MEDIA_CODEC_DEFAULT);
    assert_int_equal(v->kind, AULA_MEDIA_VIDEO);
    assert_int_equal(v->codec, AULA_MEDIA_CODEC_H264);
    assert_int_equal(v->payload_type, 108);
    assert_int_equal(v->rtx_payload_type, 109);
    assert_int_equal(v->clock_rate, 90000);
    assert_int_equal(v->ssrc, 3850824570u);

    res = aula_media_subscribe(mb, NULL, &err);
    aula_sdp *offer = parse_result_sdp(res);
    json_decref(res);
    assert_int_equal(offer->n_media, 2);
    const aula_sdp_media *ov = &offer->media[1];
    assert_int_equal(ov->kind, AULA_SDP_VIDEO);
    assert_int_equal(ov->n_codecs, 1);
    assert_string_equal(ov->codecs[0].name, "H264");
    assert_int_equal(ov->codecs[0].pt, 102);
    assert_int_equal(ov->codecs[0].clock_rate, 90000);
    uint32_t mode = 0;
    assert_int_equal(aula_sdp_param_get_uint(ov->codecs[0].fmtp, "packetization-mode", &mode), 0);
    assert_int_equal(mode, 1);
    const char *plid = NULL;
    size_t plid_len = 0;
    assert_int_equal(aula_sdp_param_get(ov->codecs[0].fmtp, "profile-level-id", &plid, &plid_len),
                     0);
    assert_int_equal(plid_len, 6);
    assert_memory_equal(plid, "42e01f", 6);
    assert_true(aula_sdp_codec_has_fb(&ov->codecs[0], "nack"));
    assert_true(aula_sdp_codec_has_fb(&ov->codecs[0], "nack pli"));
    assert_true(aula_sdp_codec_has_fb(&ov->codecs[0], "ccm fir"));
    assert_true(aula_sdp_codec_has_fb(&ov->codecs[0], "goog-remb"));
    assert_string_equal(offer->media[0].codecs[0].name, "opus");
    uint32_t viewer_dtx = 0;
    assert_int_equal(aula_sdp_param_get_uint(offer->media[0].codecs[0].fmtp, "usedtx", &viewer_dtx),
                     0);
    assert_int_equal(viewer_dtx, 1);

    size_t before = f->n_sent;
    json_t *bans = browser_answer(offer);
    res = aula_media_answer(mb, bans, &err);
    assert_non_null(res);
    json_decref(res);
    json_decref(bans);
    aula_sdp_free(offer);
    assert_int_equal(count(f, AULA_MEDIA_CONSUMER_ADD), 2);
    int seen_video = 0;
    for (size_t i = before; i < f->n_sent; i++) {
        if (f->sent[i].type != AULA_MEDIA_CONSUMER_ADD)
            continue;
        const aula_media_consumer_add *ca = &f->sent[i].u.consumer_add;
        if (ca->producer_id == v->producer_id) {
            assert_int_equal(ca->payload_type, 102);
            seen_video = 1;
        } else {
            assert_int_equal(ca->payload_type, 111);
        }
    }
    assert_true(seen_video);

    aula_media_peer_destroy(ma);
    aula_media_peer_destroy(mb);
    aula_participant_leave(pa, 2);
    aula_participant_leave(pb, 2);
}

/* chrome_av_sendonly.sdp as a new peer connection of the same browser would
 * offer it: another ICE ufrag, DTLS fingerprint and SSRCs. */
static json_t *restarted_params(void)
{
    static const char *const from[] = {"Zx2k", "0A:F2:21:3F", "3164809462", "3850824570",
                                       "2288446664"};
    static const char *const to[] = {"Qy7m", "1B:F2:21:3F", "1111111111", "2222222222",
                                     "3333333333"};
    json_t *orig = sdp_params("chrome_av_sendonly.sdp");
    const char *text = json_string_value(json_object_get(orig, "sdp"));
    aula_buf b;
    aula_buf_init(&b);
    while (*text) {
        size_t i = 0;
        while (i < sizeof from / sizeof from[0] && strncmp(text, from[i], strlen(from[i])))
            i++;
        if (i < sizeof from / sizeof from[0]) {
            aula_buf_append(&b, to[i], strlen(to[i]));
            text += strlen(from[i]);
        } else {
            aula_buf_append(&b, text++, 1);
        }
    }
    aula_buf_append(&b, "", 1);
    json_t *p = json_pack("{s:s}", "sdp", b.data);
    aula_buf_deinit(&b);
    json_decref(orig);
    return p;
}

static size_t count_from(const fixture *f, size_t start, aula_media_msg_type type)
{
    size_t n = 0;
    for (size_t i = start; i < f->n_sent; i++)
        n += f->sent[i].type == type;
    return n;
}

/* A publisher restart (an offer from a new peer connection) keeps the
 * producers: the worker is told to rebind them to the new transport, the
 * viewer keeps its consumers and is not asked to renegotiate. */
static void restart_rebinds_producers(void **state)
{
    fixture *f = *state;
    inbox a = {0}, b = {0};
    aula_participant *pa = NULL, *pb = NULL;
    assert_int_equal(aula_rooms_join(f->rooms, "abc-defg-hjk", "Ala", &sink, &a, 1, &pa), 0);
    assert_int_equal(aula_rooms_join(f->rooms, "abc-defg-hjk", "Bartek", &sink, &b, 1, &pb), 0);
    aula_media_peer *ma = aula_media_peer_create(f->ms, pa);
    aula_media_peer *mb = aula_media_peer_create(f->ms, pb);
    aula_rpc_error err = {0};

    json_t *params = sdp_params("chrome_av_sendonly.sdp");
    json_decref(aula_media_publish(ma, params, &err));
    json_decref(params);
    uint64_t old_transport = find(f, AULA_MEDIA_TRANSPORT_CREATE)->u.transport_create.transport_id;
    uint64_t ids[2];
    size_t n_ids = 0;
    for (size_t i = 0; i < f->n_sent; i++)
        if (f->sent[i].type == AULA_MEDIA_PRODUCER_ADD)
            ids[n_ids++] = f->sent[i].u.producer_add.producer_id;
    assert_int_equal(n_ids, 2);
    json_t *res = aula_media_subscribe(mb, NULL, &err);
    aula_sdp *offer = parse_result_sdp(res);
    json_decref(res);
    json_t *ans = browser_answer(offer);
    json_decref(aula_media_answer(mb, ans, &err));
    json_decref(ans);
    aula_sdp_free(offer);
    assert_int_equal(count(f, AULA_MEDIA_CONSUMER_ADD), 2);
    assert_int_equal(b.renegotiate, 1);

    size_t before = f->n_sent;
    params = restarted_params();
    res = aula_media_publish(ma, params, &err);
    json_decref(params);
    assert_non_null(res);
    json_decref(res);
    assert_int_equal(count_from(f, before, AULA_MEDIA_TRANSPORT_CREATE), 1);
    assert_int_equal(count_from(f, before, AULA_MEDIA_PRODUCER_REBIND), 2);
    assert_int_equal(count_from(f, before, AULA_MEDIA_PRODUCER_ADD), 0);
    assert_int_equal(count_from(f, before, AULA_MEDIA_PRODUCER_CLOSE), 0);
    assert_int_equal(count_from(f, before, AULA_MEDIA_CONSUMER_CLOSE), 0);
    assert_int_equal(count_from(f, before, AULA_MEDIA_TRANSPORT_CLOSE), 1);
    assert_int_equal(b.renegotiate, 1);
    /* New transport first, then the rebinds, then the old one closes. */
    const aula_media_msg *tc = &f->sent[before];
    assert_int_equal(tc->type, AULA_MEDIA_TRANSPORT_CREATE);
    assert_int_equal(tc->u.transport_create.direction, AULA_MEDIA_PUBLISH);
    assert_true(tc->u.transport_create.transport_id != old_transport);
    assert_int_equal(f->sent[f->n_sent - 1].type, AULA_MEDIA_TRANSPORT_CLOSE);
    assert_true(f->sent[f->n_sent - 1].u.target.id == old_transport);
    for (size_t i = before; i < f->n_sent; i++) {
        if (f->sent[i].type != AULA_MEDIA_PRODUCER_REBIND)
            continue;
        const aula_media_producer_add *rb = &f->sent[i].u.producer_rebind;
        assert_true(rb->transport_id == tc->u.transport_create.transport_id);
        if (rb->kind == AULA_MEDIA_AUDIO) {
            assert_true(rb->producer_id == ids[0] || rb->producer_id == ids[1]);
            assert_int_equal(rb->ssrc, 1111111111u);
        } else {
            assert_true(rb->producer_id == ids[0] || rb->producer_id == ids[1]);
            assert_int_equal(rb->ssrc, 2222222222u);
            assert_int_equal(rb->rtx_ssrc, 3333333333u);
        }
    }

    /* The same connection again (a renegotiation) is not a restart. */
    before = f->n_sent;
    params = restarted_params();
    json_decref(aula_media_publish(ma, params, &err));
    json_decref(params);
    assert_int_equal(f->n_sent, before);
    assert_int_equal(b.renegotiate, 1);

    aula_media_peer_destroy(ma);
    assert_int_equal(count(f, AULA_MEDIA_CONSUMER_CLOSE), 2);
    aula_media_peer_destroy(mb);
    aula_participant_leave(pa, 2);
    aula_participant_leave(pb, 2);
}

/* The position of the first message of type after start with target or
 * transport id id, or -1. */
static long find_id_from(const fixture *f, size_t start, aula_media_msg_type type, uint64_t id)
{
    for (size_t i = start; i < f->n_sent; i++) {
        const aula_media_msg *m = &f->sent[i];
        uint64_t got = type == AULA_MEDIA_TRANSPORT_CREATE ? m->u.transport_create.transport_id
                       : type == AULA_MEDIA_CONSUMER_ADD   ? m->u.consumer_add.transport_id
                                                           : m->u.target.id;
        if (m->type == type && got == id)
            return (long)i;
    }
    return -1;
}

/* Bartek's page restarts its media on the same WebSocket (a network change
 * left its peer connections failed): a new receive peer connection answers
 * the next offer with its own ICE ufrag and DTLS fingerprint. The old
 * receive transport (connected, or dead, to the closed connection) and its
 * consumers close, and a new transport with aula's same ICE credentials (the
 * offer carried them) gets a consumer per accepted section. A second answer
 * from that same connection changes nothing. */
static void new_receive_connection_gets_a_new_transport(void **state)
{
    fixture *f = *state;
    inbox a = {0}, b = {0};
    aula_participant *pa = NULL, *pb = NULL;
    assert_int_equal(aula_rooms_join(f->rooms, "abc-defg-hjk", "Ala", &sink, &a, 1, &pa), 0);
    assert_int_equal(aula_rooms_join(f->rooms, "abc-defg-hjk", "Bartek", &sink, &b, 1, &pb), 0);
    aula_media_peer *ma = aula_media_peer_create(f->ms, pa);
    aula_media_peer *mb = aula_media_peer_create(f->ms, pb);
    aula_rpc_error err = {0};
    json_t *params = sdp_params("chrome_av_sendonly.sdp");
    json_decref(aula_media_publish(ma, params, &err));
    json_decref(params);

    json_t *res = aula_media_subscribe(mb, NULL, &err);
    aula_sdp *offer = parse_result_sdp(res);
    json_decref(res);
    size_t before = f->n_sent;
    json_t *ans = browser_answer(offer);
    json_decref(aula_media_answer(mb, ans, &err));
    json_decref(ans);
    const aula_media_transport_create old = f->sent[before].u.transport_create;
    assert_int_equal(f->sent[before].type, AULA_MEDIA_TRANSPORT_CREATE);
    assert_string_equal(old.ufrag, offer->media[0].ice_ufrag);
    uint64_t old_consumers[2];
    size_t n_old = 0;
    for (size_t i = before; i < f->n_sent; i++)
        if (f->sent[i].type == AULA_MEDIA_CONSUMER_ADD)
            old_consumers[n_old++] = f->sent[i].u.consumer_add.consumer_id;
    assert_int_equal(n_old, 2);
    aula_sdp_free(offer);

    /* The page's new session: media.subscribe, then the new connection's
     * answer. */
    res = aula_media_subscribe(mb, NULL, &err);
    offer = parse_result_sdp(res);
    json_decref(res);
    assert_int_equal(offer->n_media, 2);
    assert_int_not_equal(offer->media[0].port, 0);
    assert_int_not_equal(offer->media[1].port, 0);
    before = f->n_sent;
    ans = answer_from(offer, "nEw1", 0xcd);
    res = aula_media_answer(mb, ans, &err);
    assert_non_null(res);
    json_decref(res);
    json_decref(ans);

    long closed = find_id_from(f, before, AULA_MEDIA_TRANSPORT_CLOSE, old.transport_id);
    assert_true(closed >= 0);
    for (size_t k = 0; k < n_old; k++)
        assert_true(find_id_from(f, before, AULA_MEDIA_CONSUMER_CLOSE, old_consumers[k]) >= 0);
    assert_int_equal(count_from(f, before, AULA_MEDIA_TRANSPORT_CREATE), 1);
    const aula_media_msg *cm = NULL;
    long created = -1;
    for (size_t i = before; i < f->n_sent && !cm; i++)
        if (f->sent[i].type == AULA_MEDIA_TRANSPORT_CREATE) {
            cm = &f->sent[i];
            created = (long)i;
        }
    const aula_media_transport_create *tc = &cm->u.transport_create;
    /* Closed before the new one is made: the worker finds transports by
     * ufrag, and both have aula's ufrag from the offer. */
    assert_true(closed < created);
    assert_true(tc->transport_id != old.transport_id);
    assert_int_equal(tc->direction, AULA_MEDIA_RECEIVE);
    assert_string_equal(tc->ufrag, old.ufrag);
    assert_string_equal(tc->ufrag, offer->media[0].ice_ufrag);
    assert_string_equal(tc->pwd, old.pwd);
    assert_true(strncmp(tc->remote_fingerprint, "CD:CD:CD", 8) == 0);
    assert_int_equal(count_from(f, before, AULA_MEDIA_CONSUMER_ADD), 2);
    for (size_t i = (size_t)created; i < f->n_sent; i++)
        if (f->sent[i].type == AULA_MEDIA_CONSUMER_ADD) {
            const aula_media_consumer_add *ca = &f->sent[i].u.consumer_add;
            assert_true(ca->transport_id == tc->transport_id);
            assert_true(ca->consumer_id != old_consumers[0] && ca->consumer_id != old_consumers[1]);
        }
    /* The new connection decodes video only from a keyframe. */
    assert_int_equal(count_from(f, before, AULA_MEDIA_KEYFRAME_REQUEST), 1);
    aula_sdp_free(offer);

    /* The same connection answers the next offer: nothing to redo. */
    res = aula_media_subscribe(mb, NULL, &err);
    offer = parse_result_sdp(res);
    json_decref(res);
    before = f->n_sent;
    ans = answer_from(offer, "nEw1", 0xcd);
    json_decref(aula_media_answer(mb, ans, &err));
    json_decref(ans);
    aula_sdp_free(offer);
    assert_int_equal(f->n_sent, before);

    /* Leaving closes the new transport and its consumers, once. */
    before = f->n_sent;
    aula_media_peer_destroy(mb);
    assert_int_equal(count_from(f, before, AULA_MEDIA_CONSUMER_CLOSE), 2);
    assert_int_equal(count_from(f, before, AULA_MEDIA_TRANSPORT_CLOSE), 1);
    assert_true(find_id_from(f, before, AULA_MEDIA_TRANSPORT_CLOSE, tc->transport_id) >= 0);
    aula_media_peer_destroy(ma);
    aula_participant_leave(pa, 2);
    aula_participant_leave(pb, 2);
}

/* Publishes chrome_av_sendonly.sdp (audio and video) as peer. */
static void publish_av(aula_media_peer *peer)
{
    aula_rpc_error err = {0};
    json_t *params = sdp_params("chrome_av_sendonly.sdp");
    json_t *res = aula_media_publish(peer, params, &err);
    assert_non_null(res);
    json_decref(res);
    json_decref(params);
}

/* media.subscribe, then the browser's answer to that offer; returns the
 * offer. */
static aula_sdp *subscribe_and_answer(aula_media_peer *peer)
{
    aula_rpc_error err = {0};
    json_t *res = aula_media_subscribe(peer, NULL, &err);
    aula_sdp *offer = parse_result_sdp(res);
    json_decref(res);
    json_t *ans = browser_answer(offer);
    res = aula_media_answer(peer, ans, &err);
    assert_non_null(res);
    json_decref(res);
    json_decref(ans);
    return offer;
}

/* A section whose publisher left is offered once as port 0 under its old
 * mid before it is reused for someone else with a new mid: a browser
 * refuses an offer that changes the mid of a section still in use (JSEP
 * section 5.2.2). Here Ala leaves just as Celina starts publishing. */
static void closed_sections_are_rejected_before_reuse(void **state)
{
    fixture *f = *state;
    inbox a = {0}, b = {0}, c = {0}, d = {0};
    aula_participant *pa = NULL, *pb = NULL, *pc = NULL, *pd = NULL;
    assert_int_equal(aula_rooms_join(f->rooms, "abc-defg-hjk", "Ala", &sink, &a, 1, &pa), 0);
    assert_int_equal(aula_rooms_join(f->rooms, "abc-defg-hjk", "Bartek", &sink, &b, 1, &pb), 0);
    assert_int_equal(aula_rooms_join(f->rooms, "abc-defg-hjk", "Celina", &sink, &c, 1, &pc), 0);
    aula_media_peer *ma = aula_media_peer_create(f->ms, pa);
    aula_media_peer *mb = aula_media_peer_create(f->ms, pb);
    aula_media_peer *mc = aula_media_peer_create(f->ms, pc);
    publish_av(ma);
    aula_sdp *first = subscribe_and_answer(mb);
    assert_int_equal(first->n_media, 2);

    aula_media_peer_destroy(ma);
    publish_av(mc);
    aula_sdp *second = subscribe_and_answer(mb);
    assert_int_equal(second->n_media, 4);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(second->media[i].port, 0);
        assert_string_equal(second->media[i].mid, first->media[i].mid);
    }
    for (size_t i = 2; i < 4; i++) {
        assert_int_not_equal(second->media[i].port, 0);
        assert_string_equal(second->media[i].msid_stream, aula_participant_id(pc));
    }

    /* Now rejected in a completed round: Dorota's tracks reuse them, each
     * under a new mid. */
    assert_int_equal(aula_rooms_join(f->rooms, "abc-defg-hjk", "Dorota", &sink, &d, 1, &pd), 0);
    aula_media_peer *md = aula_media_peer_create(f->ms, pd);
    publish_av(md);
    aula_sdp *third = subscribe_and_answer(mb);
    assert_int_equal(third->n_media, 4);
    for (size_t i = 0; i < 2; i++) {
        assert_int_not_equal(third->media[i].port, 0);
        assert_string_not_equal(third->media[i].mid, first->media[i].mid);
        assert_string_equal(third->media[i].msid_stream, aula_participant_id(pd));
    }
    aula_sdp_free(first);
    aula_sdp_free(second);
    aula_sdp_free(third);
    aula_media_peer_destroy(md);
    aula_media_peer_destroy(mc);
    aula_media_peer_destroy(mb);
    aula_participant_leave(pa, 2);
    aula_participant_leave(pb, 2);
    aula_participant_leave(pc, 2);
    aula_participant_leave(pd, 2);
}

/* The last PRODUCER_PAUSE sent for producer id: 1 paused, 0 resumed, -1
 * none. */
static int last_pause(const fixture *f, uint64_t id)
{
    int v = -1;
    for (size_t i = 0; i < f->n_sent; i++)
        if (f->sent[i].type == AULA_MEDIA_PRODUCER_PAUSE && f->sent[i].u.target.id == id)
            v = f->sent[i].u.target.paused;
    return v;
}

/* A host mutes Ala's microphone: her audio producer pauses on the worker,
 * she cannot resume it herself until the host allows, and a new media
 * peer of hers (a reconnection) starts with it paused. */
static void host_mute_pauses_and_holds(void **state)
{
    fixture *f = *state;
    inbox h = {0}, a = {0};
    aula_participant *host = NULL, *pa = NULL;
    aula_entry eh = {"00000000000000a1", "Teacher", AULA_ROLE_HOST};
    aula_entry ea = {"00000000000000b1", "Ala", AULA_ROLE_PARTICIPANT};
    assert_int_equal(aula_rooms_enter(f->rooms, "abc-defg-hjk", &eh, &sink, &h, 1, &host, NULL), 0);
    assert_int_equal(aula_rooms_enter(f->rooms, "abc-defg-hjk", &ea, &sink, &a, 1, &pa, NULL), 0);
    aula_media_peer *ma = aula_media_peer_create(f->ms, pa);
    aula_rpc_error err = {0};
    json_t *params = sdp_params("chrome_av_sendonly.sdp");
    json_decref(aula_media_publish(ma, params, &err));
    json_decref(params);
    uint64_t audio_id = 0, video_id = 0;
    for (size_t i = 0; i < f->n_sent; i++)
        if (f->sent[i].type == AULA_MEDIA_PRODUCER_ADD) {
            if (f->sent[i].u.producer_add.kind == AULA_MEDIA_AUDIO)
                audio_id = f->sent[i].u.producer_add.producer_id;
            else
                video_id = f->sent[i].u.producer_add.producer_id;
        }
    assert_true(audio_id && video_id);

    char why[128];
    aula_actor by = {AULA_ROLE_HOST, "00000000000000a1"};
    assert_int_equal(aula_host_mute(f->rooms, "abc-defg-hjk", &by, "00000000000000b1",
                                    AULA_TRACK_AUDIO, 0, why, sizeof why),
                     0);
    /* The session's force_pause sink does this: */
    int states = h.media_state;
    aula_media_force_pause(ma, AULA_TRACK_AUDIO);
    assert_int_equal(last_pause(f, audio_id), 1);
    assert_int_equal(last_pause(f, video_id), -1);
    assert_int_equal(h.media_state, states + 1);
    assert_non_null(strstr(h.last, "\"audio_muted_by_host\":true"));

    params = json_pack("{s:s,s:b}", "kind", "audio", "paused", 0);
    assert_null(aula_media_pause(ma, params, &err));
    json_decref(params);
    assert_int_equal(err.code, AULA_RPC_FORBIDDEN);
    assert_string_equal(err.message,
                        "a host has muted your microphone; raise your hand to ask to speak");
    assert_int_equal(last_pause(f, audio_id), 1);

    /* A reconnection's new peer starts with the microphone paused. */
    aula_media_peer *again = aula_media_peer_create(f->ms, pa);
    params = json_pack("{s:s,s:b}", "kind", "video", "paused", 0);
    json_t *st = aula_media_pause(again, params, &err);
    json_decref(params);
    assert_non_null(st);
    assert_true(json_is_true(json_object_get(st, "audio_muted_by_host")));
    json_decref(st);
    aula_media_peer_destroy(again);

    /* Allowed: she may turn it on, which ends the host mute. */
    assert_int_equal(aula_host_mute(f->rooms, "abc-defg-hjk", &by, "00000000000000b1",
                                    AULA_TRACK_AUDIO, 1, why, sizeof why),
                     0);
    params = json_pack("{s:s,s:b}", "kind", "audio", "paused", 0);
    st = aula_media_pause(ma, params, &err);
    json_decref(params);
    assert_non_null(st);
    assert_true(json_is_true(json_object_get(st, "audio")));
    assert_true(json_is_false(json_object_get(st, "audio_muted_by_host")));
    json_decref(st);
    assert_int_equal(last_pause(f, audio_id), 0);

    aula_media_peer_destroy(ma);
    aula_participant_leave(pa, 2);
    aula_participant_leave(host, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(publish_answer_follows_the_offer, setup, teardown),
        cmocka_unit_test_setup_teardown(unusable_offers_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(subscribe_answer_and_leave, setup, teardown),
        cmocka_unit_test_setup_teardown(h264_when_vp8_is_not_offered, setup, teardown),
        cmocka_unit_test_setup_teardown(restart_rebinds_producers, setup, teardown),
        cmocka_unit_test_setup_teardown(host_mute_pauses_and_holds, setup, teardown),
        cmocka_unit_test_setup_teardown(closed_sections_are_rejected_before_reuse, setup, teardown),
        cmocka_unit_test_setup_teardown(new_receive_connection_gets_a_new_transport, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
