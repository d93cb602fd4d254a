/* An in-memory DTLS client playing the browser for tests of the DTLS-SRTP
 * server side, with libsrtp2 sessions from the client's view of the keys.
 * Shared by the DTLS, media engine, retransmission and simulcast tests;
 * every function is static, so each test program gets its own copy.
 * Include it after cmocka.h, OpenSSL and libsrtp2. */
#ifndef AULA_TESTS_DTLS_TEST_CLIENT_H
#define AULA_TESTS_DTLS_TEST_CLIENT_H

#define MAX_DGRAMS 32
#define DGRAM_CAP 2048

/* ---- the test's DTLS client -------------------------------------------- */

typedef struct client {
    EVP_PKEY *key;
    X509 *cert;
    SSL_CTX *ctx;
    SSL *ssl;
    BIO_METHOD *meth;
    char fp[AULA_DTLS_FINGERPRINT_SIZE];
    uint8_t out[MAX_DGRAMS][DGRAM_CAP];
    size_t out_len[MAX_DGRAMS];
    size_t out_n;
    const uint8_t *in;
    size_t in_len;
    uint8_t first_hello[DGRAM_CAP]; /* the first datagram it sent */
    size_t first_hello_len;
} client;

/* One datagram per BIO_write / BIO_read, as in src/rtc/dtls.c. */
static int cbio_write(BIO *b, const char *data, int len)
{
    client *c = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    assert_true(c->out_n < MAX_DGRAMS);
    assert_true((size_t)len <= DGRAM_CAP);
    memcpy(c->out[c->out_n], data, (size_t)len);
    c->out_len[c->out_n++] = (size_t)len;
    if (c->first_hello_len == 0) {
        memcpy(c->first_hello, data, (size_t)len);
        c->first_hello_len = (size_t)len;
    }
    return len;
}

static int cbio_read(BIO *b, char *out, int cap)
{
    client *c = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    if (!c->in) {
        BIO_set_retry_read(b);
        return -1;
    }
    size_t n = c->in_len < (size_t)cap ? c->in_len : (size_t)cap;
    memcpy(out, c->in, n);
    c->in = NULL;
    return (int)n;
}

static long cbio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)b;
    (void)num;
    (void)ptr;
    return cmd == BIO_CTRL_FLUSH;
}

static int cbio_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

/* Keeps the client's own (real-time) retransmission timer out of the way. */
static unsigned int client_timer_cb(SSL *s, unsigned int us)
{
    (void)s;
    (void)us;
    return 600u * 1000u * 1000u;
}

static int accept_any(int ok, X509_STORE_CTX *st)
{
    (void)ok;
    (void)st;
    return 1;
}

static void fingerprint_of(X509 *cert, char out[AULA_DTLS_FINGERPRINT_SIZE])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    assert_int_equal(X509_digest(cert, EVP_sha256(), md, &n), 1);
    assert_int_equal(n, 32);
    for (unsigned i = 0; i < n; i++)
        sprintf(out + 3 * i, i + 1 < n ? "%02X:" : "%02X", md[i]);
}

/* profiles: what the client offers in use_srtp, or NULL for none. */
static client *client_new(const char *profiles)
{
    client *c = calloc(1, sizeof *c);
    c->key = EVP_EC_gen("P-256");
    assert_non_null(c->key);
    c->cert = X509_new();
    X509_set_version(c->cert, X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(c->cert), 42);
    X509_gmtime_adj(X509_getm_notBefore(c->cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(c->cert), 3600);
    X509_NAME *name = X509_get_subject_name(c->cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"browser", -1, -1,
                               0);
    X509_set_issuer_name(c->cert, name);
    X509_set_pubkey(c->cert, c->key);
    assert_true(X509_sign(c->cert, c->key, EVP_sha256()) > 0);
    fingerprint_of(c->cert, c->fp);

    c->ctx = SSL_CTX_new(DTLS_client_method());
    SSL_CTX_set_min_proto_version(c->ctx, DTLS1_2_VERSION);
    SSL_CTX_set_options(c->ctx, SSL_OP_NO_QUERY_MTU);
    assert_int_equal(SSL_CTX_use_certificate(c->ctx, c->cert), 1);
    assert_int_equal(SSL_CTX_use_PrivateKey(c->ctx, c->key), 1);
    SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, accept_any);
    if (profiles)
        assert_int_equal(SSL_CTX_set_tlsext_use_srtp(c->ctx, profiles), 0);

    c->meth = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "test-client");
    BIO_meth_set_write(c->meth, cbio_write);
    BIO_meth_set_read(c->meth, cbio_read);
    BIO_meth_set_ctrl(c->meth, cbio_ctrl);
    BIO_meth_set_create(c->meth, cbio_create);
    BIO *bio = BIO_new(c->meth);
    BIO_set_data(bio, c);
    c->ssl = SSL_new(c->ctx);
    SSL_set_bio(c->ssl, bio, bio);
    SSL_set_connect_state(c->ssl);
    SSL_set_mtu(c->ssl, 1200);
    DTLS_set_timer_cb(c->ssl, client_timer_cb);
    return c;
}

static void client_free(client *c)
{
    SSL_free(c->ssl);
    SSL_CTX_free(c->ctx);
    BIO_meth_free(c->meth);
    X509_free(c->cert);
    EVP_PKEY_free(c->key);
    free(c);
}

/* Runs the client's state machine on one datagram (or none). */
static void client_step(client *c, const uint8_t *data, size_t len)
{
    c->in = data;
    c->in_len = len;
    if (!SSL_is_init_finished(c->ssl)) {
        int r = SSL_do_handshake(c->ssl);
        if (r != 1)
            assert_int_equal(SSL_get_error(c->ssl, r), SSL_ERROR_WANT_READ);
    }
    if (SSL_is_init_finished(c->ssl)) {
        char buf[256];
        while (SSL_read(c->ssl, buf, sizeof buf) > 0)
            ;
    }
    c->in = NULL;
    ERR_clear_error();
}

static srtp_t client_session(aula_srtp_profile profile, const uint8_t *key, const uint8_t *salt,
                             size_t kl, size_t sl, srtp_ssrc_type_t type)
{
    srtp_policy_t p;
    memset(&p, 0, sizeof p);
    if (profile == AULA_SRTP_AEAD_AES_128_GCM) {
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtp);
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtcp);
    } else {
        srtp_crypto_policy_set_rtp_default(&p.rtp);
        srtp_crypto_policy_set_rtcp_default(&p.rtcp);
    }
    unsigned char ks[64];
    memcpy(ks, key, kl);
    memcpy(ks + kl, salt, sl);
    p.key = ks;
    p.ssrc.type = type;
    p.window_size = 128;
    srtp_t s = NULL;
    assert_int_equal(srtp_create(&s, &p), srtp_err_status_ok);
    return s;
}

#endif
