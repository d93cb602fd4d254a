/* Configuration: defaults, file, environment and flags, each overriding the
 * one before; clear errors for unknown names and bad values. */
#include "core/config.h"
#include "core/error.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static char *write_temp(const char *text)
{
    char *path = strdup("/tmp/aula-config-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void defaults(void **state)
{
    (void)state;
    aula_config c;
    aula_config_init(&c);
    assert_string_equal(c.http_host, "127.0.0.1");
    assert_int_equal(c.http_port, 8080);
    assert_string_equal(c.data_dir, "aula-data");
    assert_string_equal(c.media_host, "127.0.0.1");
    assert_int_equal(c.media_port, 40000);
    assert_int_equal(c.http_max_header, 16384);
    aula_config_deinit(&c);
}

static void precedence_file_env_flag(void **state)
{
    (void)state;
    char *file = write_temp("# comment\n"
                            "http_port = 9001\n"
                            "public_url = \"http://file.example\"  \n"
                            "log_level = debug # trailing comment\n"
                            "data_dir = /tmp/from-file\n");
    char cfgarg[256];
    snprintf(cfgarg, sizeof cfgarg, "--config=%s", file);
    char *argv[] = {cfgarg, "--public-url", "http://flag.example", "--workers=3"};
    char *envp[] = {"PATH=/bin", "AULA_PUBLIC_URL=http://env.example", "AULA_HTTP_PORT=9002",
                    "AULA_WORKERS=2", NULL};
    aula_config c;
    aula_config_init(&c);
    char err[256] = "";
    assert_int_equal(aula_config_load(&c, 4, argv, envp, err, sizeof err), 0);
    assert_string_equal(c.public_url, "http://flag.example"); /* flag beats env and file */
    assert_int_equal(c.http_port, 9002);                      /* env beats file */
    assert_int_equal(c.workers, 3);                           /* flag beats env */
    assert_string_equal(c.log_level, "debug");                /* file beats default */
    assert_string_equal(c.data_dir, "/tmp/from-file");
    assert_string_equal(c.http_host, "127.0.0.1"); /* default stays */
    assert_string_equal(c.config_file, file);
    aula_config_deinit(&c);
    unlink(file);
    free(file);
}

static void config_file_from_env(void **state)
{
    (void)state;
    char *file = write_temp("http_port = 9100\n");
    char envvar[256];
    snprintf(envvar, sizeof envvar, "AULA_CONFIG=%s", file);
    char *envp[] = {envvar, NULL};
    aula_config c;
    aula_config_init(&c);
    char err[256];
    assert_int_equal(aula_config_load(&c, 0, NULL, envp, err, sizeof err), 0);
    assert_int_equal(c.http_port, 9100);
    aula_config_deinit(&c);
    unlink(file);
    free(file);
}

static void errors_say_what_is_wrong(void **state)
{
    (void)state;
    aula_config c;
    aula_config_init(&c);
    char err[256];

    char *bad_flag[] = {"--htp-port", "1"};
    assert_int_equal(aula_config_load(&c, 2, bad_flag, NULL, err, sizeof err), AULA_ENOENT);
    assert_non_null(strstr(err, "htp_port"));

    char *bad_value[] = {"--http-port", "eighty"};
    assert_int_equal(aula_config_load(&c, 2, bad_value, NULL, err, sizeof err), AULA_EINVAL);
    assert_non_null(strstr(err, "--http-port"));

    char *missing[] = {"--http-port"};
    assert_int_equal(aula_config_load(&c, 1, missing, NULL, err, sizeof err), AULA_EINVAL);
    assert_non_null(strstr(err, "needs a value"));

    char *env_typo[] = {"AULA_HTTP_PROT=1", NULL};
    assert_int_equal(aula_config_load(&c, 0, NULL, env_typo, err, sizeof err), AULA_ENOENT);
    assert_non_null(strstr(err, "AULA_HTTP_PROT"));

    char *file = write_temp("http_port = 1\nthis line is wrong\n");
    assert_int_equal(aula_config_load_file(&c, file, err, sizeof err), AULA_EINVAL);
    assert_non_null(strstr(err, ":2:"));
    unlink(file);
    free(file);

    char *missing_file[] = {"--config", "/nonexistent/aula.conf"};
    assert_int_not_equal(aula_config_load(&c, 2, missing_file, NULL, err, sizeof err), 0);
    assert_non_null(strstr(err, "/nonexistent/aula.conf"));
    aula_config_deinit(&c);
}

static void validation(void **state)
{
    (void)state;
    aula_config c;
    aula_config_init(&c);
    char err[256];
    char *cert_only[] = {"--tls-cert", "/tmp/cert.pem"};
    assert_int_equal(aula_config_load(&c, 2, cert_only, NULL, err, sizeof err), AULA_EINVAL);
    assert_non_null(strstr(err, "tls_key"));
    aula_config_deinit(&c);

    aula_config_init(&c);
    char *port[] = {"--http-port", "70000"};
    assert_int_equal(aula_config_load(&c, 2, port, NULL, err, sizeof err), AULA_EINVAL);
    aula_config_deinit(&c);

    aula_config_init(&c);
    char *level[] = {"--log-level", "loud"};
    assert_int_equal(aula_config_load(&c, 2, level, NULL, err, sizeof err), AULA_EINVAL);
    aula_config_deinit(&c);
}

int main(void)
{
    /* aula_config_load reads ./aula.conf when no file is named: run where
     * there is none. */
    assert_int_equal(chdir("/tmp"), 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults),
        cmocka_unit_test(precedence_file_env_flag),
        cmocka_unit_test(config_file_from_env),
        cmocka_unit_test(errors_say_what_is_wrong),
        cmocka_unit_test(validation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
