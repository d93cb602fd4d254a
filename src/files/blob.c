#include "files/blob.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/log.h"
#include "core/random.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PATH_MAX_LEN 4096

struct aula_blob_writer {
    char *dir;      /* owned */
    char *tmp_path; /* owned */
    int fd;
    uint64_t size;
    EVP_MD_CTX *md; /* owned */
};

static int sys_fail(const char *what, const char *path)
{
    int err = errno;
    char q[512];
    AULA_LOG_ERROR("files", "file system error", "op=%s path=%s err=\"%s\"", what,
                   aula_log_quote(q, sizeof q, path), strerror(err));
    return aula_error_from_errno(err);
}

static int make_dir(const char *path)
{
    if (mkdir(path, 0750) != 0 && errno != EEXIST)
        return sys_fail("mkdir", path);
    return 0;
}

/* A folder's entry list is durable only once the folder itself is synced. */
static int sync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return sys_fail("open folder", path);
    int rc = fsync(fd) == 0 ? 0 : sys_fail("fsync folder", path);
    close(fd);
    return rc;
}

int aula_blob_dir_init(const char *dir)
{
    char tmp[PATH_MAX_LEN];
    snprintf(tmp, sizeof tmp, "%s/tmp", dir);
    int rc = make_dir(dir);
    if (rc == 0)
        rc = make_dir(tmp);
    if (rc != 0)
        return rc;
    DIR *d = opendir(tmp);
    if (!d)
        return sys_fail("opendir", tmp);
    int removed = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char p[PATH_MAX_LEN];
        if (snprintf(p, sizeof p, "%s/%s", tmp, e->d_name) >= (int)sizeof p)
            continue;
        if (unlink(p) == 0)
            removed++;
    }
    closedir(d);
    if (removed)
        AULA_LOG_INFO("files", "unfinished uploads removed", "count=%d", removed);
    return 0;
}

int aula_blob_begin(const char *dir, aula_blob_writer **out)
{
    *out = NULL;
    char id[33], path[PATH_MAX_LEN];
    aula_random_hex(id, 16);
    snprintf(path, sizeof path, "%s/tmp/%s.part", dir, id);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0)
        return sys_fail("create", path);
    aula_blob_writer *w = aula_calloc(1, sizeof *w);
    w->dir = aula_strdup(dir);
    w->tmp_path = aula_strdup(path);
    w->fd = fd;
    w->md = EVP_MD_CTX_new();
    if (!w->md || EVP_DigestInit_ex(w->md, EVP_sha256(), NULL) != 1) {
        aula_blob_abort(w);
        return AULA_ENOMEM;
    }
    *out = w;
    return 0;
}

int aula_blob_write(aula_blob_writer *w, const void *data, size_t len)
{
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t n = write(w->fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return sys_fail("write", w->tmp_path);
        p += n;
        left -= (size_t)n;
    }
    if (EVP_DigestUpdate(w->md, data, len) != 1)
        return AULA_EIO;
    w->size += len;
    return 0;
}

uint64_t aula_blob_size(const aula_blob_writer *w)
{
    return w->size;
}

int aula_blob_read_at(void *ud, uint64_t off, void *buf, size_t len, size_t *got)
{
    aula_blob_writer *w = ud;
    *got = 0;
    /* The temporary file is write-only: read through its path. */
    int fd = open(w->tmp_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return sys_fail("open", w->tmp_path);
    int rc = 0;
    while (*got < len) {
        ssize_t n = pread(fd, (char *)buf + *got, len - *got, (off_t)(off + *got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = sys_fail("read", w->tmp_path);
            break;
        }
        if (n == 0)
            break;
        *got += (size_t)n;
    }
    close(fd);
    return rc;
}

static void free_writer(aula_blob_writer *w)
{
    if (w->fd >= 0)
        close(w->fd);
    EVP_MD_CTX_free(w->md);
    aula_free(w->dir);
    aula_free(w->tmp_path);
    aula_free(w);
}

void aula_blob_abort(aula_blob_writer *w)
{
    if (!w)
        return;
    unlink(w->tmp_path);
    free_writer(w);
}

static void blob_path(const char *dir, const char *hex, char *sub, char *path)
{
    snprintf(sub, PATH_MAX_LEN, "%s/%.2s", dir, hex);
    snprintf(path, PATH_MAX_LEN, "%s/%.2s/%s", dir, hex, hex + 2);
}

int aula_blob_commit(aula_blob_writer *w, char hex[AULA_SHA256_HEX_LEN + 1], int *created)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    *created = 0;
    if (EVP_DigestFinal_ex(w->md, md, &md_len) != 1 || md_len != 32) {
        aula_blob_abort(w);
        return AULA_EIO;
    }
    for (unsigned i = 0; i < md_len; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    char sub[PATH_MAX_LEN], path[PATH_MAX_LEN];
    blob_path(w->dir, hex, sub, path);

    int rc = 0;
    if (fsync(w->fd) != 0)
        rc = sys_fail("fsync", w->tmp_path);
    if (rc == 0)
        rc = make_dir(sub);
    struct stat st;
    if (rc == 0 && stat(path, &st) == 0 && (uint64_t)st.st_size == w->size) {
        /* The same content is stored already: keep that one. */
        aula_blob_abort(w);
        return 0;
    }
    if (rc == 0 && rename(w->tmp_path, path) != 0)
        rc = sys_fail("rename", path);
    if (rc == 0)
        rc = sync_dir(sub);
    if (rc == 0)
        rc = sync_dir(w->dir); /* the hash folder may be new */
    if (rc != 0) {
        aula_blob_abort(w);
        return rc;
    }
    *created = 1;
    free_writer(w);
    return 0;
}

int aula_blob_hash_valid(const char *hex)
{
    if (!hex || strlen(hex) != AULA_SHA256_HEX_LEN)
        return 0;
    for (const char *p = hex; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return 0;
    return 1;
}

int aula_blob_open(const char *dir, const char *hex, int *fd, uint64_t *size)
{
    if (!aula_blob_hash_valid(hex))
        return AULA_EINVAL;
    char sub[PATH_MAX_LEN], path[PATH_MAX_LEN];
    blob_path(dir, hex, sub, path);
    int f = open(path, O_RDONLY | O_CLOEXEC);
    if (f < 0)
        return errno == ENOENT ? AULA_ENOENT : sys_fail("open", path);
    struct stat st;
    if (fstat(f, &st) != 0) {
        int rc = sys_fail("stat", path);
        close(f);
        return rc;
    }
    *fd = f;
    *size = (uint64_t)st.st_size;
    return 0;
}

int aula_blob_remove(const char *dir, const char *hex)
{
    if (!aula_blob_hash_valid(hex))
        return AULA_EINVAL;
    char sub[PATH_MAX_LEN], path[PATH_MAX_LEN];
    blob_path(dir, hex, sub, path);
    if (unlink(path) != 0)
        return errno == ENOENT ? 0 : sys_fail("unlink", path);
    rmdir(sub); /* only when empty; failing is fine */
    return sync_dir(dir);
}

int aula_blob_tmp_count(const char *dir)
{
    char tmp[PATH_MAX_LEN];
    snprintf(tmp, sizeof tmp, "%s/tmp", dir);
    DIR *d = opendir(tmp);
    if (!d)
        return aula_error_from_errno(errno);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}
