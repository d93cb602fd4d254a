#include "auth/join_key.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/hex.h"
#include "core/random.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Creates the key file with O_EXCL: if two processes start at once on the
 * same folder, one creates it and the other reads the winner's key. */
static int create_key(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST)
            return 0;
        snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
        return aula_error_from_errno(errno);
    }
    char hex[2 * AULA_JOIN_KEY_BYTES + 2];
    aula_random_hex(hex, AULA_JOIN_KEY_BYTES);
    strcat(hex, "\n");
    size_t n = strlen(hex);
    int ok = write(fd, hex, n) == (ssize_t)n && fsync(fd) == 0;
    int saved = errno;
    close(fd);
    memset(hex, 0, sizeof hex);
    if (!ok) {
        unlink(path);
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(saved));
        return AULA_EIO;
    }
    return 0;
}

static int read_key(const char *path, unsigned char **out, size_t *len, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return aula_error_from_errno(errno);
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || (st.st_mode & 077) != 0) {
        close(fd);
        snprintf(err, errlen,
                 "%s is readable by other users: run chmod 600 on it (or delete it to make a "
                 "new key, which logs everyone out of their join links)",
                 path);
        return AULA_EINVAL;
    }
    char buf[1024];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n < 0) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return AULA_EIO;
    }
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
        n--;
    int rc = 0;
    if (n < 2 * AULA_JOIN_KEY_BYTES || n % 2 != 0) {
        rc = AULA_EINVAL;
    } else {
        unsigned char *k = aula_malloc((size_t)n / 2);
        for (ssize_t i = 0; i < n && rc == 0; i += 2) {
            int hi = aula_hex_digit(buf[i]), lo = aula_hex_digit(buf[i + 1]);
            if (hi < 0 || lo < 0)
                rc = AULA_EINVAL;
            else
                k[i / 2] = (unsigned char)(hi << 4 | lo);
        }
        if (rc == 0) {
            *out = k;
            *len = (size_t)n / 2;
        } else {
            memset(k, 0, (size_t)n / 2);
            aula_free(k);
        }
    }
    memset(buf, 0, sizeof buf);
    if (rc != 0)
        snprintf(err, errlen,
                 "%s must hold at least 64 hex characters: delete it and aula makes a new one",
                 path);
    return rc;
}

int aula_join_key_load(const char *configured, const char *data_dir, unsigned char **out,
                       size_t *len, char *err, size_t errlen)
{
    *out = NULL;
    *len = 0;
    if (configured && *configured) {
        *len = strlen(configured);
        *out = aula_malloc(*len);
        memcpy(*out, configured, *len);
        return 0;
    }
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", data_dir, AULA_JOIN_KEY_FILE) >= (int)sizeof path) {
        snprintf(err, errlen, "data_dir is too long");
        return AULA_EINVAL;
    }
    int rc = create_key(path, err, errlen);
    if (rc == 0)
        rc = read_key(path, out, len, err, errlen);
    return rc;
}
