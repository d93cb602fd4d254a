/* Where the join token secret comes from: the jwt_secret setting, or a
 * random key kept in the data folder so tokens survive a restart.
 * Thread: the control thread, at start-up (blocking file I/O). */
#ifndef AULA_AUTH_JOIN_KEY_H
#define AULA_AUTH_JOIN_KEY_H

#include <stddef.h>

/* The file in data_dir that holds the generated key: 64 hex characters
 * (32 random bytes) and a newline, mode 0600. */
#define AULA_JOIN_KEY_FILE "join-token.key"
#define AULA_JOIN_KEY_BYTES 32

/* Loads the secret. When configured is non-empty it is the secret (its
 * bytes; the caller has checked it is at least 32 long). Otherwise reads
 * <data_dir>/join-token.key, creating it with 32 fresh random bytes and
 * mode 0600 when it does not exist. On success returns 0 and a malloc'd
 * copy in *out (free with aula_free after wiping), *len its length.
 * Errors: AULA_EINVAL for a key file that is not 64+ hex characters or is
 * readable by others (err says which file and what to do), AULA_EIO /
 * system errors for I/O failures. err (errlen) gets a sentence for the log. */
int aula_join_key_load(const char *configured, const char *data_dir, unsigned char **out,
                       size_t *len, char *err, size_t errlen);

#endif
