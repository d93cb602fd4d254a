#include "auth/join_token.h"

#include "core/alloc.h"
#include "core/error.h"

#include <assert.h>
#include <jansson.h>
#include <jwt.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Tokens longer than this are refused before any parsing: ours are about
 * 300 bytes, and a bound keeps a hostile header from costing much. */
#define TOKEN_MAX_LEN 4096

struct aula_join_signer {
    unsigned char *secret; /* owned, wiped on destroy */
    size_t len;
    int64_t ttl_s;
    int64_t ttl_ms;
};

static const char *const role_names[] = {"participant", "cohost", "host", "presenter", "attendee"};

const char *aula_role_name(aula_role r)
{
    if ((int)r < 0 || (size_t)r >= sizeof role_names / sizeof role_names[0])
        return role_names[0];
    return role_names[r];
}

int aula_role_parse(const char *s, aula_role *out)
{
    if (!s)
        return AULA_EINVAL;
    for (size_t i = 0; i < sizeof role_names / sizeof role_names[0]; i++) {
        if (strcmp(s, role_names[i]) == 0) {
            *out = (aula_role)i;
            return 0;
        }
    }
    return AULA_EINVAL;
}

aula_join_signer *aula_join_signer_create(const unsigned char *secret, size_t len, int64_t ttl_ms)
{
    assert(secret && len >= AULA_JOIN_SECRET_MIN && len < (1u << 20));
    assert(ttl_ms > 0);
    aula_join_signer *s = aula_calloc(1, sizeof *s);
    s->secret = aula_malloc(len);
    memcpy(s->secret, secret, len);
    s->len = len;
    s->ttl_ms = ttl_ms;
    s->ttl_s = (ttl_ms + 999) / 1000;
    return s;
}

void aula_join_signer_destroy(aula_join_signer *s)
{
    if (!s)
        return;
    OPENSSL_cleanse(s->secret, s->len);
    aula_free(s->secret);
    aula_free(s);
}

int64_t aula_join_signer_ttl_ms(const aula_join_signer *s)
{
    return s->ttl_ms;
}

static int is_lower_hex(const char *s, size_t len)
{
    if (strlen(s) != len)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return 0;
    }
    return 1;
}

static int claims_valid(const aula_join_claims *c)
{
    return aula_room_id_valid(c->room) && is_lower_hex(c->participant, AULA_PARTICIPANT_ID_LEN) &&
           c->name[0] != '\0' && strlen(c->name) < sizeof c->name &&
           (c->role == AULA_ROLE_PARTICIPANT || c->role == AULA_ROLE_COHOST ||
            c->role == AULA_ROLE_HOST || c->role == AULA_ROLE_PRESENTER ||
            c->role == AULA_ROLE_ATTENDEE);
}

int aula_join_token_issue(const aula_join_signer *s, aula_join_claims *c, int64_t now_ms,
                          char **out)
{
    assert(s && c && out);
    *out = NULL;
    if (!claims_valid(c))
        return AULA_EINVAL;
    c->iat_s = now_ms / 1000;
    c->exp_s = c->iat_s + s->ttl_s;

    jwt_t *jwt = NULL;
    if (jwt_new(&jwt) != 0)
        return AULA_ENOMEM;
    int rc = AULA_ENOMEM;
    if (jwt_add_grant(jwt, "room", c->room) != 0 ||
        jwt_add_grant(jwt, "sub", c->participant) != 0 ||
        jwt_add_grant(jwt, "name", c->name) != 0 ||
        jwt_add_grant(jwt, "role", aula_role_name(c->role)) != 0 ||
        jwt_add_grant_bool(jwt, "admitted", c->admitted ? 1 : 0) != 0 ||
        jwt_add_grant_int(jwt, "iat", (long)c->iat_s) != 0 ||
        jwt_add_grant_int(jwt, "exp", (long)c->exp_s) != 0 ||
        jwt_set_alg(jwt, JWT_ALG_HS256, s->secret, (int)s->len) != 0)
        goto done;
    char *tok = jwt_encode_str(jwt);
    if (!tok)
        goto done;
    *out = aula_strdup(tok);
    free(tok);
    rc = 0;
done:
    jwt_free(jwt);
    return rc;
}

