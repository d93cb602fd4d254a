#include "http/tls.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/log.h"

#include <limits.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdlib.h>
#include <string.h>

struct aula_tls_ctx {
    SSL_CTX *ssl_ctx; /* owned */
};

struct aula_tls {
    SSL *ssl;      /* owned; owns both BIOs */
    BIO *rbio;     /* borrowed from ssl: ciphertext from the peer */
    BIO *wbio;     /* borrowed from ssl: ciphertext for the peer */
    aula_buf held; /* plaintext written before the handshake completed */
    bool handshake_done;
    bool failed;
    bool shut_down;
};

/* TLS 1.2 suites: ECDHE for forward secrecy, AEAD only (Mozilla
 * "intermediate"). TLS 1.3 suites keep OpenSSL's defaults, all AEAD. */
static const char cipher_list[] = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                                  "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                                  "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

/* Logs and clears OpenSSL's (thread-local) error queue. */
static void log_ssl_errors(int level, const char *msg, const char *what)
{
    /* The oldest entry is the root cause ("No such file or directory"),
     * the later ones only say where it surfaced. */
    unsigned long e = ERR_get_error();
    char reason[256] = "unknown";
    if (e)
        ERR_error_string_n(e, reason, sizeof reason);
    ERR_clear_error();
    char q1[300], q2[300];
    if (level >= aula_log_level)
        aula_log_write(level, "tls", msg, "what=%s reason=%s", aula_log_quote(q1, sizeof q1, what),
                       aula_log_quote(q2, sizeof q2, reason));
}

/* ALPN (RFC 7301): this server speaks HTTP/1.1 only. A client that offers
 * no "http/1.1" gets no ALPN answer and may still try. */
static int select_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg)
{
    (void)ssl;
    (void)arg;
    static const unsigned char ours[] = "\x08http/1.1";
    unsigned char *sel = NULL;
    if (SSL_select_next_proto(&sel, outlen, ours, sizeof ours - 1, in, inlen) !=
        OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_NOACK;
    *out = sel;
    return SSL_TLSEXT_ERR_OK;
}

int aula_tls_ctx_create(const char *cert_file, const char *key_file, aula_tls_ctx **out)
{
    *out = NULL;
    ERR_clear_error();
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) {
        log_ssl_errors(AULA_LOG_LEVEL_ERROR, "tls context failed", "SSL_CTX_new");
        return AULA_ECONFIG;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                                 SSL_OP_NO_COMPRESSION);
    /* Idle keep-alive connections hold no record buffers. */
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_alpn_select_cb(ctx, select_alpn, NULL);
    const char *what = NULL;
    if (SSL_CTX_set_cipher_list(ctx, cipher_list) != 1)
        what = "cipher list";
    else if (!cert_file || SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1)
        what = cert_file ? cert_file : "no certificate";
    else if (!key_file || SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1)
        what = key_file ? key_file : "no key";
    else if (SSL_CTX_check_private_key(ctx) != 1)
        what = "key does not match certificate";
    if (what) {
        log_ssl_errors(AULA_LOG_LEVEL_ERROR, "tls configuration unusable", what);
        SSL_CTX_free(ctx);
        return AULA_ECONFIG;
    }
    aula_tls_ctx *c = aula_calloc(1, sizeof *c);
    c->ssl_ctx = ctx;
    *out = c;
    return 0;
}

void aula_tls_ctx_destroy(aula_tls_ctx *ctx)
{
    if (!ctx)
        return;
    SSL_CTX_free(ctx->ssl_ctx);
    aula_free(ctx);
}

aula_tls *aula_tls_create(aula_tls_ctx *ctx)
{
    aula_tls *t = aula_calloc(1, sizeof *t);
    t->ssl = SSL_new(ctx->ssl_ctx);
    t->rbio = BIO_new(BIO_s_mem());
    t->wbio = BIO_new(BIO_s_mem());
    if (!t->ssl || !t->rbio || !t->wbio) {
        /* Only allocation fails here, which aborts everywhere else too. */
        log_ssl_errors(AULA_LOG_LEVEL_ERROR, "tls connection failed", "SSL_new");
        abort();
    }
    /* An empty read BIO means "wait for more", not end of stream. */
    BIO_set_mem_eof_return(t->rbio, -1);
    BIO_set_mem_eof_return(t->wbio, -1);
    SSL_set_bio(t->ssl, t->rbio, t->wbio);
    SSL_set_accept_state(t->ssl);
    aula_buf_init(&t->held);
    return t;
}

