/*
 * One intrusive, circular, doubly linked list for the whole tree.
 *
 * A struct list_node sits inside the object it links; a list is a bare
 * node (the head) that points at itself when empty. Every operation is O(1)
 * and none allocates, so the PMM, the DMA pool and interrupt handlers can
 * all use it. list_entry() turns a node back into its object. A node that is
 * not on any list is kept self-linked (list_node_init, list_remove), so
 * list_node_linked() can tell whether it is on one, and removing it twice
 * is harmless.
 */
#ifndef TERN_LIST_H
#define TERN_LIST_H

#include "types.h"

struct list_node {
	struct list_node *next, *prev;
};

#define LIST_HEAD_INIT(name) { &(name), &(name) }

#define list_entry(node, type, member) container_of(node, type, member)

static inline void list_node_init(struct list_node *n)
{
	n->next = n->prev = n;
}

static inline bool list_empty(const struct list_node *head)
{
	return head->next == head;
}

static inline bool list_node_linked(const struct list_node *n)
{
	return n->next != n;
}

static inline void list_insert_between(struct list_node *n,
				       struct list_node *prev,
				       struct list_node *next)
{
	n->prev = prev;
	n->next = next;
	prev->next = n;
	next->prev = n;
}

/* At the front: LIFO use (free lists, stacks). */
static inline void list_push_front(struct list_node *head, struct list_node *n)
{
	list_insert_between(n, head, head->next);
}

/* At the back: FIFO use (queues in arrival order). */
static inline void list_push_back(struct list_node *head, struct list_node *n)
{
	list_insert_between(n, head->prev, head);
}

static inline void list_remove(struct list_node *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	list_node_init(n);
}

/* The first node, or NULL when the list is empty. */
static inline struct list_node *list_first(const struct list_node *head)
{
	return list_empty(head) ? NULL : head->next;
}

/* The first node, unlinked; NULL when the list is empty. */
static inline struct list_node *list_pop_front(struct list_node *head)
{
	struct list_node *n = list_first(head);
	if (n)
		list_remove(n);
	return n;
}

#define list_first_entry_or_null(head, type, member) \
	(list_empty(head) ? (type *)NULL : list_entry((head)->next, type, member))

/* Iterate over objects; `pos` may not be removed inside the loop. */
#define list_for_each_entry(pos, head, member)                              \
	for (pos = list_entry((head)->next, __typeof__(*pos), member);      \
	     &pos->member != (head);                                        \
	     pos = list_entry(pos->member.next, __typeof__(*pos), member))

/* Iterate over objects; `pos` may be removed (or freed) inside the loop. */
#define list_for_each_entry_safe(pos, tmp, head, member)                    \
	for (pos = list_entry((head)->next, __typeof__(*pos), member),      \
	     tmp = list_entry(pos->member.next, __typeof__(*pos), member);  \
	     &pos->member != (head);                                        \
	     pos = tmp, tmp = list_entry(tmp->member.next, __typeof__(*tmp), member))

#endif
