/* Error codes shared by every module of aula.
 *
 * Functions return 0 on success or a negative AULA_E* code; results go in
 * out-parameters. The codes come from one X-macro table so that the enum and
 * aula_strerror() can never disagree. errno values are turned into these codes
 * at the boundary where a system call fails (aula_error_from_errno). */
#ifndef AULA_CORE_ERROR_H
#define AULA_CORE_ERROR_H

#define AULA_ERRNO_MAP(X)                                                                          \
    X(EINVAL, "invalid argument")                                                                  \
    X(ENOMEM, "out of memory")                                                                     \
    X(ENOENT, "not found")                                                                         \
    X(EEXIST, "already exists")                                                                    \
    X(EIO, "input/output error")                                                                   \
    X(EAGAIN, "need more input")                                                                   \
    X(ETOOBIG, "too large")                                                                        \
    X(EPROTO, "protocol error")                                                                    \
    X(EUTF8, "invalid UTF-8")                                                                      \
    X(ECLOSED, "closed")                                                                           \
    X(ETIMEDOUT, "timed out")                                                                      \
    X(EPERM, "not permitted")                                                                      \
    X(ESTORE, "storage error")                                                                     \
    X(ECONFIG, "configuration error")                                                              \
    X(ESYS, "system error")

enum {
    AULA_OK = 0,
#define AULA_ERR_ENUM(name, msg) AULA_##name,
    AULA_ERR_FIRST_ = -1000,
    AULA_ERRNO_MAP(AULA_ERR_ENUM) AULA_ERR_LAST_
#undef AULA_ERR_ENUM
};

/* Returns a static, human-readable message for an AULA_E* code (or for a
 * negative libuv code, which is passed through uv_strerror). Never NULL. */
const char *aula_strerror(int err);

/* Maps a positive errno value to the closest AULA_E* code. */
int aula_error_from_errno(int errnum);

#endif
