/* Names and chat lines: UTF-8, no control characters, trimmed, bounded. */
#include "core/alloc.h"
#include "core/error.h"
#include "room/text.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

static int clean(const char *s, size_t max, char **out)
{
    char why[96];
    return aula_text_clean(s, strlen(s), max, out, why, sizeof why);
}

static void accepts_and_trims(void **state)
{
    (void)state;
    char *out = NULL;
    assert_int_equal(clean("  Zażółć gęślą jaźń ", 64, &out), 0);
    assert_string_equal(out, "Zażółć gęślą jaźń");
    aula_free(out);
    assert_int_equal(clean("<b>Ala</b>", 64, &out), 0); /* HTML is text, kept as typed */
    assert_string_equal(out, "<b>Ala</b>");
    aula_free(out);
}

static void counts_characters_not_bytes(void **state)
{
    (void)state;
    char s[64 * 2 + 1];
    for (int i = 0; i < 64; i++)
        memcpy(s + i * 2, "ż", 2);
    s[128] = '\0';
    char *out = NULL;
    assert_int_equal(clean(s, 64, &out), 0); /* 64 characters, 128 bytes */
    aula_free(out);
    char t[66];
    memset(t, 'a', 65);
    t[65] = '\0';
    char why[96];
    assert_int_equal(aula_text_clean(t, 65, 64, &out, why, sizeof why), AULA_EINVAL);
    assert_string_equal(why, "is longer than 64 characters");
}

static void refuses_bad_text(void **state)
{
    (void)state;
    char *out = NULL;
    char why[96];
    assert_int_equal(aula_text_clean("   ", 3, 64, &out, why, sizeof why), AULA_EINVAL);
    assert_string_equal(why, "is empty");
    assert_int_equal(aula_text_clean("a\nb", 3, 64, &out, why, sizeof why), AULA_EINVAL);
    assert_string_equal(why, "contains control characters");
    assert_int_equal(aula_text_clean("a\0b", 3, 64, &out, why, sizeof why), AULA_EINVAL);
    assert_int_equal(aula_text_clean("a\xc2\x85", 3, 64, &out, why, sizeof why), AULA_EINVAL);
    assert_int_equal(aula_text_clean("\xc0\xaf", 2, 64, &out, why, sizeof why), AULA_EINVAL);
    assert_string_equal(why, "is not valid UTF-8");
    assert_int_equal(aula_text_clean("\xed\xa0\x80", 3, 64, &out, why, sizeof why), AULA_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accepts_and_trims),
        cmocka_unit_test(counts_characters_not_bytes),
        cmocka_unit_test(refuses_bad_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
