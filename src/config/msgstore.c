/* msgstore.c - the in-memory message store: a bounded FIFO of message
 * copies (payload bytes, content type, properties, variables) guarded by
 * a mutex, filled by <store> and drained by message processors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/stores.h"

mc_msg_store *mc_msg_store_new(size_t max_messages, size_t max_bytes)
{
    mc_msg_store *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    pthread_mutex_init(&st->lock, NULL);
    st->max_messages = max_messages;
    st->max_bytes = max_bytes;
    return st;
}

void mc_stored_msg_free(mc_stored_msg *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nprops; i++) {
        free(s->props[i].name);
        free(s->props[i].value);
    }
    free(s->props);
    free(s->payload);
    free(s->content_type);
    free(s);
}

void mc_msg_store_free(void *store)
{
    mc_msg_store *st = store;
    if (!st)
        return;
    for (mc_stored_msg *s = st->head, *n; s; s = n) {
        n = s->next;
        mc_stored_msg_free(s);
    }
    pthread_mutex_destroy(&st->lock);
    free(st);
}

static char *dup_bytes(const char *p, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        if (n)
            memcpy(d, p, n);
        d[n] = '\0';
    }
    return d;
}

static bool add_prop(mc_stored_msg *s, size_t *cap, int scope, const mc_prop *p)
{
    if (s->nprops == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        mc_stored_prop *np = realloc(s->props, nc * sizeof *np);
        if (!np)
            return false;
        s->props = np;
        *cap = nc;
    }
    mc_stored_prop *d = &s->props[s->nprops];
    d->scope = scope;
    d->type = p->type;
    d->len = p->len;
    d->name = dup_bytes(p->name, strlen(p->name));
    d->value = dup_bytes(p->value ? p->value : "", p->value ? p->len : 0);
    if (!d->name || !d->value) {
        free(d->name);
        free(d->value);
        return false;
    }
    s->nprops++;
    s->bytes += strlen(p->name) + p->len + sizeof *d;
    return true;
}

/* Properties are kept newest first in the message; the copy keeps them
 * oldest first so that restoring them in order gives the same lists. */
static bool copy_list(mc_stored_msg *s, size_t *cap, int scope, const mc_prop *p)
{
    if (!p)
        return true;
    return copy_list(s, cap, scope, p->next) && add_prop(s, cap, scope, p);
}

mc_stored_msg *mc_stored_msg_of(mc_message *m)
{
    mc_stored_msg *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    snprintf(s->id, sizeof s->id, "%s", m->message_id);
    if (m->payload.kind != MC_PL_NONE) {
        size_t len = 0;
        const char *bytes = mc_msg_payload_bytes(m, &len);
        const char *ct = mc_msg_content_type(m);
        s->payload = dup_bytes(bytes ? bytes : "", bytes ? len : 0);
        s->content_type = dup_bytes(ct ? ct : "", ct ? strlen(ct) : 0);
        s->len = bytes ? len : 0;
        if (!s->payload || !s->content_type)
            goto oom;
        s->bytes += s->len;
    }
    size_t cap = 0;
    static const mc_scope kept[] = {MC_SCOPE_DEFAULT, MC_SCOPE_TRANSPORT, MC_SCOPE_AXIS2,
                                    MC_SCOPE_OPERATION, MC_SCOPE_URL};
    for (size_t i = 0; i < sizeof kept / sizeof *kept; i++)
        if (!copy_list(s, &cap, (int)kept[i], m->props[kept[i]]))
            goto oom;
    if (!copy_list(s, &cap, -1, m->vars))
        goto oom;
    s->bytes += sizeof *s;
    return s;
oom:
    mc_stored_msg_free(s);
    return NULL;
}

mc_code mc_msg_store_put(mc_msg_store *st, mc_stored_msg *s)
{
    pthread_mutex_lock(&st->lock);
    if (st->count >= st->max_messages || st->bytes + s->bytes > st->max_bytes) {
        st->refused++;
        pthread_mutex_unlock(&st->lock);
        mc_stored_msg_free(s);
        return MC_ELIMIT;
    }
    s->next = NULL;
    if (st->tail)
        st->tail->next = s;
    else
        st->head = s;
    st->tail = s;
    st->count++;
    st->bytes += s->bytes;
    st->stored++;
    pthread_mutex_unlock(&st->lock);
    return MC_OK;
}

mc_stored_msg *mc_msg_store_take(mc_msg_store *st)
{
    pthread_mutex_lock(&st->lock);
    mc_stored_msg *s = st->head;
    if (s) {
        st->head = s->next;
        if (!st->head)
            st->tail = NULL;
        st->count--;
        st->bytes -= s->bytes;
        s->next = NULL;
    }
    pthread_mutex_unlock(&st->lock);
    return s;
}

void mc_msg_store_unshift(mc_msg_store *st, mc_stored_msg *s)
{
    pthread_mutex_lock(&st->lock);
    s->next = st->head;
    st->head = s;
    if (!st->tail)
        st->tail = s;
    st->count++;
    st->bytes += s->bytes;
    pthread_mutex_unlock(&st->lock);
}

size_t mc_msg_store_size(mc_msg_store *st)
{
    pthread_mutex_lock(&st->lock);
    size_t n = st->count;
    pthread_mutex_unlock(&st->lock);
    return n;
}

mc_code mc_stored_msg_restore(const mc_stored_msg *s, mc_message *m, mc_err *err)
{
    if (s->content_type) {
        mc_code rc = mc_msg_set_payload(m, s->payload, s->len,
                                        *s->content_type ? s->content_type : NULL, err);
        if (rc != MC_OK)
            return rc;
    }
    for (size_t i = 0; i < s->nprops; i++) {
        const mc_stored_prop *p = &s->props[i];
        mc_code rc = p->scope < 0
                         ? mc_msg_set_var(m, p->name, p->value, p->len, p->type)
                         : mc_msg_set_prop(m, (mc_scope)p->scope, p->name, p->value, p->len,
                                           p->type);
        if (rc != MC_OK)
            return rc;
    }
    return MC_OK;
}
