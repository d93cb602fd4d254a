#include "sfu/msg_queue.h"

#include "core/alloc.h"

#include <string.h>

int aula_msg_queue_init(aula_msg_queue *q, size_t msg_size, uv_async_t *wake)
{
    q->head = q->tail = NULL;
    q->msg_size = msg_size;
    q->wake = wake;
    return uv_mutex_init(&q->lock);
}

void aula_msg_queue_deinit(aula_msg_queue *q)
{
    aula_msg_node *n = q->head;
    while (n) {
        aula_msg_node *next = n->next;
        aula_free(n);
        n = next;
    }
    q->head = q->tail = NULL;
    uv_mutex_destroy(&q->lock);
}

void aula_msg_queue_push(aula_msg_queue *q, const void *msg)
{
    aula_msg_node *n = aula_malloc(sizeof *n + q->msg_size);
    n->next = NULL;
    memcpy(n + 1, msg, q->msg_size);
    uv_mutex_lock(&q->lock);
    if (q->tail)
        q->tail->next = n;
    else
        q->head = n;
    q->tail = n;
    uv_mutex_unlock(&q->lock);
    uv_async_send(q->wake);
}

void aula_msg_queue_drain(aula_msg_queue *q, void (*fn)(void *ud, const void *msg), void *ud)
{
    uv_mutex_lock(&q->lock);
    aula_msg_node *n = q->head;
    q->head = q->tail = NULL;
    uv_mutex_unlock(&q->lock);
    while (n) {
        aula_msg_node *next = n->next;
        fn(ud, n + 1);
        aula_free(n);
        n = next;
    }
}
