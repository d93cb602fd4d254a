/* Host accounts over REST (docs/api.md): sign up, log in, log out, who am
 * I; the session cookie and the CSRF / Origin gate in front of
 * state-changing API requests.
 *
 * The cookie (aula_session) holds 32 random bytes in hex; the store keeps
 * only their SHA-256, so a copy of the database logs nobody in. Each
 * session has its own CSRF token, which the page gets from signup, login or
 * GET /auth/me and sends back as X-CSRF-Token.
 * Thread: the control thread. */
#ifndef AULA_AUTH_AUTH_API_H
#define AULA_AUTH_AUTH_API_H

#include "auth/login_limit.h"
#include "http/http_server.h"
#include "store/store.h"

#include <stdint.h>

#define AULA_SESSION_COOKIE "aula_session"
#define AULA_SESSION_TTL_MS (30LL * 24 * 3600 * 1000)
#define AULA_SIGNUP_PASSWORD_MIN 10

typedef struct aula_auth_api {
    aula_store *store;       /* borrowed */
    aula_login_limit *limit; /* borrowed: failed log-ins per e-mail and address */
    const char *public_url;  /* borrowed; "" when not configured */
    int tls;                 /* cookies get Secure */
} aula_auth_api;

/* POST /api/v1/auth/signup {email, name, password} -> 201 {user, csrf}. */
void aula_auth_api_signup(const aula_auth_api *api, aula_http_request *req);
/* POST /api/v1/auth/login {email, password} -> 200 {user, csrf}. */
void aula_auth_api_login(const aula_auth_api *api, aula_http_request *req);
/* POST /api/v1/auth/logout -> 204, session deleted, cookie cleared. */
void aula_auth_api_logout(const aula_auth_api *api, aula_http_request *req);
/* GET /api/v1/auth/me -> 200 {user, csrf} or 401. */
void aula_auth_api_me(const aula_auth_api *api, aula_http_request *req);

/* The live session the request's cookie names. Returns 0 and fills *out
 * (free with aula_session_rec_deinit), AULA_ENOENT when there is no cookie
 * or no live session for it, AULA_ESTORE when the store failed. */
int aula_auth_session(const aula_auth_api *api, const aula_http_request *req, int64_t now_ms,
                      aula_session_rec *out);

/* The gate in front of a state-changing API request (POST, PUT, PATCH,
 * DELETE): an Origin header, when present, must name this server (its
 * Host, or public_url), and when the request carries a live session
 * cookie, X-CSRF-Token must match the session's. check_csrf 0 skips the
 * second check for routes that never act on the session. Returns 0 when
 * the request may go on; otherwise answers 403 (or 503) and returns -1. */
int aula_auth_gate(const aula_auth_api *api, aula_http_request *req, int check_csrf);

#endif
