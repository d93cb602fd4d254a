/* Read helpers over a parsed SDP (codec, RTX and extension look-ups, the
 * "key=value;..." parameter lists of a=fmtp and a=rid) and enum names. Pure
 * functions over borrowed data: no allocation, any thread. */
#include "rtc/sdp.h"

#include "core/error.h"

#include <string.h>
#include <strings.h>

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

const aula_sdp_codec *aula_sdp_find_codec(const aula_sdp_media *m, uint8_t pt)
{
    for (size_t i = 0; i < m->n_codecs; i++)
        if (m->codecs[i].pt == pt)
            return &m->codecs[i];
    return NULL;
}

const aula_sdp_codec *aula_sdp_find_rtx(const aula_sdp_media *m, uint8_t pt)
{
    for (size_t i = 0; i < m->n_codecs; i++) {
        const aula_sdp_codec *c = &m->codecs[i];
        uint32_t apt;
        if (c->name != NULL && !strcasecmp(c->name, "rtx") &&
            aula_sdp_param_get_uint(c->fmtp, "apt", &apt) == 0 && apt == pt)
            return c;
    }
    return NULL;
}

uint16_t aula_sdp_find_extmap(const aula_sdp_media *m, const char *uri)
{
    for (size_t i = 0; i < m->n_extmaps; i++)
        if (!strcmp(m->extmaps[i].uri, uri))
            return m->extmaps[i].id;
    return 0;
}

bool aula_sdp_codec_has_fb(const aula_sdp_codec *c, const char *fb)
{
    for (size_t i = 0; i < c->n_fb; i++)
        if (!strcmp(c->fb[i], fb))
            return true;
    return false;
}

int aula_sdp_param_get(const char *params, const char *key, const char **val, size_t *val_len)
{
    size_t klen = strlen(key);
    for (const char *s = params; s != NULL && *s != '\0';) {
        const char *semi = strchr(s, ';');
        const char *e = semi != NULL ? semi : s + strlen(s);
        while (s < e && is_blank(*s))
            s++;
        const char *eq = s < e ? memchr(s, '=', (size_t)(e - s)) : NULL;
        const char *kend = eq != NULL ? eq : e;
        while (kend > s && is_blank(kend[-1]))
            kend--;
        if ((size_t)(kend - s) == klen && !strncasecmp(s, key, klen)) {
            const char *v = eq != NULL ? eq + 1 : e, *ve = e;
            while (v < ve && is_blank(*v))
                v++;
            while (ve > v && is_blank(ve[-1]))
                ve--;
            *val = v;
            *val_len = (size_t)(ve - v);
            return 0;
        }
        s = semi != NULL ? semi + 1 : e;
    }
    return AULA_ENOENT;
}

int aula_sdp_param_get_uint(const char *params, const char *key, uint32_t *out)
{
    const char *v;
    size_t n;
    int rc = aula_sdp_param_get(params, key, &v, &n);
    if (rc < 0)
        return rc;
    uint64_t x = 0;
    if (n == 0 || n > 10)
        return AULA_EPROTO;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return AULA_EPROTO;
        x = x * 10 + (uint64_t)(v[i] - '0');
    }
    if (x > UINT32_MAX)
        return AULA_EPROTO;
    *out = (uint32_t)x;
    return 0;
}

const char *aula_sdp_kind_name(aula_sdp_kind kind)
{
    switch (kind) {
    case AULA_SDP_AUDIO:
        return "audio";
    case AULA_SDP_VIDEO:
        return "video";
    case AULA_SDP_APPLICATION:
        return "application";
    default:
        return "other";
    }
}

const char *aula_sdp_dir_name(aula_sdp_dir dir)
{
    static const char *const names[] = {"sendrecv", "sendonly", "recvonly", "inactive"};
    return (unsigned)dir < 4 ? names[dir] : "sendrecv";
}
