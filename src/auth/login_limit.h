/* Slows down password guessing: after a few failed log-ins for one key
 * (an e-mail address, or a client address) within a minute, further
 * attempts for that key are refused until the minute is over.
 *
 * A fixed table of slots, so memory stays bounded whatever the attacker
 * sends; when it is full the oldest slot is reused (an attacker spraying
 * keys can evict entries, which only weakens the limit back to argon2's
 * own cost, never locks anyone out). Sans-IO: the time is passed in.
 * Thread: one thread. */
#ifndef AULA_AUTH_LOGIN_LIMIT_H
#define AULA_AUTH_LOGIN_LIMIT_H

#include <stdint.h>

#define AULA_LOGIN_MAX_FAILURES 5
#define AULA_LOGIN_WINDOW_MS 60000

typedef struct aula_login_limit aula_login_limit;

aula_login_limit *aula_login_limit_create(void);
void aula_login_limit_destroy(aula_login_limit *l);

/* True (1) while key has had AULA_LOGIN_MAX_FAILURES failures in the
 * window that started with its first failure. */
int aula_login_limit_blocked(const aula_login_limit *l, const char *key, int64_t now_ms);

/* Counts one failure for key. */
void aula_login_limit_fail(aula_login_limit *l, const char *key, int64_t now_ms);

/* Forgets key (after a successful log-in). */
void aula_login_limit_clear(aula_login_limit *l, const char *key);

#endif
