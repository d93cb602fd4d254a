#include "auth/shared_password.h"

#include "auth/password.h"
#include "core/error.h"
#include "core/random.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string.h>
#include <uv.h>

/* Room and event passwords in use at once; the least recently used entry
 * makes room for a new one (it then costs one more argon2id check). */
#define SLOTS 128
#define ENCODED_MAX 160 /* argon2id strings are about 97 characters */

typedef struct slot {
    char encoded[ENCODED_MAX]; /* "" when free */
    unsigned char mac[32];
    uint64_t used; /* clock value of the last match */
} slot;

static struct {
    uv_once_t once;
    uv_mutex_t lock;
    unsigned char key[32];
    slot slots[SLOTS];
    uint64_t clock, argon2_checks, remembered;
} cache = {.once = UV_ONCE_INIT};

static void init_cache(void)
{
    uv_mutex_init(&cache.lock);
    aula_random_bytes(cache.key, sizeof cache.key);
}

static int mac_of(const char *password, size_t len, unsigned char out[32])
{
    size_t n = 0;
    return EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, cache.key, sizeof cache.key,
                     (const unsigned char *)password, len, out, 32, &n) != NULL &&
                   n == 32
               ? 0
               : -1;
}

/* The slot remembering encoded, or NULL. Under the lock. */
static slot *find(const char *encoded)
{
    for (size_t i = 0; i < SLOTS; i++)
        if (cache.slots[i].encoded[0] && strcmp(cache.slots[i].encoded, encoded) == 0)
            return &cache.slots[i];
    return NULL;
}

/* A free slot, or the least recently used one. Under the lock. */
static slot *take(void)
{
    slot *oldest = &cache.slots[0];
    for (size_t i = 0; i < SLOTS; i++) {
        if (!cache.slots[i].encoded[0])
            return &cache.slots[i];
        if (cache.slots[i].used < oldest->used)
            oldest = &cache.slots[i];
    }
    return oldest;
}

int aula_shared_password_verify(const char *encoded, const char *password, size_t len)
{
    uv_once(&cache.once, init_cache);
    unsigned char mac[32];
    /* A password argon2id will look at (aula_password_verify refuses the rest). */
    int usable = password && len > 0 && len <= AULA_PASSWORD_MAX_LEN;
    int have_mac =
        usable && encoded && strlen(encoded) < ENCODED_MAX && mac_of(password, len, mac) == 0;
    if (have_mac) {
        uv_mutex_lock(&cache.lock);
        slot *s = find(encoded);
        int hit = s && CRYPTO_memcmp(s->mac, mac, sizeof mac) == 0;
        if (hit) {
            s->used = ++cache.clock;
            cache.remembered++;
        }
        uv_mutex_unlock(&cache.lock);
        if (hit)
            return 0;
    }
    int rc = aula_password_verify(encoded, password, len);
    uv_mutex_lock(&cache.lock);
    /* Counted when argon2id really ran: a usable password and hash. */
    cache.argon2_checks += (uint64_t)(usable && rc != AULA_EINVAL);
    if (rc == 0 && have_mac) {
        slot *s = find(encoded);
        if (!s) {
            s = take();
            strcpy(s->encoded, encoded);
        }
        memcpy(s->mac, mac, sizeof mac);
        s->used = ++cache.clock;
    }
    uv_mutex_unlock(&cache.lock);
    return rc;
}

void aula_shared_password_counts(uint64_t *argon2_checks, uint64_t *remembered)
{
    uv_once(&cache.once, init_cache);
    uv_mutex_lock(&cache.lock);
    *argon2_checks = cache.argon2_checks;
    *remembered = cache.remembered;
    uv_mutex_unlock(&cache.lock);
}
