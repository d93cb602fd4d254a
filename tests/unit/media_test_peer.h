/* The fake network and the in-memory browser peers (a publisher or a
 * viewer with STUN, a real OpenSSL DTLS client and libsrtp2 sessions) that
 * drive the media engine in virtual time, shared by test_media_engine.c,
 * test_retransmit.c, test_simulcast.c and test_speaker.c. Every function is static: include it once
 * per test program, after cmocka.h, OpenSSL, libsrtp2, the aula headers and dtls_test_client.h. */
#ifndef AULA_TESTS_MEDIA_TEST_PEER_H
#define AULA_TESTS_MEDIA_TEST_PEER_H

/* ---- the fake network and the engine's callbacks -------------------------- */

#define MAX_SENT 64
#define MAX_REPORTS 16

typedef struct sent {
    struct sockaddr_storage to;
    uint8_t buf[DGRAM_CAP];
    size_t len;
} sent;

static sent net[MAX_SENT];
static size_t net_n;
static aula_media_msg reports[MAX_REPORTS];
static size_t reports_n;
static aula_dtls_identity *identity;
static uint64_t now = 1000000;

static void eng_send(void *ud, const struct sockaddr *to, const uint8_t *buf, size_t len)
{
    (void)ud;
    assert_true(net_n < MAX_SENT);
    assert_true(len <= DGRAM_CAP);
    memset(&net[net_n].to, 0, sizeof net[net_n].to);
    memcpy(&net[net_n].to, to, sizeof(struct sockaddr_in));
    memcpy(net[net_n].buf, buf, len);
    net[net_n++].len = len;
}

static void eng_report(void *ud, const aula_media_msg *m)
{
    (void)ud;
    assert_true(reports_n < MAX_REPORTS);
    reports[reports_n++] = *m;
}

static const aula_media_engine_cb engine_cb = {eng_send, eng_report};

/* Takes the next datagram the engine sent to addr. Returns false if none. */
static bool take(const struct sockaddr_in *addr, uint8_t *buf, size_t *len)
{
    for (size_t i = 0; i < net_n; i++) {
        const struct sockaddr_in *to = (const struct sockaddr_in *)&net[i].to;
        if (to->sin_port != addr->sin_port || to->sin_addr.s_addr != addr->sin_addr.s_addr)
            continue;
        memcpy(buf, net[i].buf, net[i].len);
        *len = net[i].len;
        memmove(&net[i], &net[i + 1], (net_n - i - 1) * sizeof net[0]);
        net_n--;
        return true;
    }
    return false;
}

/* ---- a browser peer ------------------------------------------------------- */

typedef struct peer {
    uint64_t tid;
    struct sockaddr_in addr;
    char ufrag[16]; /* the engine's (local) ufrag for this transport */
    char pwd[32];
    client *c;
    srtp_t in, out;
} peer;

static void peer_init(peer *p, uint64_t tid, uint16_t port, const char *ufrag)
{
    memset(p, 0, sizeof *p);
    p->tid = tid;
    p->addr.sin_family = AF_INET;
    p->addr.sin_port = htons(port);
    p->addr.sin_addr.s_addr = htonl(0x7f000001);
    snprintf(p->ufrag, sizeof p->ufrag, "%s", ufrag);
    snprintf(p->pwd, sizeof p->pwd, "%s-password-0123456789", ufrag);
    p->c = client_new("SRTP_AEAD_AES_128_GCM");
}

static void peer_free(peer *p)
{
    if (p->in)
        srtp_dealloc(p->in);
    if (p->out)
        srtp_dealloc(p->out);
    client_free(p->c);
}

/* TRANSPORT_CREATE for p in room 77, with the header extensions in ext
 * (NULL: none negotiated). */
static void create_transport_ext(aula_media_engine *e, peer *p, aula_media_direction dir,
                                 const aula_media_extensions *ext)
{
    aula_media_msg m;
    memset(&m, 0, sizeof m);
    m.type = AULA_MEDIA_TRANSPORT_CREATE;
    m.u.transport_create.transport_id = p->tid;
    m.u.transport_create.room_key = 77;
    m.u.transport_create.direction = dir;
    if (ext)
        m.u.transport_create.ext = *ext;
    snprintf(m.u.transport_create.ufrag, sizeof m.u.transport_create.ufrag, "%s", p->ufrag);
    snprintf(m.u.transport_create.pwd, sizeof m.u.transport_create.pwd, "%s", p->pwd);
    snprintf(m.u.transport_create.remote_fingerprint,
             sizeof m.u.transport_create.remote_fingerprint, "%s", p->c->fp);
    aula_media_engine_handle_msg(e, now, &m);
}

/* Not every test program creates a transport without connecting it. */
__attribute__((unused)) static void create_transport(aula_media_engine *e, peer *p,
                                                     aula_media_direction dir)
{
    create_transport_ext(e, p, dir, NULL);
}

