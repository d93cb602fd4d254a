/* Password hashes: argon2id encoded strings, salted, verifying only the
 * right password. */
#include "auth/password.h"
#include "core/alloc.h"
#include "core/error.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

static void hash_and_verify(void **state)
{
    (void)state;
    const char *pw = "correct horse battery staple";
    char *h = NULL;
    assert_int_equal(aula_password_hash(pw, strlen(pw), &h), 0);
    assert_non_null(h);
    assert_true(strncmp(h, "$argon2id$v=19$m=19456,t=2,p=1$", 31) == 0);
    assert_int_equal(aula_password_verify(h, pw, strlen(pw)), 0);
    assert_int_equal(aula_password_verify(h, "correct horse battery stapl", strlen(pw) - 1),
                     AULA_EPERM);
    assert_int_equal(aula_password_verify(h, "Correct horse battery staple", strlen(pw)),
                     AULA_EPERM);
    assert_int_equal(aula_password_verify(h, "", 0), AULA_EPERM);
    aula_free(h);
}

static void salted(void **state)
{
    (void)state;
    char *a = NULL, *b = NULL;
    assert_int_equal(aula_password_hash("hasło-zażółć", strlen("hasło-zażółć"), &a), 0);
    assert_int_equal(aula_password_hash("hasło-zażółć", strlen("hasło-zażółć"), &b), 0);
    assert_string_not_equal(a, b);
    assert_int_equal(aula_password_verify(a, "hasło-zażółć", strlen("hasło-zażółć")), 0);
    assert_int_equal(aula_password_verify(b, "hasło-zażółć", strlen("hasło-zażółć")), 0);
    aula_free(a);
    aula_free(b);
}

static void known_vector(void **state)
{
    (void)state;
    /* A test vector of the argon2 reference implementation (src/test.c:
     * password "password", salt "somesalt", t=2, m=2^16, p=1). A hash made
     * elsewhere verifies, so the stored format is the standard one. */
    const char *enc = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ"
                      "$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
    assert_int_equal(aula_password_verify(enc, "password", 8), 0);
    assert_int_equal(aula_password_verify(enc, "passwore", 8), AULA_EPERM);
}

static void bad_input(void **state)
{
    (void)state;
    char *h = (char *)"x";
    assert_int_equal(aula_password_hash("", 0, &h), AULA_EINVAL);
    assert_null(h);
    static char big[AULA_PASSWORD_MAX_LEN + 2];
    memset(big, 'a', sizeof big - 1);
    assert_int_equal(aula_password_hash(big, sizeof big - 1, &h), AULA_EINVAL);
    assert_int_equal(aula_password_verify("$argon2i$v=19$m=16,t=2,p=1$c29tZXNhbHQ$AAAA", "pw", 2),
                     AULA_EINVAL);
    assert_int_equal(aula_password_verify("plain text", "pw", 2), AULA_EINVAL);
    assert_int_equal(aula_password_verify("$argon2id$garbage", "pw", 2), AULA_EINVAL);
    assert_int_equal(aula_password_verify(NULL, "pw", 2), AULA_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hash_and_verify),
        cmocka_unit_test(salted),
        cmocka_unit_test(known_vector),
        cmocka_unit_test(bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
