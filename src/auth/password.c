#include "auth/password.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/random.h"

#include <argon2.h>
#include <string.h>

#define T_COST 2
#define M_COST_KIB (19 * 1024)
#define LANES 1
#define SALT_LEN 16
#define HASH_LEN 32

int aula_password_hash(const char *password, size_t len, char **out)
{
    *out = NULL;
    if (!password || len == 0 || len > AULA_PASSWORD_MAX_LEN)
        return AULA_EINVAL;
    unsigned char salt[SALT_LEN];
    aula_random_bytes(salt, sizeof salt);
    size_t enclen = argon2_encodedlen(T_COST, M_COST_KIB, LANES, SALT_LEN, HASH_LEN, Argon2_id);
    char *enc = aula_malloc(enclen);
    int rc = argon2id_hash_encoded(T_COST, M_COST_KIB, LANES, password, len, salt, SALT_LEN,
                                   HASH_LEN, enc, enclen);
    if (rc != ARGON2_OK) {
        aula_free(enc);
        return rc == ARGON2_MEMORY_ALLOCATION_ERROR ? AULA_ENOMEM : AULA_ESYS;
    }
    *out = enc;
    return 0;
}

int aula_password_verify(const char *encoded, const char *password, size_t len)
{
    if (!encoded || strncmp(encoded, "$argon2id$", 10) != 0)
        return AULA_EINVAL;
    if (!password || len == 0 || len > AULA_PASSWORD_MAX_LEN)
        return AULA_EPERM;
    int rc = argon2id_verify(encoded, password, len);
    if (rc == ARGON2_OK)
        return 0;
    if (rc == ARGON2_VERIFY_MISMATCH)
        return AULA_EPERM;
    return AULA_EINVAL;
}
