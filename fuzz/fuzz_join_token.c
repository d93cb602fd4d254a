/* Fuzzes join token verification: whatever string arrives as a token, the
 * verifier returns one of its three answers, and a token it accepts has
 * claims of the documented form. (The fuzzer cannot forge an HMAC, so
 * accepted inputs come only from the seed made with the same secret.) */
#include "auth/join_token.h"
#include "core/error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned char secret[] = "fuzz-secret-fuzz-secret-fuzz-secret!";

/* A role the token module knows: its name parses back to it. */
static int role_known(aula_role r)
{
    aula_role back;
    return aula_role_parse(aula_role_name(r), &back) == 0 && back == r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static aula_join_signer *s;
    if (!s)
        s = aula_join_signer_create(secret, sizeof secret - 1, 900000);
    char *tok = malloc(size + 1);
    memcpy(tok, data, size);
    tok[size] = '\0';
    aula_join_claims c;
    char why[128];
    int rc = aula_join_token_verify(s, tok, INT64_C(1800000000000), &c, why, sizeof why);
    if (rc != 0 && rc != AULA_ETIMEDOUT && rc != AULA_EPERM)
        abort();
    if (rc == 0 || rc == AULA_ETIMEDOUT) {
        if (!aula_room_id_valid(c.room) || strlen(c.participant) != AULA_PARTICIPANT_ID_LEN ||
            c.name[0] == '\0' || !role_known(c.role))
            abort();
    }
    free(tok);
    return 0;
}
