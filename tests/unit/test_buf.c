/* The growable buffer everything builds its output in. */
#include "core/alloc.h"
#include "core/buf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

static void append_printf_consume(void **state)
{
    (void)state;
    aula_buf b;
    aula_buf_init(&b);
    aula_buf_append_str(&b, "hello ");
    aula_buf_printf(&b, "%s %d", "world", 42);
    assert_int_equal(b.len, strlen("hello world 42"));
    assert_string_equal(b.data, "hello world 42");
    aula_buf_consume(&b, 6);
    assert_string_equal(b.data, "world 42");
    aula_buf_consume(&b, 100);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    aula_buf_deinit(&b);
}

static void grows_past_initial_capacity(void **state)
{
    (void)state;
    aula_buf b;
    aula_buf_init(&b);
    char chunk[1000];
    memset(chunk, 'x', sizeof chunk);
    for (int i = 0; i < 100; i++)
        aula_buf_append(&b, chunk, sizeof chunk);
    assert_int_equal(b.len, 100000);
    assert_int_equal(b.data[b.len], '\0');
    char *s = aula_buf_steal(&b);
    assert_null(b.data);
    assert_int_equal(strlen(s), 100000);
    aula_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(append_printf_consume),
        cmocka_unit_test(grows_past_initial_capacity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
