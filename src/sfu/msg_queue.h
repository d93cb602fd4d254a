/* A multi-producer, single-consumer queue of fixed-size messages between
 * threads, paired with the uv_async_t that wakes the consumer's loop.
 * The mutex is held only to link or unlink nodes, never while a message is
 * handled. Thread: push from any thread; drain from the consumer's. */
#ifndef AULA_SFU_MSG_QUEUE_H
#define AULA_SFU_MSG_QUEUE_H

#include <stddef.h>
#include <uv.h>

typedef struct aula_msg_node {
    struct aula_msg_node *next;
    /* message bytes follow */
} aula_msg_node;

typedef struct aula_msg_queue {
    uv_mutex_t lock;
    aula_msg_node *head; /* owned */
    aula_msg_node *tail; /* borrowed: last of head's list */
    size_t msg_size;
    uv_async_t *wake; /* borrowed: the consumer's async handle */
} aula_msg_queue;

int aula_msg_queue_init(aula_msg_queue *q, size_t msg_size, uv_async_t *wake);
/* Frees messages still queued. */
void aula_msg_queue_deinit(aula_msg_queue *q);
/* Copies msg_size bytes of msg and wakes the consumer. */
void aula_msg_queue_push(aula_msg_queue *q, const void *msg);
/* Calls fn(ud, msg) for every queued message, in order, outside the lock. */
void aula_msg_queue_drain(aula_msg_queue *q, void (*fn)(void *ud, const void *msg), void *ud);

#endif
