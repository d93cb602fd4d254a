/* Sending e-mail through an SMTP server (libcurl), without blocking the
 * control loop.
 *
 * The mailer owns a bounded queue of composed messages (see event/mime.h)
 * and delivers them one at a time. A delivery that fails for a reason that
 * may pass (a 4xx reply, no connection, a timeout) is tried again after
 * smtp_retry_delay, then twice that, and so on, smtp_retries times; a 5xx
 * reply or a TLS or login failure ends it at once. Every accepted message
 * gets exactly one completion callback. Counters (sent, failed, dropped,
 * retried, queued) feed /metrics.
 *
 * The server URL (config smtp_url):
 *   smtp://[user:password@]host[:port][/][?options]    plain SMTP (port 25)
 *   smtps://[user:password@]host[:port][/][?options]   TLS from the start (465)
 * options, joined with "&":
 *   starttls       upgrade with STARTTLS and refuse to go on without it
 *                  (submission on port 587 usually wants this)
 *   insecure       do not verify the server's certificate (test setups only)
 *   cainfo=FILE    trust the CA certificates in FILE (PEM)
 * User and password are percent-encoded inside the URL and are never
 * logged. An empty smtp_url turns e-mail off: aula runs and sending
 * returns AULA_ECONFIG.
 *
 * Thread: the loop's thread, except where said. */
#ifndef AULA_EVENT_MAILER_H
#define AULA_EVENT_MAILER_H

#include "core/config.h"

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

typedef struct aula_mailer aula_mailer;

typedef struct aula_mailer_config {
    const char *url;  /* borrowed; NULL or "": e-mail off */
    const char *from; /* borrowed; "Name <addr>" or "addr" */
    size_t max_queue; /* messages queued, waiting or in flight, at most */
    int retries;      /* new attempts after a temporary failure */
    int64_t retry_delay_ms;
    int64_t timeout_ms; /* one attempt, connection included */
} aula_mailer_config;

typedef struct aula_mailer_stats {
    uint64_t sent;    /* delivered: the server took the message */
    uint64_t failed;  /* given up: permanent error or retries used up */
    uint64_t dropped; /* refused because the queue was full */
    uint64_t retried; /* attempts repeated after a temporary failure */
    size_t queued;    /* waiting or in flight now */
} aula_mailer_stats;

/* Fills mc from the smtp_* settings of cfg (borrowing its strings). */
void aula_mailer_config_from(aula_mailer_config *mc, const aula_config *cfg);

/* Creates a mailer on loop. Checks the URL (scheme, options) and the
 * sender, and logs once whether e-mail is on (naming the server without
 * credentials) or off. Returns 0, or AULA_ECONFIG with why (size whylen)
 * saying what is wrong with the setting. */
int aula_mailer_create(uv_loop_t *loop, const aula_mailer_config *mc, aula_mailer **out, char *why,
                       size_t whylen);

/* 1 when an smtp_url is set. */
int aula_mailer_enabled(const aula_mailer *m);

/* The sender as configured, for the From header. Valid while m lives. */
const char *aula_mailer_from(const aula_mailer *m);

/* "smtp://host:port" without credentials or options, for messages. */
const char *aula_mailer_server(const aula_mailer *m);

/* Called once per accepted message, on the loop thread. status: 0 when the
 * server accepted it, AULA_EIO when delivery failed for good, AULA_ECLOSED
 * when the mailer closed first. detail: a sentence for logs and people
 * (the server's reply when there was one); valid during the call. */
typedef void (*aula_mail_done_cb)(void *ud, int status, const char *detail);

/* Queues message (len bytes, as aula_mail_compose made it; copied) for the
 * address to (a bare address, copied). cb may be NULL. Returns 0 when
 * queued (cb will run exactly once, never from inside this call);
 * AULA_ECONFIG when e-mail is off; AULA_EINVAL for a malformed address;
 * AULA_EAGAIN when the queue is full (the message is dropped, counted and
 * logged); AULA_ECLOSED once closing. cb does not run on an error return. */
int aula_mailer_send(aula_mailer *m, const char *to, const char *message, size_t len,
                     aula_mail_done_cb cb, void *ud);

void aula_mailer_stats_get(const aula_mailer *m, aula_mailer_stats *out);

/* Stops the mailer: queued and waiting messages complete with
 * AULA_ECLOSED; a delivery in flight is aborted within about a second.
 * done(ud) runs on the loop once nothing is left; m is then freed. A NULL
 * m calls done at once. */
void aula_mailer_close(aula_mailer *m, void (*done)(void *ud), void *ud);

/* Policy, exposed for tests. True when a failed attempt may succeed later:
 * an SMTP reply 4xx, or no reply code and a connection-level libcurl
 * error (could not connect or resolve, timeout, connection lost). */
int aula__mailer_transient(int curl_code, int smtp_code);

/* The wait before retry number n (1-based): first_ms * 2^(n-1), at most
 * one hour. */
int64_t aula__mailer_backoff_ms(int64_t first_ms, int n);

#endif
