/* Unit tests of the Range header decision (src/files/range.c), with the
 * examples of RFC 7233 section 2.1 for a 10000-byte representation. */
#include "files/range.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

static void expect_partial(const char *v, uint64_t size, uint64_t first, uint64_t last)
{
    uint64_t a = 99, b = 99;
    assert_int_equal(aula_range_parse(v, size, &a, &b), AULA_RANGE_PARTIAL);
    assert_int_equal(a, first);
    assert_int_equal(b, last);
}

static void expect(const char *v, uint64_t size, aula_range_result want)
{
    uint64_t a, b;
    assert_int_equal(aula_range_parse(v, size, &a, &b), want);
}

static void test_rfc_examples(void **state)
{
    (void)state;
    expect_partial("bytes=0-499", 10000, 0, 499);
    expect_partial("bytes=500-999", 10000, 500, 999);
    expect_partial("bytes=-500", 10000, 9500, 9999);
    expect_partial("bytes=9500-", 10000, 9500, 9999);
    expect_partial("bytes=0-0", 10000, 0, 0);
    expect_partial("bytes=-1", 10000, 9999, 9999);
}

static void test_edges(void **state)
{
    (void)state;
    /* Past the end: cut, or the whole file for a long suffix. */
    expect_partial("bytes=9000-20000", 10000, 9000, 9999);
    expect_partial("bytes=-20000", 10000, 0, 9999);
    expect_partial("Bytes=1-2", 10000, 1, 2);
    /* Unsatisfiable: starts at or past the end; empty suffix; empty file. */
    expect("bytes=10000-", 10000, AULA_RANGE_UNSATISFIABLE);
    expect("bytes=10000-10005", 10000, AULA_RANGE_UNSATISFIABLE);
    expect("bytes=-0", 10000, AULA_RANGE_UNSATISFIABLE);
    expect("bytes=0-", 0, AULA_RANGE_UNSATISFIABLE);
    expect("bytes=-5", 0, AULA_RANGE_UNSATISFIABLE);
}

static void test_ignored(void **state)
{
    (void)state;
    /* No header, another unit, bad syntax, several ranges: 200 whole. */
    expect(NULL, 100, AULA_RANGE_NONE);
    expect("items=0-5", 100, AULA_RANGE_NONE);
    expect("bytes=", 100, AULA_RANGE_NONE);
    expect("bytes=5", 100, AULA_RANGE_NONE);
    expect("bytes=a-b", 100, AULA_RANGE_NONE);
    expect("bytes=5-4", 100, AULA_RANGE_NONE);
    expect("bytes=0-1x", 100, AULA_RANGE_NONE);
    expect("bytes=--5", 100, AULA_RANGE_NONE);
    expect("bytes=0-1,5-6", 100, AULA_RANGE_NONE);
    expect("bytes=99999999999999999999999-", 100, AULA_RANGE_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc_examples),
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_ignored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
