/* The `aula` command.
 *
 *   aula serve [--config FILE] [--name value ...]   run a node
 *   aula mail-test --to ADDRESS [flags]            check the e-mail settings
 *   aula version
 *   aula help
 */
#include "core/config.h"
#include "core/log.h"
#include "event/mail_test.h"
#include "server/server.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <uv.h>

#ifndef AULA_VERSION
#define AULA_VERSION "dev"
#endif

extern char **environ;

static void usage(FILE *f)
{
    fprintf(f,
            "aula %s: meetings, webinars and online classes in the browser.\n\n"
            "Usage:\n"
            "  aula serve [flags]   start a node (aula serve --help lists the settings)\n"
            "  aula mail-test --to ADDRESS [flags]\n"
            "                       send a test e-mail through smtp_url\n"
            "  aula version         print the version\n"
            "  aula help            this text\n",
            AULA_VERSION);
}

static int serve(int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("Usage: aula serve [flags]\n\n");
            aula_config_print_help(stdout);
            return 0;
        }
    }
    aula_config cfg;
    aula_config_init(&cfg);
    char err[512];
    if (aula_config_load(&cfg, argc, argv, environ, err, sizeof err) != 0) {
        fprintf(stderr, "aula: %s\n", err);
        aula_config_deinit(&cfg);
        return 2;
    }
    aula_log_level = aula_log_level_parse(cfg.log_level);
    if (cfg.config_file)
        AULA_LOG_INFO("main", "config file read", "file=%s", cfg.config_file);

    /* A peer that closes its socket while we write must not kill the node. */
    signal(SIGPIPE, SIG_IGN);

    uv_loop_t *loop = uv_default_loop();
    aula_server *server = NULL;
    int exit_status = 0;
    int rc = aula_server_start(loop, &cfg, &exit_status, &server);
    /* Runs until the server has shut down, or finishes undoing a failed
     * start. */
    uv_run(loop, UV_RUN_DEFAULT);
    uv_loop_close(loop);
    aula_config_deinit(&cfg);
    return rc == 0 ? exit_status : 1;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0) {
        usage(stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("aula %s\n", AULA_VERSION);
        return 0;
    }
    if (strcmp(argv[1], "serve") == 0)
        return serve(argc - 2, argv + 2);
    if (strcmp(argv[1], "mail-test") == 0)
        return aula_mail_test_main(argc - 2, argv + 2, environ);
    fprintf(stderr, "aula: unknown command \"%s\"\n\n", argv[1]);
    usage(stderr);
    return 2;
}