static int refuse(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int refuse(char *why, size_t whylen, const char *fmt, ...)
{
    if (why && whylen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, whylen, fmt, ap);
        va_end(ap);
    }
    return AULA_EPERM;
}

/* Copies a string claim into dst (cap bytes) if present, a string, and
 * short enough; returns 0 or -1. */
static int copy_str_claim(json_t *grants, const char *key, char *dst, size_t cap)
{
    json_t *v = json_object_get(grants, key);
    if (!json_is_string(v))
        return -1;
    size_t len = json_string_length(v);
    const char *str = json_string_value(v);
    if (len == 0 || len >= cap || strlen(str) != len)
        return -1;
    memcpy(dst, str, len + 1);
    return 0;
}

/* Fills *out from the decoded claims; returns 0 or -1 with why set. */
static int read_claims(json_t *g, aula_join_claims *out, char *why, size_t whylen)
{
    memset(out, 0, sizeof *out);
    if (copy_str_claim(g, "room", out->room, sizeof out->room) != 0 ||
        !aula_room_id_valid(out->room))
        return refuse(why, whylen, "claim room is missing or malformed");
    if (copy_str_claim(g, "sub", out->participant, sizeof out->participant) != 0 ||
        !is_lower_hex(out->participant, AULA_PARTICIPANT_ID_LEN))
        return refuse(why, whylen, "claim sub is missing or malformed");
    if (copy_str_claim(g, "name", out->name, sizeof out->name) != 0)
        return refuse(why, whylen, "claim name is missing or malformed");
    json_t *role = json_object_get(g, "role");
    if (!json_is_string(role) || aula_role_parse(json_string_value(role), &out->role) != 0)
        return refuse(why, whylen, "claim role is missing or unknown");
    json_t *adm = json_object_get(g, "admitted");
    if (!json_is_boolean(adm))
        return refuse(why, whylen, "claim admitted is missing or not a boolean");
    out->admitted = json_is_true(adm);
    json_t *iat = json_object_get(g, "iat"), *exp = json_object_get(g, "exp");
    if (!json_is_integer(iat) || !json_is_integer(exp))
        return refuse(why, whylen, "claim iat or exp is missing or not an integer");
    out->iat_s = json_integer_value(iat);
    out->exp_s = json_integer_value(exp);
    if (out->iat_s < 0 || out->exp_s < out->iat_s)
        return refuse(why, whylen, "claims iat and exp are inconsistent");
    return 0;
}

int aula_join_token_verify(const aula_join_signer *s, const char *token, int64_t now_ms,
                           aula_join_claims *out, char *why, size_t whylen)
{
    assert(s && out);
    memset(out, 0, sizeof *out);
    if (why && whylen)
        why[0] = '\0';
    if (!token || !token[0])
        return refuse(why, whylen, "no token");
    if (strlen(token) > TOKEN_MAX_LEN)
        return refuse(why, whylen, "token too long");

    /* jwt_decode checks the signature with whatever algorithm the header
     * names (and takes "none" without one), so the algorithm is checked
     * after it: only HS256 with our secret is ours. */
    jwt_t *jwt = NULL;
    if (jwt_decode(&jwt, token, s->secret, (int)s->len) != 0 || !jwt)
        return refuse(why, whylen, "malformed token or bad signature");
    int rc;
    json_t *grants = NULL;
    if (jwt_get_alg(jwt) != JWT_ALG_HS256) {
        rc = refuse(why, whylen, "algorithm %s is not accepted", jwt_alg_str(jwt_get_alg(jwt)));
        goto done;
    }
    char *js = jwt_get_grants_json(jwt, NULL);
    if (js)
        grants = json_loads(js, JSON_REJECT_DUPLICATES, NULL);
    free(js);
    if (!json_is_object(grants)) {
        rc = refuse(why, whylen, "claims are not a JSON object");
        goto done;
    }
    rc = read_claims(grants, out, why, whylen);
    if (rc != 0)
        goto done;
    if (out->exp_s * 1000 <= now_ms) {
        if (why && whylen)
            snprintf(why, whylen, "token expired");
        rc = AULA_ETIMEDOUT;
    }
done:
    json_decref(grants);
    jwt_free(jwt);
    if (rc == AULA_EPERM) {
        aula_join_claims blank = {0};
        *out = blank;
    }
    return rc;
}
