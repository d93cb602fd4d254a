/* Configuration of an aula node.
 *
 * Every setting has one name used three ways: `http_port` in the config
 * file, AULA_HTTP_PORT in the environment, --http-port on the command line.
 * Sources are applied in this order, each overriding the one before:
 * embedded defaults, the config file (--config FILE, else AULA_CONFIG, else
 * ./aula.conf when it exists), the environment, the flags.
 *
 * The table of settings (AULA_CONFIG_KEYS) is the single source for the
 * struct, the parser, `aula serve --help` and docs/configuration.md. */
#ifndef AULA_CORE_CONFIG_H
#define AULA_CORE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

/* X(type, name, default, help). type is STR or INT (a non-negative integer;
 * sizes in bytes, durations in milliseconds). */
#define AULA_CONFIG_KEYS(X)                                                                        \
    X(STR, http_host, "127.0.0.1", "address the HTTP server listens on")                           \
    X(INT, http_port, "8080", "HTTP port (0 picks a free port)")                                   \
    X(STR, public_url, "", "URL people use to reach aula, for links (default: from Host)")         \
    X(STR, tls_cert, "", "PEM certificate file: serve HTTPS and WSS (needs tls_key)")              \
    X(STR, tls_key, "", "PEM private key file for tls_cert")                                       \
    X(STR, data_dir, "aula-data", "folder for the database and files (created on start)")          \
    X(STR, jwt_secret, "", "join token secret, 32+ chars (default: random, kept in data_dir)")     \
    X(INT, join_token_ttl, "900000", "ms a join token stays valid (pages refresh theirs)")         \
    X(STR, web_dir, "", "folder of the web client (default: the one built in)")                    \
    X(STR, media_host, "127.0.0.1", "address media workers bind their UDP ports to")               \
    X(INT, media_port, "40000", "UDP port of the first media worker; worker i uses port + i")      \
    X(INT, workers, "0", "media worker threads (0: one per core)")                                 \
    X(STR, log_level, "info", "debug, info, warn, error or off")                                   \
    X(INT, http_max_header, "16384", "largest request line plus headers, in bytes (431 above)")    \
    X(INT, http_max_body, "1048576", "largest request body, in bytes (413 above)")                 \
    X(INT, file_max_bytes, "52428800", "largest file a host may upload, in bytes (413 above)")     \
    X(INT, http_request_timeout, "10000", "ms to receive a whole request (408 after)")             \
    X(INT, http_idle_timeout, "30000", "ms an idle keep-alive connection is kept")                 \
    X(INT, http_max_connections, "10000", "open HTTP and WebSocket connections at most")           \
    X(INT, ws_max_message, "65536", "largest WebSocket message, in bytes (close 1009 above)")      \
    X(INT, ws_ping_interval, "20000", "ms between WebSocket pings; silent for twice that: closed") \
    X(INT, shutdown_timeout, "10000", "ms to finish work in flight on SIGTERM before exiting")     \
    X(STR, smtp_url, "", "SMTP server for e-mail, smtp[s]://[user:pass@]host[:port][/?starttls]")  \
    X(STR, smtp_from, "aula <aula@localhost>", "sender of e-mails aula sends")                     \
    X(INT, smtp_max_queue, "1000", "e-mails waiting to be sent at most (more are dropped)")        \
    X(INT, smtp_retries, "3", "new attempts after a temporary SMTP failure (4xx, no connection)")  \
    X(INT, smtp_retry_delay, "5000", "ms before the first retry; doubles with each retry")         \
    X(INT, smtp_timeout, "30000", "ms one SMTP delivery may take before it is abandoned")          \
    X(INT, qa_per_minute, "3", "questions one participant may ask a minute in Q&A")                \
    X(INT, reminder_before, "3600000", "ms before an event's start its registrants get a reminder")

typedef struct aula_config {
#define AULA_CONFIG_FIELD_STR(name) char *name;
#define AULA_CONFIG_FIELD_INT(name) int64_t name;
#define AULA_CONFIG_FIELD(type, name, def, help) AULA_CONFIG_FIELD_##type(name)
    AULA_CONFIG_KEYS(AULA_CONFIG_FIELD)
#undef AULA_CONFIG_FIELD
#undef AULA_CONFIG_FIELD_STR
#undef AULA_CONFIG_FIELD_INT
    char *config_file; /* owned; the file that was read, or NULL */
} aula_config;

/* Fills cfg with the embedded defaults. Free with aula_config_deinit. */
void aula_config_init(aula_config *cfg);
void aula_config_deinit(aula_config *cfg);

/* Sets one setting by its file name ("http_port"). Returns AULA_ENOENT for
 * an unknown name, AULA_EINVAL for a value of the wrong form; err (size
 * errlen) then holds a sentence saying which and why. */
int aula_config_set(aula_config *cfg, const char *name, const char *value, char *err,
                    size_t errlen);

/* Reads a config file of `name = value` lines (# starts a comment, blank
 * lines ignored, values may be "quoted"). Errors name the file and line. */
int aula_config_load_file(aula_config *cfg, const char *path, char *err, size_t errlen);

/* Applies every AULA_<NAME> variable found in envp (NULL-terminated, as
 * environ). Unknown AULA_ variables are errors, so typos do not pass
 * silently; AULA_CONFIG names the file and is skipped here. */
int aula_config_load_env(aula_config *cfg, char *const *envp, char *err, size_t errlen);

/* The whole precedence chain for `aula serve`: defaults, file, env, flags.
 * argv holds only the flags (after "serve"): --name value or --name=value,
 * plus --config FILE. Returns 0 or an error with err filled in. */
int aula_config_load(aula_config *cfg, int argc, char *const *argv, char *const *envp, char *err,
                     size_t errlen);

/* Checks values that must agree with each other (tls_cert with tls_key,
 * ports in range, log level known). */
int aula_config_validate(const aula_config *cfg, char *err, size_t errlen);

/* Writes the table of settings with defaults and help, for --help. */
void aula_config_print_help(void *file);

#endif
