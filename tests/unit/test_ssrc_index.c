/* The router's (transport, SSRC) index (src/sfu/ssrc_index.c): lookups
 * through growth, removal that keeps every other key reachable (backward
 * shift, checked against a plain array after each step of a random mix of
 * puts and removes), and the rule that a replaced entry is not removed by
 * its old owner. */
#include "sfu/ssrc_index.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>

static void empty_index_finds_nothing(void **state)
{
    (void)state;
    aula_ssrc_index ix = {0};
    int owner = 0;
    assert_null(aula_ssrc_index_get(&ix, &owner, 1));
    aula_ssrc_index_remove(&ix, &owner, 1, &owner); /* no table: nothing to do */
    aula_ssrc_index_free(&ix);
}

static void key_is_owner_and_ssrc(void **state)
{
    (void)state;
    aula_ssrc_index ix = {0};
    int t1 = 0, t2 = 0, a = 0, b = 0, c = 0;
    aula_ssrc_index_put(&ix, &t1, 1000, &a);
    aula_ssrc_index_put(&ix, &t2, 1000, &b); /* the same SSRC on another transport */
    aula_ssrc_index_put(&ix, &t1, 2000, &c);
    assert_ptr_equal(aula_ssrc_index_get(&ix, &t1, 1000), &a);
    assert_ptr_equal(aula_ssrc_index_get(&ix, &t2, 1000), &b);
    assert_ptr_equal(aula_ssrc_index_get(&ix, &t1, 2000), &c);
    assert_null(aula_ssrc_index_get(&ix, &t2, 2000));
    assert_int_equal(ix.len, 3);
    aula_ssrc_index_free(&ix);
}

static void replaced_entry_survives_old_owner_removal(void **state)
{
    (void)state;
    aula_ssrc_index ix = {0};
    int t = 0, old = 0, fresh = 0;
    aula_ssrc_index_put(&ix, &t, 7, &old);
    aula_ssrc_index_put(&ix, &t, 7, &fresh);
    assert_int_equal(ix.len, 1);
    aula_ssrc_index_remove(&ix, &t, 7, &old);
    assert_ptr_equal(aula_ssrc_index_get(&ix, &t, 7), &fresh);
    aula_ssrc_index_remove(&ix, &t, 7, &fresh);
    assert_null(aula_ssrc_index_get(&ix, &t, 7));
    assert_int_equal(ix.len, 0);
    aula_ssrc_index_free(&ix);
}

#define KEYS 3000

/* Thousands of viewers on a handful of transports-like owners, SSRCs
 * chosen to collide in the low bits; after every step each key is found
 * exactly when the reference array says it is present. */
static void random_puts_and_removes_match_reference(void **state)
{
    (void)state;
    static char owners[64];
    static uint32_t ssrc[KEYS];
    static const void *owner[KEYS];
    static int present[KEYS];
    static int value[KEYS];
    aula_ssrc_index ix = {0};
    srand(42);
    for (int i = 0; i < KEYS; i++) {
        owner[i] = &owners[i % 64];
        ssrc[i] = (uint32_t)(i / 64) << 16 | (uint32_t)(rand() & 3);
    }
    size_t len = 0;
    for (int step = 0; step < 4 * KEYS; step++) {
        int i = rand() % KEYS;
        if (present[i]) {
            aula_ssrc_index_remove(&ix, owner[i], ssrc[i], &value[i]);
            present[i] = 0;
            len--;
        } else {
            aula_ssrc_index_put(&ix, owner[i], ssrc[i], &value[i]);
            present[i] = 1;
            len++;
        }
        if (step % 97 == 0 || step == 4 * KEYS - 1)
            for (int k = 0; k < KEYS; k++)
                assert_ptr_equal(aula_ssrc_index_get(&ix, owner[k], ssrc[k]),
                                 present[k] ? &value[k] : NULL);
        assert_int_equal(ix.len, len);
    }
    assert_true(ix.len * 4 <= ix.cap * 3);
    aula_ssrc_index_free(&ix);
    assert_null(ix.slots);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_index_finds_nothing),
        cmocka_unit_test(key_is_owner_and_ssrc),
        cmocka_unit_test(replaced_entry_survives_old_owner_removal),
        cmocka_unit_test(random_puts_and_removes_match_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
