/* Join tokens: short-lived signed statements "this person may enter this
 * room with this role", as JWT HS256 (RFC 7519 / RFC 7515) through libjwt.
 *
 * Claims: room (room id), sub (participant id, 16 hex characters), name
 * (display name, already cleaned), role ("participant", "cohost", "host",
 * "presenter", "attendee"),
 * admitted (bool: passed the lobby), iat and exp (seconds since the epoch).
 * The signer holds the HMAC secret; it reads no clock: callers pass the time.
 * Thread: a signer may be used from any one thread at a time. */
#ifndef AULA_AUTH_JOIN_TOKEN_H
#define AULA_AUTH_JOIN_TOKEN_H

#include "core/random.h"
#include "room/text.h"

#include <stddef.h>
#include <stdint.h>

typedef enum aula_role {
    AULA_ROLE_PARTICIPANT = 0,
    AULA_ROLE_COHOST = 1,
    AULA_ROLE_HOST = 2,
    AULA_ROLE_PRESENTER = 3, /* webinars: may publish, no host powers */
    AULA_ROLE_ATTENDEE = 4   /* webinars: watches; may not publish */
} aula_role;

/* Compare roles with == or these helpers, never with < or >. */

/* 1 for host or cohost, 0 otherwise. */
static inline int aula_role_is_host(aula_role r)
{
    return r == AULA_ROLE_HOST || r == AULA_ROLE_COHOST;
}

/* 1 for every role but attendee. */
static inline int aula_role_may_publish(aula_role r)
{
    return r != AULA_ROLE_ATTENDEE;
}

/* "participant", "cohost", "host", "presenter" or "attendee" (never NULL;
 * "participant" for values outside the enum). */
const char *aula_role_name(aula_role r);

/* Parses one of the five names. Returns 0 and sets *out, or AULA_EINVAL
 * (s NULL or anything else; *out untouched). */
int aula_role_parse(const char *s, aula_role *out);

typedef struct aula_join_claims {
    char room[AULA_ROOM_ID_LEN + 1];
    char participant[AULA_PARTICIPANT_ID_LEN + 1]; /* 16 hex chars */
    char name[4 * AULA_NAME_MAX_CHARS + 1];
    aula_role role;
    int admitted;
    int64_t iat_s, exp_s;
} aula_join_claims;

typedef struct aula_join_signer aula_join_signer;

/* Minimum secret length in bytes. */
#define AULA_JOIN_SECRET_MIN 32

/* Creates a signer that keeps a copy of secret (len >= AULA_JOIN_SECRET_MIN,
 * asserted) and issues tokens valid for ttl_ms (> 0, rounded up to whole
 * seconds). Destroy with aula_join_signer_destroy, which wipes the copy. */
aula_join_signer *aula_join_signer_create(const unsigned char *secret, size_t len, int64_t ttl_ms);
void aula_join_signer_destroy(aula_join_signer *s);

/* The token lifetime the signer was created with, in ms. */
int64_t aula_join_signer_ttl_ms(const aula_join_signer *s);

/* Signs c with iat = now, exp = now + ttl (c's iat/exp are ignored and the
 * written values are stored back into *c). c's room must be a valid room
 * id, participant 16 lowercase hex characters, name non-empty: otherwise
 * AULA_EINVAL. On success *out is a NUL-terminated token allocated with
 * aula_alloc (free with aula_free). */
int aula_join_token_issue(const aula_join_signer *s, aula_join_claims *c, int64_t now_ms,
                          char **out);

/* Verifies the signature, the algorithm (must be HS256), every claim's
 * presence and form, and exp > now. Returns 0 and fills *out;
 * AULA_ETIMEDOUT when the token is well-formed and correctly signed but
 * expired (*out is filled too, so a caller may accept a recently expired
 * token for a rejoin); AULA_EPERM for anything else (forged, malformed,
 * wrong algorithm). why (may be NULL) gets a short sentence for logs. */
int aula_join_token_verify(const aula_join_signer *s, const char *token, int64_t now_ms,
                           aula_join_claims *out, char *why, size_t whylen);

#endif
