#include "hammer.h"
void hm_sig_janus_start(hm_client *c)
{
    hm_client_fail(c, "todo");
}
void hm_sig_janus_subscribe(hm_client *c)
{
    (void)c;
}
void hm_sig_janus_tick(hm_client *c, uint64_t now_ms)
{
    (void)c;
    (void)now_ms;
}
void hm_sig_janus_prepare(hammer *h, void (*done)(hammer *h, int err))
{
    done(h, 1);
}