void aula_tls_destroy(aula_tls *t)
{
    if (!t)
        return;
    SSL_free(t->ssl);
    aula_buf_deinit(&t->held);
    aula_free(t);
}

/* Encrypts into the write BIO; a memory BIO takes everything at once. */
static int encrypt(aula_tls *t, const char *data, size_t len)
{
    while (len > 0) {
        int n = len > INT_MAX ? INT_MAX : (int)len;
        ERR_clear_error();
        int r = SSL_write(t->ssl, data, n);
        if (r <= 0) {
            log_ssl_errors(AULA_LOG_LEVEL_DEBUG, "tls write failed", "SSL_write");
            t->failed = true;
            return AULA_ECLOSED;
        }
        data += r;
        len -= (size_t)r;
    }
    return 0;
}

static int handshake(aula_tls *t)
{
    ERR_clear_error();
    int r = SSL_do_handshake(t->ssl);
    if (r == 1) {
        t->handshake_done = true;
        if (t->held.len) {
            int rc = encrypt(t, t->held.data, t->held.len);
            aula_buf_deinit(&t->held);
            return rc;
        }
        return 0;
    }
    int err = SSL_get_error(t->ssl, r);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
        return 0;
    /* Scanners and old clients fail handshakes all day: debug level. */
    log_ssl_errors(AULA_LOG_LEVEL_DEBUG, "tls handshake failed", "SSL_do_handshake");
    t->failed = true;
    return AULA_EPROTO;
}

int aula_tls_feed(aula_tls *t, const void *data, size_t len, aula_buf *plain)
{
    if (t->failed)
        return AULA_EPROTO;
    const char *p = data;
    while (len > 0) {
        int n = len > INT_MAX ? INT_MAX : (int)len;
        int w = BIO_write(t->rbio, p, n);
        if (w <= 0)
            abort(); /* a memory BIO only fails to allocate */
        p += w;
        len -= (size_t)w;
    }
    if (!t->handshake_done) {
        int rc = handshake(t);
        if (rc != 0 || !t->handshake_done)
            return rc;
    }
    char chunk[16384];
    for (;;) {
        ERR_clear_error();
        int r = SSL_read(t->ssl, chunk, sizeof chunk);
        if (r > 0) {
            aula_buf_append(plain, chunk, (size_t)r);
            continue;
        }
        int err = SSL_get_error(t->ssl, r);
        if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
            return 0;
        if (err == SSL_ERROR_ZERO_RETURN)
            return AULA_ECLOSED;
        log_ssl_errors(AULA_LOG_LEVEL_DEBUG, "tls read failed", "SSL_read");
        t->failed = true;
        return AULA_EPROTO;
    }
}

int aula_tls_write(aula_tls *t, const void *data, size_t len)
{
    if (t->failed || t->shut_down)
        return AULA_ECLOSED;
    if (!t->handshake_done) {
        aula_buf_append(&t->held, data, len);
        return 0;
    }
    return encrypt(t, data, len);
}

void aula_tls_shutdown(aula_tls *t)
{
    if (t->shut_down || t->failed || !t->handshake_done) {
        t->shut_down = true;
        return;
    }
    t->shut_down = true;
    ERR_clear_error();
    /* One call sends our close_notify; we do not wait for the peer's. */
    if (SSL_shutdown(t->ssl) < 0)
        log_ssl_errors(AULA_LOG_LEVEL_DEBUG, "tls shutdown failed", "SSL_shutdown");
}

size_t aula_tls_drain(aula_tls *t, aula_buf *out)
{
    size_t total = 0;
    size_t pending;
    while ((pending = BIO_ctrl_pending(t->wbio)) > 0) {
        int n = pending > INT_MAX ? INT_MAX : (int)pending;
        aula_buf_reserve(out, (size_t)n);
        int r = BIO_read(t->wbio, out->data + out->len, n);
        if (r <= 0)
            break;
        out->len += (size_t)r;
        out->data[out->len] = '\0';
        total += (size_t)r;
    }
    return total;
}

bool aula_tls_handshake_done(const aula_tls *t)
{
    return t->handshake_done;
}
