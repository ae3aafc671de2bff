/*
 * dump_hook.c - a layer of callbacks on libkdumpfile's libaddrxlat
 * context, so that the page tables libkdumpfile reads of a
 * kdump-compressed file have their page descriptors checked too.
 */
#include "dump_internal.h"

/*
 * The layer's priv is its dump: no registry to find it by.  libkdumpfile's
 * callbacks take their context from the priv of the layer they are
 * handed, so every callback of this layer hands the call down with
 * cb->next, libkdumpfile's own layer.  The forwarding libaddrxlat fills a
 * new layer with would hand the value callbacks (next_sym_value_cb and the
 * others, in 0.5.1 to 0.5.4 at least) this layer instead.
 */
_Static_assert(sizeof(addrxlat_cb_t) == 9 * sizeof(void *),
	       "libaddrxlat has a callback this layer does not hand down");

static unsigned long next_read_caps(const addrxlat_cb_t *cb)
{
	return cb->next->read_caps(cb->next);
}

static addrxlat_status next_reg_value(const addrxlat_cb_t *cb, const char *name,
				      addrxlat_addr_t *val)
{
	return cb->next->reg_value(cb->next, name, val);
}

static addrxlat_status next_sym_value(const addrxlat_cb_t *cb, const char *name,
				      addrxlat_addr_t *val)
{
	return cb->next->sym_value(cb->next, name, val);
}

static addrxlat_status next_sym_sizeof(const addrxlat_cb_t *cb, const char *name,
				       addrxlat_addr_t *val)
{
	return cb->next->sym_sizeof(cb->next, name, val);
}

static addrxlat_status next_sym_offsetof(const addrxlat_cb_t *cb, const char *obj,
					 const char *elem, addrxlat_addr_t *val)
{
	return cb->next->sym_offsetof(cb->next, obj, elem, val);
}

static addrxlat_status next_num_value(const addrxlat_cb_t *cb, const char *name,
				      addrxlat_addr_t *val)
{
	return cb->next->num_value(cb->next, name, val);
}

/*
 * libkdumpfile's own reads of page tables (translating, and setting up
 * translation) come through its addrxlat context: this hook on it checks
 * each page's descriptor before passing the read down.  On a
 * kdump-compressed file they read machine-physical pages only.
 */
static addrxlat_status checked_get_page(const addrxlat_cb_t *cb, addrxlat_buffer_t *buf)
{
	struct hvo_dump *dump = cb->priv;
	struct hvo_error *err;
	if (buf->addr.as != ADDRXLAT_MACHPHYSADDR && buf->addr.as != ADDRXLAT_KPHYSADDR)
		err = hvo_error_create(HVO_ERROR_INTERNAL, "libaddrxlat read a page in address "
				       "space %d, not by physical address", (int)buf->addr.as);
	else
		err = hvo_dump_check_pfn(dump, buf->addr.addr >> dump->page_shift);
	if (!err)
		return cb->next->get_page(cb->next, buf);
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
	dump->read_hook->priv = dump;
	dump->read_hook->get_page = checked_get_page;
	dump->read_hook->read_caps = next_read_caps;
	dump->read_hook->reg_value = next_reg_value;
	dump->read_hook->sym_value = next_sym_value;
	dump->read_hook->sym_sizeof = next_sym_sizeof;
	dump->read_hook->sym_offsetof = next_sym_offsetof;
	dump->read_hook->num_value = next_num_value;
	return NULL;
}

/* Take the hook off before the context goes, with what it last refused. */
void hvo_dump_unhook_reads(struct hvo_dump *dump)
{
	if (dump->read_hook)
		addrxlat_ctx_del_cb(dump->xctx, dump->read_hook);
	hvo_error_destroy(dump->hook_error);
}
