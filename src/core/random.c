#include "core/random.h"

#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

/* 23 letters: i, l and o are left out because they are read as 1, I and 0. */
static const char room_alphabet[] = "abcdefghjkmnpqrstuvwxyz";

static void random_bytes(unsigned char *out, size_t n)
{
    /* RAND_bytes only fails when the OS entropy source is unusable; an id
     * that is not random would be a security hole, so stop instead. */
    if (RAND_bytes(out, (int)n) != 1)
        abort();
}

void aula_random_bytes(unsigned char *out, size_t n)
{
    random_bytes(out, n);
}

void aula_random_room_id(char out[AULA_ROOM_ID_LEN + 1])
{
    const size_t k = sizeof room_alphabet - 1;
    size_t o = 0;
    while (o < AULA_ROOM_ID_LEN) {
        if (o == 3 || o == 8) {
            out[o++] = '-';
            continue;
        }
        unsigned char b;
        random_bytes(&b, 1);
        /* Rejection sampling keeps every letter equally likely. */
        if (b >= 256 - (256 % k))
            continue;
        out[o++] = room_alphabet[b % k];
    }
    out[o] = '\0';
}

int aula_room_id_valid(const char *s)
{
    if (!s || strlen(s) != AULA_ROOM_ID_LEN)
        return 0;
    for (size_t i = 0; i < AULA_ROOM_ID_LEN; i++) {
        if (i == 3 || i == 8) {
            if (s[i] != '-')
                return 0;
        } else if (!strchr(room_alphabet, s[i]) || s[i] == '\0') {
            return 0;
        }
    }
    return 1;
}

void aula_random_hex(char *out, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char b[64];
    size_t o = 0;
    while (n > 0) {
        size_t chunk = n < sizeof b ? n : sizeof b;
        random_bytes(b, chunk);
        for (size_t i = 0; i < chunk; i++) {
            out[o++] = hex[b[i] >> 4];
            out[o++] = hex[b[i] & 15];
        }
        n -= chunk;
    }
    out[o] = '\0';
}