static size_t stun_request(uint8_t *buf, size_t cap, const char *username, const char *pwd)
{
    static uint8_t txid[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    txid[0]++;
    aula_stun_request req = {.txid = txid,
                             .username = username,
                             .password = pwd,
                             .priority = 12345,
                             .controlling = true,
                             .tie_breaker = 99,
                             .use_candidate = true};
    size_t len;
    assert_int_equal(aula_stun_build_binding_request(buf, cap, &len, &req), 0);
    return len;
}

/* ICE: a Binding request "ourufrag:theirs" must be answered with a success
 * carrying the peer's address. */
static void peer_ice(aula_media_engine *e, peer *p)
{
    uint8_t buf[DGRAM_CAP];
    char user[64];
    snprintf(user, sizeof user, "%s:browser", p->ufrag);
    size_t len = stun_request(buf, sizeof buf, user, p->pwd);
    assert_int_equal(
        aula_media_engine_handle_datagram(e, now, (struct sockaddr *)&p->addr, buf, len),
        AULA_DROP_NONE);
    assert_true(take(&p->addr, buf, &len));
    aula_stun_msg m;
    assert_int_equal(aula_stun_parse(&m, buf, len), 0);
    assert_int_equal(m.type, AULA_STUN_BINDING_SUCCESS);
    assert_int_equal(aula_stun_check_integrity(&m, p->pwd), 0);
    assert_int_equal(aula_stun_check_fingerprint(&m), 0);
    assert_true(m.has_xor_mapped);
    const struct sockaddr_in *x = (const struct sockaddr_in *)&m.xor_mapped;
    assert_int_equal(x->sin_port, p->addr.sin_port);
    assert_int_equal(x->sin_addr.s_addr, p->addr.sin_addr.s_addr);
}

/* DTLS through the engine, then the client's SRTP sessions. */
static void peer_dtls(aula_media_engine *e, peer *p)
{
    client_step(p->c, NULL, 0); /* ClientHello */
    for (int round = 0; round < 20; round++) {
        size_t n = p->c->out_n;
        p->c->out_n = 0;
        for (size_t i = 0; i < n; i++) {
            uint8_t copy[DGRAM_CAP];
            memcpy(copy, p->c->out[i], p->c->out_len[i]);
            assert_int_equal(aula_media_engine_handle_datagram(e, now, (struct sockaddr *)&p->addr,
                                                               copy, p->c->out_len[i]),
                             AULA_DROP_NONE);
        }
        uint8_t buf[DGRAM_CAP];
        size_t len;
        int got = 0;
        while (take(&p->addr, buf, &len)) {
            client_step(p->c, buf, len);
            got++;
        }
        if (got == 0 && p->c->out_n == 0)
            break;
    }
    assert_true(SSL_is_init_finished(p->c->ssl));
    uint8_t m[56];
    assert_int_equal(
        SSL_export_keying_material(p->c->ssl, m, 56, "EXTRACTOR-dtls_srtp", 19, NULL, 0, 0), 1);
    /* RFC 5764 section 4.2: client key, server key, client salt, server salt. */
    p->out = client_session(AULA_SRTP_AEAD_AES_128_GCM, m, m + 32, 16, 12, ssrc_any_outbound);
    p->in = client_session(AULA_SRTP_AEAD_AES_128_GCM, m + 16, m + 44, 16, 12, ssrc_any_inbound);
}

/* TRANSPORT_CREATE (with the header extensions in ext, or none), ICE and
 * DTLS: p is connected. */
static void peer_connect_ext(aula_media_engine *e, peer *p, aula_media_direction dir,
                             const aula_media_extensions *ext)
{
    create_transport_ext(e, p, dir, ext);
    peer_ice(e, p);
    peer_dtls(e, p);
}

static void peer_connect(aula_media_engine *e, peer *p, aula_media_direction dir)
{
    peer_connect_ext(e, p, dir, NULL);
}

/* ---- producers and consumers ---------------------------------------------- */

static void producer_add(aula_media_engine *e, const aula_media_producer_add *pa)
{
    aula_media_msg m;
    memset(&m, 0, sizeof m);
    m.type = AULA_MEDIA_PRODUCER_ADD;
    m.u.producer_add = *pa;
    aula_media_engine_handle_msg(e, now, &m);
}

static void consumer_add(aula_media_engine *e, const aula_media_consumer_add *ca)
{
    aula_media_msg m;
    memset(&m, 0, sizeof m);
    m.type = AULA_MEDIA_CONSUMER_ADD;
    m.u.consumer_add = *ca;
    aula_media_engine_handle_msg(e, now, &m);
}

/* The plain video pair: producer 10 (SSRC 1111, pt 96) on transport 1,
 * consumer 20 (SSRC 2222, pt 100) of it on transport 2 (test_media_engine.c). */
__attribute__((unused)) static void add_video_pair(aula_media_engine *e)
{
    producer_add(e, &(aula_media_producer_add){.producer_id = 10,
                                               .transport_id = 1,
                                               .kind = AULA_MEDIA_VIDEO,
                                               .ssrc = 1111,
                                               .payload_type = 96,
                                               .clock_rate = 90000});
    consumer_add(e, &(aula_media_consumer_add){.consumer_id = 20,
                                               .transport_id = 2,
                                               .producer_id = 10,
                                               .ssrc = 2222,
                                               .payload_type = 100});
}

static int peer_send(aula_media_engine *e, peer *p, uint8_t *pkt, size_t len, bool rtcp)
{
    int n = (int)len;
    if (rtcp)
        assert_int_equal(srtp_protect_rtcp(p->out, pkt, &n), srtp_err_status_ok);
    else
        assert_int_equal(srtp_protect(p->out, pkt, &n), srtp_err_status_ok);
    return aula_media_engine_handle_datagram(e, now, (struct sockaddr *)&p->addr, pkt, (size_t)n);
}

/* Takes and unprotects the next RTP packet for p. */
static bool peer_recv(peer *p, uint8_t *pkt, size_t *len, bool rtcp)
{
    if (!take(&p->addr, pkt, len))
        return false;
    int n = (int)*len;
    if (rtcp)
        assert_int_equal(srtp_unprotect_rtcp(p->in, pkt, &n), srtp_err_status_ok);
    else
        assert_int_equal(srtp_unprotect(p->in, pkt, &n), srtp_err_status_ok);
    *len = (size_t)n;
    return true;
}

/* Takes the next RTCP packet for p that is not a receiver report (the
 * engine sends those to publishers every second) into *h. */
static bool recv_rtcp_no_rr(peer *p, uint8_t *pkt, aula_rtcp_header *h)
{
    size_t len;
    while (peer_recv(p, pkt, &len, true)) {
        aula_rtcp_iter it;
        aula_rtcp_iter_init(&it, pkt, len);
        assert_int_equal(aula_rtcp_iter_next(&it, h), 0);
        if (h->type != AULA_RTCP_RR)
            return true;
    }
    return false;
}

/* Expects exactly one PLI for media_ssrc on p, and nothing else but RRs. */
static void expect_pli(peer *p, uint32_t media_ssrc)
{
    uint8_t pkt[DGRAM_CAP];
    aula_rtcp_header h;
    assert_true(recv_rtcp_no_rr(p, pkt, &h));
    aula_rtcp_fb fb;
    assert_int_equal(aula_rtcp_parse_pli(&h, &fb), 0);
    assert_int_equal(fb.media_ssrc, media_ssrc);
    assert_false(recv_rtcp_no_rr(p, pkt, &h));
}

static size_t make_rtp(uint8_t *b, uint32_t ssrc, uint16_t seq)
{
    b[0] = 0x80;
    b[1] = 96;
    b[2] = (uint8_t)(seq >> 8);
    b[3] = (uint8_t)seq;
    uint32_t ts = 90u * seq;
    uint8_t hdr[8] = {(uint8_t)(ts >> 24),  (uint8_t)(ts >> 16),   (uint8_t)(ts >> 8),
                      (uint8_t)ts,          (uint8_t)(ssrc >> 24), (uint8_t)(ssrc >> 16),
                      (uint8_t)(ssrc >> 8), (uint8_t)ssrc};
    memcpy(b + 4, hdr, 8);
    for (int i = 0; i < 100; i++)
        b[12 + i] = (uint8_t)(i * 7 + seq);
    return 112;
}

/* The viewer receives seq want_seq carrying the payload of publisher seq
 * src_seq, rewritten to ssrc 2222 / pt 100. */
static void expect_forwarded(peer *v, uint16_t want_seq, uint16_t src_seq)
{
    uint8_t pkt[DGRAM_CAP], plain[200];
    size_t len = 0;
    assert_true(peer_recv(v, pkt, &len, false));
    assert_int_equal(len, 112);
    aula_rtp_header h;
    assert_int_equal(aula_rtp_parse(pkt, len, &h), 0);
    assert_int_equal(h.ssrc, 2222);
    assert_int_equal(h.payload_type, 100);
    assert_int_equal(h.seq, want_seq);
    assert_int_equal(h.timestamp, 90u * src_seq);
    make_rtp(plain, 1111, src_seq);
    assert_memory_equal(pkt + 12, plain + 12, 100);
}

static void send_cmd(aula_media_engine *e, aula_media_msg_type type, uint64_t id, int paused)
{
    aula_media_msg m;
    memset(&m, 0, sizeof m);
    m.type = type;
    m.u.target.id = id;
    m.u.target.paused = paused;
    aula_media_engine_handle_msg(e, now, &m);
}

static void run_timers(aula_media_engine *e)
{
    uint64_t at;
    while (aula_media_engine_next_timeout(e, &at) && at <= now)
        aula_media_engine_handle_timeout(e, now);
}

static void reset(void)
{
    net_n = 0;
    reports_n = 0;
}

/* The cmocka group setup and teardown: libsrtp2 and the engine's DTLS
 * identity. */
static int peer_group_setup(void **state)
{
    (void)state;
    assert_int_equal(aula_srtp_global_init(), 0);
    return aula_dtls_identity_create(&identity);
}

static int peer_group_teardown(void **state)
{
    (void)state;
    aula_dtls_identity_destroy(identity);
    return 0;
}

#endif
