#include "core/config.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/log.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum key_type { KEY_STR, KEY_INT };

typedef struct key_desc {
    const char *name;
    enum key_type type;
    const char *def;
    const char *help;
    size_t offset;
} key_desc;

static const key_desc keys[] = {
#define AULA_CONFIG_DESC(type, name, def, help)                                                    \
    {#name, KEY_##type, def, help, offsetof(aula_config, name)},
    AULA_CONFIG_KEYS(AULA_CONFIG_DESC)
#undef AULA_CONFIG_DESC
};

#define N_KEYS (sizeof keys / sizeof keys[0])

static const key_desc *find_key(const char *name)
{
    for (size_t i = 0; i < N_KEYS; i++)
        if (strcmp(keys[i].name, name) == 0)
            return &keys[i];
    return NULL;
}

static int set_value(aula_config *cfg, const key_desc *k, const char *value, char *err,
                     size_t errlen)
{
    char *field = (char *)cfg + k->offset;
    if (k->type == KEY_STR) {
        char **p = (char **)(void *)field;
        aula_free(*p);
        *p = aula_strdup(value);
        return 0;
    }
    char *end = NULL;
    errno = 0;
    long long v = strtoll(value, &end, 10);
    if (!*value || *end || errno || v < 0 || v > INT64_MAX / 2) {
        snprintf(err, errlen, "%s: expected a non-negative whole number, got \"%s\"", k->name,
                 value);
        return AULA_EINVAL;
    }
    *(int64_t *)(void *)field = (int64_t)v;
    return 0;
}

void aula_config_init(aula_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < N_KEYS; i++) {
        char err[128];
        int rc = set_value(cfg, &keys[i], keys[i].def, err, sizeof err);
        assert(rc == 0 && "embedded defaults must parse");
        (void)rc;
    }
}

void aula_config_deinit(aula_config *cfg)
{
    for (size_t i = 0; i < N_KEYS; i++)
        if (keys[i].type == KEY_STR)
            aula_free(*(char **)(void *)((char *)cfg + keys[i].offset));
    aula_free(cfg->config_file);
    memset(cfg, 0, sizeof *cfg);
}

int aula_config_set(aula_config *cfg, const char *name, const char *value, char *err, size_t errlen)
{
    const key_desc *k = find_key(name);
    if (!k) {
        snprintf(err, errlen, "unknown setting \"%s\" (see aula serve --help)", name);
        return AULA_ENOENT;
    }
    return set_value(cfg, k, value, err, errlen);
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

/* Parses one `name = value` line in place. Returns 1 for a setting, 0 for a
 * blank or comment line, -1 for a malformed line. */
static int parse_line(char *line, char **name, char **value)
{
    char *s = trim(line);
    if (*s == '\0' || *s == '#')
        return 0;
    char *eq = strchr(s, '=');
    if (!eq)
        return -1;
    *eq = '\0';
    *name = trim(s);
    char *v = trim(eq + 1);
    size_t n = strlen(v);
    if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
        v[n - 1] = '\0';
        v++;
    } else {
        /* An unquoted value may carry a trailing comment. */
        char *hash = strstr(v, " #");
        if (hash) {
            *hash = '\0';
            v = trim(v);
        }
    }
    *value = v;
    return **name ? 1 : -1;
}

int aula_config_load_file(aula_config *cfg, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot read config file %s: %s", path, strerror(errno));
        return aula_error_from_errno(errno);
    }
    char line[4096];
    int lineno = 0;
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        lineno++;
        char *name, *value;
        int kind = parse_line(line, &name, &value);
        if (kind == 0)
            continue;
        if (kind < 0) {
            snprintf(err, errlen, "%s:%d: expected `name = value`", path, lineno);
            rc = AULA_EINVAL;
            break;
        }
        char why[256];
        rc = aula_config_set(cfg, name, value, why, sizeof why);
        if (rc != 0)
            snprintf(err, errlen, "%s:%d: %s", path, lineno, why);
    }
    fclose(f);
    if (rc == 0) {
        aula_free(cfg->config_file);
        cfg->config_file = aula_strdup(path);
    }
    return rc;
}

int aula_config_load_env(aula_config *cfg, char *const *envp, char *err, size_t errlen)
{
    for (; envp && *envp; envp++) {
        const char *kv = *envp;
        if (strncmp(kv, "AULA_", 5) != 0)
            continue;
        const char *eq = strchr(kv, '=');
        if (!eq)
            continue;
        char name[64];
        size_t n = (size_t)(eq - kv) - 5;
        if (n == 0 || n >= sizeof name) {
            snprintf(err, errlen, "unknown environment variable %.*s", (int)(eq - kv), kv);
            return AULA_ENOENT;
        }
        for (size_t i = 0; i < n; i++)
            name[i] = (char)tolower((unsigned char)kv[5 + i]);
        name[n] = '\0';
        if (strcmp(name, "config") == 0)
            continue;
        char why[256];
        int rc = aula_config_set(cfg, name, eq + 1, why, sizeof why);
        if (rc != 0) {
            snprintf(err, errlen, "environment %.*s: %s", (int)(eq - kv), kv, why);
            return rc;
        }
    }
    return 0;
}

