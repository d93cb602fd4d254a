/* Checks of a password everyone types: a room's or an event's. A join
 * storm of 500 people to a password webinar would otherwise run 500
 * argon2id checks (about 50 ms each, on the control thread). Once argon2id
 * has accepted a password for a hash, an HMAC-SHA-256 of it under a key
 * made at start (32 random bytes, never stored) is remembered for that
 * hash, and the same password is then accepted by comparing MACs in
 * constant time. A wrong password always goes through argon2id, so
 * guessing stays as slow as before; a changed password is a new hash, so
 * the old one matches nothing. Host account passwords do not go through
 * here: each is one person's, typed once per log-in. Thread: any. */
#ifndef AULA_AUTH_SHARED_PASSWORD_H
#define AULA_AUTH_SHARED_PASSWORD_H

#include <stddef.h>
#include <stdint.h>

/* As aula_password_verify() (0, AULA_EPERM or AULA_EINVAL), remembering a
 * match as above. */
int aula_shared_password_verify(const char *encoded, const char *password, size_t len);

/* How many argon2id checks aula_shared_password_verify() ran, and how many
 * calls a remembered MAC answered, since start. */
void aula_shared_password_counts(uint64_t *argon2_checks, uint64_t *remembered);

#endif
