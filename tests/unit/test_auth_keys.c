/* The failed log-in limit (auth/login_limit) and the join token key file
 * (auth/join_key): counting, the window, eviction; a key made once with
 * mode 0600 and reused, a configured secret, bad files refused. */
#include "auth/join_key.h"
#include "auth/login_limit.h"
#include "core/alloc.h"
#include "core/error.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

static void limit_counts_within_a_window(void **state)
{
    (void)state;
    aula_login_limit *l = aula_login_limit_create();
    const int64_t t0 = 1000000;
    for (int i = 0; i < AULA_LOGIN_MAX_FAILURES - 1; i++) {
        aula_login_limit_fail(l, "e:anna@x.pl", t0 + i);
        assert_false(aula_login_limit_blocked(l, "e:anna@x.pl", t0 + i));
    }
    aula_login_limit_fail(l, "e:anna@x.pl", t0 + 10);
    assert_true(aula_login_limit_blocked(l, "e:anna@x.pl", t0 + 10));
    assert_false(aula_login_limit_blocked(l, "e:bob@x.pl", t0 + 10)); /* keys are separate */
    /* Blocked until the window that began with the first failure ends. */
    assert_true(aula_login_limit_blocked(l, "e:anna@x.pl", t0 + AULA_LOGIN_WINDOW_MS - 1));
    assert_false(aula_login_limit_blocked(l, "e:anna@x.pl", t0 + AULA_LOGIN_WINDOW_MS));
    /* A failure after the window starts a new count. */
    aula_login_limit_fail(l, "e:anna@x.pl", t0 + AULA_LOGIN_WINDOW_MS + 1);
    assert_false(aula_login_limit_blocked(l, "e:anna@x.pl", t0 + AULA_LOGIN_WINDOW_MS + 1));
    aula_login_limit_destroy(l);
}

static void limit_clear_and_eviction(void **state)
{
    (void)state;
    aula_login_limit *l = aula_login_limit_create();
    for (int i = 0; i < AULA_LOGIN_MAX_FAILURES; i++)
        aula_login_limit_fail(l, "a:127.0.0.1", 5);
    assert_true(aula_login_limit_blocked(l, "a:127.0.0.1", 6));
    aula_login_limit_clear(l, "a:127.0.0.1");
    assert_false(aula_login_limit_blocked(l, "a:127.0.0.1", 6));

    /* Many other keys fill the table; memory stays bounded and nothing
     * crashes; a blocked key may be evicted (never the other way). */
    char key[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "a:10.0.%d.%d", i / 256, i % 256);
        aula_login_limit_fail(l, key, 100 + i);
    }
    assert_false(aula_login_limit_blocked(l, "a:10.0.0.1", 200));
    aula_login_limit_destroy(l);
}

static char *tmpdir_make(void)
{
    char *d = strdup("/tmp/aula-key-XXXXXX");
    assert_non_null(mkdtemp(d));
    return d;
}

static void key_file_made_once_and_reused(void **state)
{
    (void)state;
    char *dir = tmpdir_make(), path[128], err[256];
    snprintf(path, sizeof path, "%s/%s", dir, AULA_JOIN_KEY_FILE);
    unsigned char *k1 = NULL, *k2 = NULL;
    size_t n1 = 0, n2 = 0;
    assert_int_equal(aula_join_key_load("", dir, &k1, &n1, err, sizeof err), 0);
    assert_int_equal(n1, AULA_JOIN_KEY_BYTES);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(aula_join_key_load(NULL, dir, &k2, &n2, err, sizeof err), 0);
    assert_int_equal(n2, n1);
    assert_memory_equal(k1, k2, n1); /* the same key after a restart */
    aula_free(k1);
    aula_free(k2);

    /* Readable by others: refused with a sentence that says what to do. */
    chmod(path, 0644);
    assert_int_equal(aula_join_key_load("", dir, &k1, &n1, err, sizeof err), AULA_EINVAL);
    assert_non_null(strstr(err, "chmod 600"));
    assert_null(k1);

    /* Not hex: refused. */
    unlink(path);
    FILE *f = fopen(path, "w");
    fputs("this is not a key\n", f);
    fclose(f);
    chmod(path, 0600);
    assert_int_equal(aula_join_key_load("", dir, &k1, &n1, err, sizeof err), AULA_EINVAL);
    assert_non_null(strstr(err, "64 hex"));
    unlink(path);
    rmdir(dir);
    free(dir);
}

static void configured_secret_wins(void **state)
{
    (void)state;
    char *dir = tmpdir_make(), path[128], err[256];
    unsigned char *k = NULL;
    size_t n = 0;
    const char *secret = "a configured secret of 32+ characters!";
    assert_int_equal(aula_join_key_load(secret, dir, &k, &n, err, sizeof err), 0);
    assert_int_equal(n, strlen(secret));
    assert_memory_equal(k, secret, n);
    aula_free(k);
    snprintf(path, sizeof path, "%s/%s", dir, AULA_JOIN_KEY_FILE);
    assert_int_not_equal(access(path, F_OK), 0); /* no file made */
    rmdir(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(limit_counts_within_a_window),
        cmocka_unit_test(limit_clear_and_eviction),
        cmocka_unit_test(key_file_made_once_and_reused),
        cmocka_unit_test(configured_secret_wins),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
