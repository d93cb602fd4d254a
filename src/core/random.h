/* Identifiers and secrets from the operating system's CSPRNG (OpenSSL
 * RAND_bytes). Thread: any. */
#ifndef AULA_CORE_RANDOM_H
#define AULA_CORE_RANDOM_H

#include <stddef.h>

/* Room ids look like "kfp-mqzx-tbw": 10 letters in groups of 3-4-3 from an
 * alphabet without look-alikes, easy to read aloud to a grandparent.
 * out must hold AULA_ROOM_ID_LEN + 1 bytes. */
#define AULA_ROOM_ID_LEN 12
void aula_random_room_id(char out[AULA_ROOM_ID_LEN + 1]);

/* True when s has the shape aula_random_room_id produces. */
int aula_room_id_valid(const char *s);

/* n random bytes as 2n lowercase hex characters plus NUL (out: 2n + 1). */
void aula_random_hex(char *out, size_t n);

/* Participant ids are aula_random_hex of 8 bytes: 16 hex characters. */
#define AULA_PARTICIPANT_ID_LEN 16

/* n random bytes (salts, secrets). */
void aula_random_bytes(unsigned char *out, size_t n);

#endif
