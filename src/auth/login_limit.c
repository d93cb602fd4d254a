#include "auth/login_limit.h"

#include "core/alloc.h"

#include <string.h>

#define SLOTS 1024
#define KEY_MAX 128

typedef struct slot {
    char key[KEY_MAX]; /* "" when free */
    int failures;
    int64_t since_ms; /* first failure of the window */
} slot;

struct aula_login_limit {
    slot slots[SLOTS];
};

aula_login_limit *aula_login_limit_create(void)
{
    return aula_calloc(1, sizeof(aula_login_limit));
}

void aula_login_limit_destroy(aula_login_limit *l)
{
    aula_free(l);
}

/* Keys longer than a slot holds are cut; two long keys sharing a prefix
 * then share a counter, which errs on the careful side. */
static const slot *find(const aula_login_limit *l, const char *key)
{
    for (int i = 0; i < SLOTS; i++)
        if (l->slots[i].key[0] && strncmp(l->slots[i].key, key, KEY_MAX - 1) == 0)
            return &l->slots[i];
    return NULL;
}

int aula_login_limit_blocked(const aula_login_limit *l, const char *key, int64_t now_ms)
{
    const slot *s = find(l, key);
    return s && s->failures >= AULA_LOGIN_MAX_FAILURES &&
           now_ms - s->since_ms < AULA_LOGIN_WINDOW_MS;
}

void aula_login_limit_fail(aula_login_limit *l, const char *key, int64_t now_ms)
{
    slot *s = (slot *)find(l, key);
    if (!s) {
        /* A free slot, an expired one, or else the oldest. */
        s = &l->slots[0];
        for (int i = 0; i < SLOTS; i++) {
            slot *c = &l->slots[i];
            if (!c->key[0] || now_ms - c->since_ms >= AULA_LOGIN_WINDOW_MS) {
                s = c;
                break;
            }
            if (c->since_ms < s->since_ms)
                s = c;
        }
        memset(s, 0, sizeof *s);
        strncpy(s->key, key, KEY_MAX - 1);
        s->since_ms = now_ms;
    }
    if (now_ms - s->since_ms >= AULA_LOGIN_WINDOW_MS) {
        s->failures = 0;
        s->since_ms = now_ms;
    }
    s->failures++;
}

void aula_login_limit_clear(aula_login_limit *l, const char *key)
{
    slot *s = (slot *)find(l, key);
    if (s)
        memset(s, 0, sizeof *s);
}
