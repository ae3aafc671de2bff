/*
 * dump_hook.c - a layer of callbacks on libkdumpfile's libaddrxlat
 * context, so that the page tables libkdumpfile reads of a
 * kdump-compressed file have their page descriptors checked too.
 */
#include <pthread.h>

#include "dump_internal.h"
#include "kdump_check.h"

/*
 * Dumps with a read hook, found by the hook: libaddrxlat hands every
 * layer of callbacks the outermost one, whose priv must stay
 * libkdumpfile's context for the layers below.
 */
static struct hvo_dump *hooked_dumps;
static pthread_mutex_t hooked_dumps_lock = PTHREAD_MUTEX_INITIALIZER;

static struct hvo_dump *dump_of_hook(const addrxlat_cb_t *cb)
{
	pthread_mutex_lock(&hooked_dumps_lock);
	struct hvo_dump *dump = hooked_dumps;
	while (dump && dump->read_hook != cb)
		dump = dump->next_hooked;
	pthread_mutex_unlock(&hooked_dumps_lock);
	return dump;
}

/*
 * libkdumpfile's own reads of page tables (translating, and setting up
 * translation) come through its addrxlat context: this hook on it checks
 * each page's descriptor before passing the read down.  On a
 * kdump-compressed file they read machine-physical pages only.
 */
static addrxlat_status checked_get_page(const addrxlat_cb_t *cb, addrxlat_buffer_t *buf)
{
	struct hvo_dump *dump = dump_of_hook(cb);
	if (!dump)
		return ADDRXLAT_ERR_INVALID;	/* only an open dump installs the hook */
	struct hvo_error *err;
	if (buf->addr.as != ADDRXLAT_MACHPHYSADDR && buf->addr.as != ADDRXLAT_KPHYSADDR)
		err = hvo_error_create(HVO_ERROR_INTERNAL, "libaddrxlat read a page in address "
				       "space %d, not by physical address", (int)buf->addr.as);
	else
		err = hvo_dump_check_pfn(dump, buf->addr.addr / HVO_KDUMP_PAGE_SIZE);
	if (!err)
		return cb->next->get_page(cb, buf);	/* as libaddrxlat's own forwarding does */
	hvo_error_destroy(dump->hook_error);
	dump->hook_error = err;
	return addrxlat_ctx_err(dump->xctx, ADDRXLAT_ERR_INVALID, "%s", err->message);
}

/* The error read_hook refused a page with, once: it explains a failed translation. */
struct hvo_error *hvo_dump_take_hook_error(struct hvo_dump *dump)
{
	struct hvo_error *err = dump->hook_error;
	dump->hook_error = NULL;
	return err;
}

/* After a translation failed: the descriptor the hook refused, if that was why, else NULL. */
struct hvo_error *hvo_dump_refused_descriptor(struct hvo_dump *dump)
{
	return dump->hook_error ?
		hvo_error_prefix(hvo_dump_take_hook_error(dump), "'%s'", dump->path) : NULL;
}

/* Before the file is set: check every page table libkdumpfile reads. */
struct hvo_error *hvo_dump_hook_translation_reads(struct hvo_dump *dump)
{
	addrxlat_sys_t *sys;
	kdump_status ks = kdump_get_addrxlat(dump->ctx, &dump->xctx, &sys);
	if (ks != KDUMP_OK)
		return hvo_dump_kdump_failure(dump, ks, "setting up address translation");
	addrxlat_sys_decref(sys);	/* an empty one: the OS type's comes later */
	dump->read_hook = addrxlat_ctx_add_cb(dump->xctx);
	if (!dump->read_hook)
		return &hvo_error_nomem;
	dump->read_hook->priv = dump->read_hook->next->priv;
	pthread_mutex_lock(&hooked_dumps_lock);
	dump->next_hooked = hooked_dumps;
	hooked_dumps = dump;
	pthread_mutex_unlock(&hooked_dumps_lock);
	dump->read_hook->get_page = checked_get_page;
	return NULL;
}

/* Take the hook off before the context goes, with what it last refused. */
void hvo_dump_unhook_reads(struct hvo_dump *dump)
{
	if (dump->read_hook) {
		pthread_mutex_lock(&hooked_dumps_lock);
		struct hvo_dump **link = &hooked_dumps;
		while (*link != dump)
			link = &(*link)->next_hooked;
		*link = dump->next_hooked;
		pthread_mutex_unlock(&hooked_dumps_lock);
		addrxlat_ctx_del_cb(dump->xctx, dump->read_hook);
	}
	hvo_error_destroy(dump->hook_error);
}
