#include "rtc/srtp.h"

#include "rtc/srtp_gcm.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/log.h"

#include <limits.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <srtp2/srtp.h>
#include <string.h>

_Static_assert(AULA_SRTP_MAX_TRAILER >= SRTP_MAX_TRAILER_LEN + 4,
               "AULA_SRTP_MAX_TRAILER must cover libsrtp2's SRTCP trailer");
_Static_assert(AULA_SRTP_MAX_KEY_LEN + AULA_SRTP_MAX_SALT_LEN <= SRTP_MAX_KEY_LEN,
               "master key plus salt must fit libsrtp2's key buffer");

/* RFC 3550: fixed RTP header; RFC 3550 section 6.4.1: RTCP SR/RR header. */
#define RTP_MIN_LEN 12
#define RTCP_MIN_LEN 8

/* Replay window in packets (RFC 3711 section 3.3.2 asks for at least 64;
 * video bursts reorder more than that). */
#define REPLAY_WINDOW 1024

/* A GCM transport uses OpenSSL both ways (srtp_gcm.h) and no libsrtp2
 * session: those cost about 35 KiB per transport through NSS. */
struct aula_srtp {
    aula_srtp_profile profile;
    srtp_t inbound;            /* owned, AES_CM only: unprotects what the peer sends */
    srtp_t outbound;           /* owned, AES_CM only: protects what we send */
    aula__srtp_gcm_tx *gcm_tx; /* owned, GCM only */
    aula__srtp_gcm_rx *gcm_rx; /* owned, GCM only */
};

/* libsrtp2 keeps a process-wide registry of cipher and auth types (its
 * "crypto kernel") that srtp_init fills and every session reads. It has
 * to be initialised exactly once before any worker creates a session,
 * from whichever thread gets there first: that is what this once flag
 * and its saved result are for, the only mutable globals in src/rtc. */
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_result;

static void init_libsrtp(void)
{
    srtp_err_status_t st = srtp_init();
    if (st != srtp_err_status_ok) {
        AULA_LOG_ERROR("srtp", "srtp_init failed", "status=%d", (int)st);
        init_result = AULA_EIO;
    }
}

int aula_srtp_global_init(void)
{
    pthread_once(&init_once, init_libsrtp);
    return init_result;
}

int aula_srtp_profile_lengths(aula_srtp_profile profile, size_t *key_len, size_t *salt_len)
{
    switch (profile) {
    case AULA_SRTP_AES128_CM_SHA1_80: /* RFC 5764 section 4.1.2 */
        *key_len = SRTP_AES_128_KEY_LEN;
        *salt_len = SRTP_SALT_LEN;
        return 0;
    case AULA_SRTP_AEAD_AES_128_GCM: /* RFC 7714 section 12 */
        *key_len = SRTP_AES_128_KEY_LEN;
        *salt_len = SRTP_AEAD_SALT_LEN;
        return 0;
    }
    return AULA_EINVAL;
}

const char *aula_srtp_profile_name(aula_srtp_profile profile)
{
    switch (profile) {
    case AULA_SRTP_AES128_CM_SHA1_80:
        return "AES_CM_128_HMAC_SHA1_80";
    case AULA_SRTP_AEAD_AES_128_GCM:
        return "AEAD_AES_128_GCM";
    }
    return "unknown";
}

/* Builds one libsrtp2 session (AES_CM_128_HMAC_SHA1_80; GCM goes through
 * srtp_gcm.h) for a wildcard SSRC direction. key_salt is the master key
 * followed by the master salt, as libsrtp2 wants it. */
static int make_session(aula_srtp_profile profile, srtp_ssrc_type_t type, unsigned char *key_salt,
                        srtp_t *out)
{
    srtp_policy_t policy;
    memset(&policy, 0, sizeof policy);
    srtp_crypto_policy_set_rtp_default(&policy.rtp);
    srtp_crypto_policy_set_rtcp_default(&policy.rtcp);
    policy.ssrc.type = type;
    policy.key = key_salt;
    policy.window_size = REPLAY_WINDOW;
    /* Retransmissions (RFC 4588 is not used: NACKed packets are sent
     * again as they were) repeat sequence numbers on the outbound side. */
    policy.allow_repeat_tx = type == ssrc_any_outbound;
    policy.next = NULL;
    srtp_err_status_t st = srtp_create(out, &policy);
    if (st != srtp_err_status_ok) {
        AULA_LOG_ERROR("srtp", "srtp_create failed", "status=%d profile=%s", (int)st,
                       aula_srtp_profile_name(profile));
        *out = NULL;
        return AULA_EIO;
    }
    return 0;
}

