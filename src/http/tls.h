/* Server-side TLS (1.2 and 1.3) through OpenSSL memory BIOs, sans-IO.
 *
 * The object does no I/O: feed it the ciphertext that arrived with
 * aula_tls_feed(), which hands back the plaintext it decrypted; queue
 * plaintext with aula_tls_write(); then drain the ciphertext to send (the
 * handshake, records, alerts) with aula_tls_drain() after every call.
 *
 * Thread: a context may be shared read-only by connections of one thread;
 * one connection object is used by one thread. */
#ifndef AULA_HTTP_TLS_H
#define AULA_HTTP_TLS_H

#include "core/buf.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct aula_tls_ctx aula_tls_ctx;
typedef struct aula_tls aula_tls;

/* Loads the certificate chain and the private key (PEM files) into a server
 * context: TLS 1.2 minimum, forward-secret AEAD suites only, no
 * renegotiation, ALPN "http/1.1". Returns 0, or AULA_ECONFIG (logged with
 * OpenSSL's reason) when a file is missing, unreadable or the key does not
 * match the certificate. */
int aula_tls_ctx_create(const char *cert_file, const char *key_file, aula_tls_ctx **out);

/* Frees the context. Connections created from it must be gone already. */
void aula_tls_ctx_destroy(aula_tls_ctx *ctx);

/* A server-side connection waiting for the ClientHello. Never NULL. The
 * context must outlive it. */
aula_tls *aula_tls_create(aula_tls_ctx *ctx);

void aula_tls_destroy(aula_tls *t);

/* Feeds ciphertext received from the peer and appends any decrypted
 * plaintext to plain. Returns 0; AULA_ECLOSED once the peer sent
 * close_notify (plaintext before it is still delivered); AULA_EPROTO on a
 * fatal handshake or record error. In every case, drain: an alert may be
 * waiting. */
int aula_tls_feed(aula_tls *t, const void *data, size_t len, aula_buf *plain);

/* Encrypts len bytes for the peer. Before the handshake completes they are
 * held and sent once it does. Returns 0, or AULA_ECLOSED after a fatal
 * error or aula_tls_shutdown(). */
int aula_tls_write(aula_tls *t, const void *data, size_t len);

/* Queues a close_notify alert; later writes fail. Idempotent. */
void aula_tls_shutdown(aula_tls *t);

/* Appends the ciphertext waiting to be sent to out; returns its length. */
size_t aula_tls_drain(aula_tls *t, aula_buf *out);

/* True once the handshake completed. */
bool aula_tls_handshake_done(const aula_tls *t);

#endif
