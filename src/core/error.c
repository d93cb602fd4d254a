#include "core/error.h"

#include <errno.h>
#include <uv.h>

const char *aula_strerror(int err)
{
    switch (err) {
    case AULA_OK:
        return "success";
#define AULA_ERR_MSG(name, msg)                                                                    \
    case AULA_##name:                                                                              \
        return msg;
        AULA_ERRNO_MAP(AULA_ERR_MSG)
#undef AULA_ERR_MSG
    default:
        break;
    }
    /* libuv codes are negative errno values, far from our range. */
    if (err < 0 && err > AULA_ERR_FIRST_)
        return uv_strerror(err);
    return "unknown error";
}

int aula_error_from_errno(int errnum)
{
    switch (errnum) {
    case 0:
        return AULA_OK;
    case EINVAL:
        return AULA_EINVAL;
    case ENOMEM:
        return AULA_ENOMEM;
    case ENOENT:
        return AULA_ENOENT;
    case EEXIST:
        return AULA_EEXIST;
    case EAGAIN:
        return AULA_EAGAIN;
    case EPERM:
    case EACCES:
        return AULA_EPERM;
    case ETIMEDOUT:
        return AULA_ETIMEDOUT;
    case EFBIG:
    case E2BIG:
        return AULA_ETOOBIG;
    default:
        return AULA_ESYS;
    }
}