/* "--http-port" -> "http_port" in out; returns 0 if arg is not a flag. */
static int flag_name(const char *arg, char *out, size_t outlen, const char **inline_value)
{
    if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0')
        return 0;
    const char *s = arg + 2;
    const char *eq = strchr(s, '=');
    size_t n = eq ? (size_t)(eq - s) : strlen(s);
    if (n >= outlen)
        n = outlen - 1;
    for (size_t i = 0; i < n; i++)
        out[i] = s[i] == '-' ? '_' : s[i];
    out[n] = '\0';
    *inline_value = eq ? eq + 1 : NULL;
    return 1;
}

/* Finds --config FILE or --config=FILE among the flags. */
static const char *config_flag(int argc, char *const *argv)
{
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            return argv[i + 1];
        if (strncmp(argv[i], "--config=", 9) == 0)
            return argv[i] + 9;
    }
    return NULL;
}

static const char *env_get(char *const *envp, const char *name)
{
    size_t n = strlen(name);
    for (; envp && *envp; envp++)
        if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
            return *envp + n + 1;
    return NULL;
}

static int load_flags(aula_config *cfg, int argc, char *const *argv, char *err, size_t errlen)
{
    for (int i = 0; i < argc; i++) {
        char name[64];
        const char *value;
        const char *flag = argv[i];
        if (!flag_name(flag, name, sizeof name, &value)) {
            snprintf(err, errlen, "unexpected argument \"%s\" (flags look like --http-port 8080)",
                     argv[i]);
            return AULA_EINVAL;
        }
        if (!value) {
            if (i + 1 >= argc) {
                snprintf(err, errlen, "flag %s needs a value", flag);
                return AULA_EINVAL;
            }
            value = argv[++i];
        }
        if (strcmp(name, "config") == 0)
            continue;
        char why[256];
        int rc = aula_config_set(cfg, name, value, why, sizeof why);
        if (rc != 0) {
            snprintf(err, errlen, "flag %s: %s", flag, why);
            return rc;
        }
    }
    return 0;
}

int aula_config_load(aula_config *cfg, int argc, char *const *argv, char *const *envp, char *err,
                     size_t errlen)
{
    const char *file = config_flag(argc, argv);
    if (!file)
        file = env_get(envp, "AULA_CONFIG");
    int rc = 0;
    if (file)
        rc = aula_config_load_file(cfg, file, err, errlen);
    else if (access("aula.conf", F_OK) == 0)
        rc = aula_config_load_file(cfg, "aula.conf", err, errlen);
    if (rc == 0)
        rc = aula_config_load_env(cfg, envp, err, errlen);
    if (rc == 0)
        rc = load_flags(cfg, argc, argv, err, errlen);
    if (rc == 0)
        rc = aula_config_validate(cfg, err, errlen);
    return rc;
}

int aula_config_validate(const aula_config *cfg, char *err, size_t errlen)
{
    if (cfg->http_port > 65535 || cfg->media_port > 65535) {
        snprintf(err, errlen, "ports must be between 0 and 65535");
        return AULA_EINVAL;
    }
    if ((*cfg->tls_cert != '\0') != (*cfg->tls_key != '\0')) {
        snprintf(err, errlen, "tls_cert and tls_key go together: set both or neither");
        return AULA_EINVAL;
    }
    if (aula_log_level_parse(cfg->log_level) < 0) {
        snprintf(err, errlen, "log_level must be debug, info, warn, error or off, not \"%s\"",
                 cfg->log_level);
        return AULA_EINVAL;
    }
    if (cfg->workers > 256) {
        snprintf(err, errlen, "workers must be at most 256");
        return AULA_EINVAL;
    }
    if (cfg->http_max_header < 1024 || cfg->ws_max_message < 1024) {
        snprintf(err, errlen, "http_max_header and ws_max_message must be at least 1024 bytes");
        return AULA_EINVAL;
    }
    if (*cfg->jwt_secret != '\0' && strlen(cfg->jwt_secret) < 32) {
        snprintf(err, errlen,
                 "jwt_secret must be at least 32 characters (or empty for a random "
                 "one kept in data_dir)");
        return AULA_EINVAL;
    }
    if (cfg->join_token_ttl < 1000) {
        snprintf(err, errlen, "join_token_ttl must be at least 1000 ms");
        return AULA_EINVAL;
    }
    if (*cfg->data_dir == '\0') {
        snprintf(err, errlen, "data_dir must not be empty");
        return AULA_EINVAL;
    }
    return 0;
}

void aula_config_print_help(void *file)
{
    FILE *f = file;
    fprintf(f, "Settings (file: name = value; environment: AULA_NAME; flag: --name value).\n"
               "Flags win over the environment, which wins over the file.\n\n");
    for (size_t i = 0; i < N_KEYS; i++) {
        char flag[64];
        size_t n = strlen(keys[i].name);
        for (size_t j = 0; j <= n; j++)
            flag[j] = keys[i].name[j] == '_' ? '-' : keys[i].name[j];
        fprintf(f, "  --%-22s %s (default: \"%s\")\n", flag, keys[i].help, keys[i].def);
    }
    fprintf(f, "  --%-22s %s\n", "config FILE", "read settings from FILE (default: ./aula.conf)");
}
