/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * web/export.c - the static export: the same pages as files.
 *
 * Writes into DIR (created if absent): index.html, networks.html,
 * net-<network>.html, hosts-<n>.html (100 hosts each, address order),
 * host-<ip>.html, svc-<ip>-<proto>-<port>.html, map.html and assets/.
 * File names use '_' for ':' of IPv6 addresses.  Links are relative, so
 * the directory can be mailed, archived or opened from disk; the pages
 * have no forms (no server to answer them) and the same CSP-clean markup.
 * Files are written only as themselves: a symbolic or hard link planted in
 * DIR is refused, never written through (open_page).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/addr.h"
#include "web/web_int.h"

static void
file_ip(char *out, size_t len, const uint8_t ip[RK_ADDR_LEN])
{
	rk_addr_format(ip, out, len);
	for (char *c = out; *c != '\0'; c++)
		if (*c == ':')
			*c = '_';
}

/*
 * Open dir/name for writing into p->f.  0 or <0 with err.  Never through
 * a link: a symbolic link (O_NOFOLLOW) or a file with other hard links in
 * DIR is refused before anything is truncated, so an export into a shared
 * directory cannot be made to overwrite another file.
 */
static int
open_page(struct rk_page *p, const char *dir, const char *name, struct rk_err *err)
{
	char path[4096];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 && errno == ELOOP)
		return rk_err_set(err, RK_E_IO, "refusing to write %s: it is a symbolic link", path);
	if (fd < 0)
		return rk_err_set(err, RK_E_IO, "cannot write %s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink > 1) {
		close(fd);
		return rk_err_set(err, RK_E_IO, "refusing to write %s: not a regular file of its own "
		    "(a link to another file?)", path);
	}
	if (ftruncate(fd, 0) != 0 || (p->f = fdopen(fd, "w")) == NULL) {
		rk_err_set(err, RK_E_IO, "cannot write %s: %s", path, strerror(errno));
		close(fd);
		return -RK_E_IO;
	}
	return 0;
}

/* Make dir (or take it as it is if it is a real directory, not a link to one). */
static int
make_dir(const char *dir, struct rk_err *err)
{
	struct stat st;

	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return rk_err_set(err, RK_E_IO, "cannot create %s: %s", dir, strerror(errno));
	if (lstat(dir, &st) != 0)
		return rk_err_set(err, RK_E_IO, "cannot create %s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return rk_err_set(err, RK_E_IO, "refusing to write into %s: not a directory "
		    "(a symbolic link?)", dir);
	return 0;
}

static int
close_page(struct rk_page *p, const char *name, struct rk_err *err)
{
	int bad = ferror(p->f);

	if (fclose(p->f) != 0 || bad)
		return rk_err_set(err, RK_E_IO, "cannot write %s", name);
	p->f = NULL;
	return 0;
}

/* Write every file of p's snapshot into dir: files written, or <0 with err. */
static int
export_pages(struct rk_page *p0, const char *dir, struct rk_err *err)
{
	struct rk_page p = *p0;
	struct rk_web_map_filter mf = {0};
	struct rk_hosts_q q = {0};
	char name[256], a[RK_ADDR_STRLEN];
	uint64_t n_pages, n_files = 0;
	int rc;

	for (const struct rk_web_asset *as = rk_web_assets; as->name != NULL; as++) {
		snprintf(name, sizeof(name), "assets/%s", as->name);
		if ((rc = open_page(&p, dir, name, err)) != 0)
			return rc;
		fwrite(as->data, 1, as->len, p.f);
		if ((rc = close_page(&p, name, err)) != 0)
			return rc;
		n_files++;
	}
#define PAGE(fname, call)                                                       \
	do {                                                                    \
		if ((rc = open_page(&p, dir, (fname), err)) != 0)               \
			return rc;                                              \
		(void)(call);                                                   \
		if ((rc = close_page(&p, (fname), err)) != 0)                   \
			return rc;                                              \
		n_files++;                                                      \
	} while (0)
	PAGE("index.html", rk_page_overview(&p));
	PAGE("networks.html", rk_page_networks(&p));
	PAGE("map.html", rk_page_map(&p, &mf, err));
	for (size_t i = 0; i < p.s->n_nets; i++) {
		file_ip(a, sizeof(a), p.s->nets[i].prefix);
		snprintf(name, sizeof(name), "net-%s.html", a);
		PAGE(name, rk_page_network(&p, p.s->nets[i].prefix, err));
	}
	q.per_page = 100;
	n_pages = p.s->m.n_hosts == 0 ? 1 : (p.s->m.n_hosts + q.per_page - 1) / q.per_page;
	for (q.page = 1; q.page <= n_pages; q.page++) {
		snprintf(name, sizeof(name), "hosts-%" PRIu64 ".html", q.page);
		PAGE(name, rk_page_hosts(&p, &q));
	}
	for (size_t i = 0; i < p.s->m.n_hosts; i++) {
		file_ip(a, sizeof(a), p.s->m.hosts[i]->ip);
		snprintf(name, sizeof(name), "host-%s.html", a);
		PAGE(name, rk_page_host(&p, p.s->m.hosts[i]->ip, err));
	}
	for (size_t i = 0; i < p.s->m.n_services; i++) {
		const struct rk_ep_key *k = &p.s->m.services[i]->key;
		char pb[16];
		file_ip(a, sizeof(a), k->ip);
		snprintf(name, sizeof(name), "svc-%s-%s-%u.html", a,
		    rk_report_proto_name(k->proto, pb, sizeof(pb)), (unsigned)k->port);
		PAGE(name, rk_page_service(&p, k, err));
	}
#undef PAGE
	return n_files > INT_MAX ? INT_MAX : (int)n_files;
}

/*
 * Write the pages of [since, until) into dir.  Costs one page render per
 * host, service and network (seconds at the paper's scale).  Returns the
 * number of files written (>= 0), or <0 with err (what could not be
 * written).
 */
int
rk_web_export(struct rk_web *w, const char *dir, uint64_t since_us, uint64_t until_us,
    struct rk_err *err)
{
	struct rk_page p = {0};
	char assets[4096];
	int rc;

	/* DIR itself may be a link the user chose; nothing inside it may be. */
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return rk_err_set(err, RK_E_IO, "cannot create %s: %s", dir, strerror(errno));
	snprintf(assets, sizeof(assets), "%s/assets", dir);
	if ((rc = make_dir(assets, err)) != 0)
		return rc;
	p.w = w;
	p.is_export = true;
	p.s = rk_web_snap_get(w, since_us, until_us, err);
	if (p.s == NULL)
		return -RK_E_IO;
	rc = export_pages(&p, dir, err);
	rk_web_snap_put(w, p.s);
	return rc;
}
