/* Password hashing for host accounts: argon2id (RFC 9106) through
 * libargon2, stored as the PHC encoded string
 * ("$argon2id$v=19$m=...,t=...,p=...$salt$hash"), so the cost can be raised
 * later without breaking old hashes. Thread: any. */
#ifndef AULA_AUTH_PASSWORD_H
#define AULA_AUTH_PASSWORD_H

#include <stddef.h>

/* Passwords longer than this are refused (hashing cost is linear in the
 * length, and nobody types more). */
#define AULA_PASSWORD_MAX_LEN 1024

/* Hashes password (len bytes, 1..AULA_PASSWORD_MAX_LEN) with a fresh 16-byte
 * random salt, t=2 passes over 19 MiB, one lane (the OWASP recommendation).
 * Returns 0 and *out (an encoded string; free with aula_free) or AULA_EINVAL
 * for a bad length, AULA_ENOMEM/AULA_ESYS if libargon2 fails. */
int aula_password_hash(const char *password, size_t len, char **out);

/* Returns 0 when password matches the encoded argon2id hash, AULA_EPERM when
 * it does not (an empty or over-long password never matches), AULA_EINVAL
 * when encoded is not an argon2id string. Takes as long as one hash. */
int aula_password_verify(const char *encoded, const char *password, size_t len);

#endif