int aula_srtp_create(aula_srtp_profile profile, const aula_srtp_keys *keys, aula_srtp_role role,
                     aula_srtp **out)
{
    *out = NULL;
    size_t key_len, salt_len;
    if (aula_srtp_profile_lengths(profile, &key_len, &salt_len) != 0 || keys->key_len != key_len ||
        keys->salt_len != salt_len)
        return AULA_EINVAL;
    int err = aula_srtp_global_init();
    if (err)
        return err;

    const uint8_t *local_key = role == AULA_SRTP_ROLE_SERVER ? keys->server_key : keys->client_key;
    const uint8_t *local_salt =
        role == AULA_SRTP_ROLE_SERVER ? keys->server_salt : keys->client_salt;
    const uint8_t *remote_key = role == AULA_SRTP_ROLE_SERVER ? keys->client_key : keys->server_key;
    const uint8_t *remote_salt =
        role == AULA_SRTP_ROLE_SERVER ? keys->client_salt : keys->server_salt;

    unsigned char local[SRTP_MAX_KEY_LEN], remote[SRTP_MAX_KEY_LEN];
    memcpy(local, local_key, key_len);
    memcpy(local + key_len, local_salt, salt_len);
    memcpy(remote, remote_key, key_len);
    memcpy(remote + key_len, remote_salt, salt_len);

    aula_srtp *s = aula_calloc(1, sizeof *s);
    s->profile = profile;
    if (profile == AULA_SRTP_AEAD_AES_128_GCM) {
        err = aula__srtp_gcm_rx_create(remote, remote + key_len, &s->gcm_rx);
        if (!err)
            err = aula__srtp_gcm_tx_create(local, local + key_len, &s->gcm_tx);
    } else {
        err = make_session(profile, ssrc_any_inbound, remote, &s->inbound);
        if (!err)
            err = make_session(profile, ssrc_any_outbound, local, &s->outbound);
    }
    OPENSSL_cleanse(local, sizeof local);
    OPENSSL_cleanse(remote, sizeof remote);
    if (err) {
        aula_srtp_destroy(s);
        return err;
    }
    *out = s;
    return 0;
}

void aula_srtp_destroy(aula_srtp *s)
{
    if (!s)
        return;
    if (s->inbound)
        srtp_dealloc(s->inbound);
    if (s->outbound)
        srtp_dealloc(s->outbound);
    aula__srtp_gcm_tx_destroy(s->gcm_tx);
    aula__srtp_gcm_rx_destroy(s->gcm_rx);
    aula_free(s);
}

aula_srtp_profile aula_srtp_get_profile(const aula_srtp *s)
{
    return s->profile;
}

/* Network input that libsrtp2 rejects, whatever the reason (bad tag,
 * replay, too old, malformed header), is a protocol error for the caller
 * to drop and count; libsrtp2's own allocation failure is not. */
static int map_unprotect(srtp_err_status_t st)
{
    if (st == srtp_err_status_ok)
        return 0;
    if (st == srtp_err_status_alloc_fail)
        return AULA_ENOMEM;
    return AULA_EPROTO;
}

static int map_protect(srtp_err_status_t st)
{
    switch (st) {
    case srtp_err_status_ok:
        return 0;
    case srtp_err_status_bad_param:
    case srtp_err_status_parse_err:
        return AULA_EINVAL;
    case srtp_err_status_alloc_fail:
        return AULA_ENOMEM;
    default:
        return AULA_EPROTO;
    }
}

/* libsrtp2 counts in int: anything near INT_MAX is no datagram. */
static int check_protect_args(const size_t *len, size_t cap, size_t min_len)
{
    if (*len < min_len)
        return AULA_EINVAL;
    if (cap < *len || cap - *len < AULA_SRTP_MAX_TRAILER || *len > INT_MAX / 2)
        return AULA_ETOOBIG;
    return 0;
}

int aula_srtp_protect_rtp(aula_srtp *s, uint8_t *buf, size_t *len, size_t cap)
{
    int err = check_protect_args(len, cap, RTP_MIN_LEN);
    if (err)
        return err;
    if (s->gcm_tx)
        return aula__srtp_gcm_tx_protect(s->gcm_tx, buf, len);
    int n = (int)*len;
    err = map_protect(srtp_protect(s->outbound, buf, &n));
    if (!err)
        *len = (size_t)n;
    return err;
}

int aula_srtp_protect_rtcp(aula_srtp *s, uint8_t *buf, size_t *len, size_t cap)
{
    int err = check_protect_args(len, cap, RTCP_MIN_LEN);
    if (err)
        return err;
    if (s->gcm_tx)
        return aula__srtp_gcm_tx_protect_rtcp(s->gcm_tx, buf, len);
    int n = (int)*len;
    err = map_protect(srtp_protect_rtcp(s->outbound, buf, &n));
    if (!err)
        *len = (size_t)n;
    return err;
}

int aula_srtp_unprotect_rtp(aula_srtp *s, uint8_t *buf, size_t *len)
{
    if (*len < RTP_MIN_LEN || *len > INT_MAX / 2)
        return AULA_EPROTO;
    if (s->gcm_rx)
        return aula__srtp_gcm_rx_unprotect(s->gcm_rx, buf, len);
    int n = (int)*len;
    int err = map_unprotect(srtp_unprotect(s->inbound, buf, &n));
    if (!err)
        *len = (size_t)n;
    return err;
}

int aula_srtp_unprotect_rtcp(aula_srtp *s, uint8_t *buf, size_t *len)
{
    if (*len < RTCP_MIN_LEN || *len > INT_MAX / 2)
        return AULA_EPROTO;
    if (s->gcm_rx)
        return aula__srtp_gcm_rx_unprotect_rtcp(s->gcm_rx, buf, len);
    int n = (int)*len;
    int err = map_unprotect(srtp_unprotect_rtcp(s->inbound, buf, &n));
    if (!err)
        *len = (size_t)n;
    return err;
}
