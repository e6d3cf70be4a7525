/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cli/progress.c - a progress line on the terminal for long work.
 *
 *   renkei: 45%  ETA 0:12  1,234,567 packets  1.12M pkt/s  648 MB/s  2/3 big.pcap
 *   renkei-gen: 61%  ETA 0:01  123,456/200,000 packets  350k pkt/s  203 MB/s
 *
 * Who uses it: renkei analyze (one part per input file; the pipeline's
 * on_progress callback feeds it between dispatch batches) and renkei-gen
 * (one part, fed from its run loop every few thousand packets).  It uses
 * nothing but libc, so renkei-gen, which links no librenkei, can take this
 * file as it is.
 *
 * Design:
 * - Only for a person watching: the line is drawn only when stderr is a
 *   terminal, never with --quiet, and not before the run is 1 s old
 *   (RENKEI_PROGRESS_AFTER_MS overrides that, for tests), so short runs,
 *   logs and pipes never see it.
 * - Cheap by construction: rk_progress_update is called between batches
 *   by the caller (never per packet); when off it returns at once, when
 *   on it reads the monotonic clock once (vDSO, no system call) and draws
 *   at most every 250 ms.  No allocation anywhere.
 * - Drawn in place: "\r", the line, then spaces over whatever the longer
 *   line before left, with no escape sequences, so any terminal shows it;
 *   cut to the terminal's width so it never wraps (a wrapped line would
 *   not be redrawn in place).  rk_progress_clear blanks it before anyone
 *   prints something else (warnings, the report on the same terminal);
 *   the next update draws it again.
 * - Percent and ETA are per part (file), from done/total in whatever unit
 *   the caller counts (file bytes, packets); the ETA extrapolates the
 *   part's own average speed.  Rates are over the whole run.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/progress.h"
#include "util/human.h"

#define LINE_MAX_LEN 512 /* bytes of a line, before the cut to the terminal width */

/* The quiet start, µs: RENKEI_PROGRESS_AFTER_MS if it is a number, else the default. */
static uint64_t
quiet_start_us(void)
{
	const char *s = getenv(RK_PROGRESS_AFTER_ENV);
	char *end;
	unsigned long long ms;

	if (s == NULL || *s < '0' || *s > '9')
		return (uint64_t)RK_PROGRESS_AFTER_MS * 1000;
	ms = strtoull(s, &end, 10);
	if (*end != '\0' || ms > 86400000ull)
		return (uint64_t)RK_PROGRESS_AFTER_MS * 1000;
	return (uint64_t)ms * 1000;
}

/* The columns of the terminal f, 80 when it does not say. */
static int
term_width(FILE *f)
{
	struct winsize ws;

	if (ioctl(fileno(f), TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		return ws.ws_col;
	return 80;
}

/*
 * Set pr up for a run that starts now; prog (static, e.g. "renkei") starts
 * the line.  The line is kept only if stderr is a terminal and !is_quiet;
 * otherwise every other call does nothing.  O(1), no allocation.
 */
void
rk_progress_init(struct rk_progress *pr, const char *prog, int is_quiet)
{
	memset(pr, 0, sizeof(*pr));
	pr->prog = prog;
	pr->start_us = pr->part_start_us = rk_cli_clock_us(CLOCK_MONOTONIC);
	pr->part = pr->n_parts = 1;
	if (is_quiet || !isatty(fileno(stderr)))
		return;
	pr->tty = stderr;
	pr->width = term_width(stderr);
	pr->quiet_until_us = pr->next_us = pr->start_us + quiet_start_us();
}

/* Whether a line is kept: stderr is a terminal and the run is not quiet.  O(1). */
int
rk_progress_is_on(const struct rk_progress *pr)
{
	return pr->tty != NULL;
}

/*
 * Begin part part (from 1) of n_parts, named name (borrowed until the next
 * call; NULL for none): its percent and ETA start from zero, and once the
 * quiet start is over its first update draws at once, so every part is
 * named on the line however short it is.  O(1).
 */
void
rk_progress_part(struct rk_progress *pr, int part, int n_parts, const char *name)
{
	pr->part = part;
	pr->n_parts = n_parts;
	pr->part_name = name;
	pr->part_start_us = rk_cli_clock_us(CLOCK_MONOTONIC);
	pr->next_us = pr->part_start_us > pr->quiet_until_us ? pr->part_start_us :
	    pr->quiet_until_us;
}

/* Append to buf (len bytes, NUL-terminated, *used so far); silently cut when full. */
static void __attribute__((format(printf, 4, 5)))
append(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*used + 1 >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *used, len - *used, fmt, ap);
	va_end(ap);
	if (n > 0)
		*used += (size_t)n < len - *used ? (size_t)n : len - *used - 1;
}

/*
 * n with a decimal prefix and three significant digits, then sep and
 * unit: "512 B", "45.2 kB", "118 MB" (sep " ", unit "B"); "412k", "1.45M"
 * (both ""); into buf, returned.  O(1).
 */
static char *
format_scaled(uint64_t n, const char *sep, const char *unit, char *buf, size_t len)
{
	static const char prefixes[] = "kMGTPE";
	double v = (double)n;
	int p = -1;

	if (n < 1000) {
		snprintf(buf, len, "%u%s%s", (unsigned)n, sep, unit);
		return buf;
	}
	while (v >= 999.5 && p < 5) {
		v /= 1000;
		p++;
	}
	snprintf(buf, len, v < 9.995 ? "%.2f%s%c%s" : v < 99.95 ? "%.1f%s%c%s" : "%.0f%s%c%s", v,
	    sep, prefixes[p], unit);
	return buf;
}

/* "M:SS" or "H:MM:SS" of s seconds into buf; returns buf. */
static char *
format_eta(uint64_t s, char *buf, size_t len)
{
	if (s < 3600)
		snprintf(buf, len, "%u:%02u", (unsigned)(s / 60), (unsigned)(s % 60));
	else
		snprintf(buf, len, "%llu:%02u:%02u", (unsigned long long)(s / 3600),
		    (unsigned)(s / 60 % 60), (unsigned)(s % 60));
	return buf;
}

/* The current part's percent done (its size is known). */
static void
append_percent(const struct rk_progress_sample *s, char *line, size_t len, size_t *used)
{
	uint64_t done = s->done < s->total ? s->done : s->total;

	append(line, len, used, " %u%%", (unsigned)((double)done * 100 / (double)s->total));
}

/*
 * The current part's ETA (its size is known), from its own average speed;
 * nothing before it has started or once it is complete.
 */
static void
append_eta(const struct rk_progress *pr, const struct rk_progress_sample *s, uint64_t now,
    char *line, size_t len, size_t *used)
{
	double spent = (double)(now - pr->part_start_us) / 1e6;
	char b[32];

	if (s->done == 0 || s->done >= s->total)
		return;
	append(line, len, used, "  ETA %s",
	    format_eta((uint64_t)(spent * (double)(s->total - s->done) / (double)s->done + 0.5),
	    b, sizeof(b)));
}

/* Build the line for s at time now into line (len bytes); returns its length. */
static size_t
format_line(const struct rk_progress *pr, const struct rk_progress_sample *s, uint64_t now,
    char *line, size_t len)
{
	double secs = (double)(now - pr->start_us) / 1e6;
	size_t used = 0;
	char a[32], b[32];

	if (secs < 0.001)
		secs = 0.001;
	append(line, len, &used, "%s:", pr->prog);
	if (s->total > 0) {
		append_percent(s, line, len, &used);
		append_eta(pr, s, now, line, len, &used);
	}
	append(line, len, &used, s->total > 0 ? "  %s" : " %s",
	    rk_human_count(s->n_packets, a, sizeof(a)));
	if (s->max_packets > 0)
		append(line, len, &used, "/%s", rk_human_count(s->max_packets, b, sizeof(b)));
	append(line, len, &used, " packets  %s pkt/s",
	    format_scaled((uint64_t)((double)s->n_packets / secs), "", "", a, sizeof(a)));
	append(line, len, &used, "  %s/s",
	    rk_progress_format_bytes((uint64_t)((double)s->n_bytes / secs), a, sizeof(a)));
	if (pr->n_parts > 1)
		append(line, len, &used, "  %d/%d", pr->part, pr->n_parts);
	if (pr->part_name != NULL)
		append(line, len, &used, pr->n_parts > 1 ? " %s" : "  %s", pr->part_name);
	return used;
}

/*
 * Redraw the line for s if it is due: the run is older than the quiet
 * start and the last draw is 250 ms old.  Call it between batches of
 * work.  Cost: nothing when off; one clock read when on; a draw (one
 * write to stderr) at most 4 times a second.
 */
void
rk_progress_update(struct rk_progress *pr, const struct rk_progress_sample *s)
{
	char line[LINE_MAX_LEN];
	size_t n, max;
	uint64_t now;

	if (pr->tty == NULL)
		return;
	now = rk_cli_clock_us(CLOCK_MONOTONIC);
	if (now < pr->next_us)
		return;
	pr->next_us = now + (uint64_t)RK_PROGRESS_EVERY_MS * 1000;
	n = format_line(pr, s, now, line, sizeof(line));
	max = (size_t)pr->width - 1;
	if (n > max)
		line[n = max] = '\0';
	fprintf(pr->tty, "\r%s%*s", line, pr->shown_len > n ? (int)(pr->shown_len - n) : 0, "");
	fflush(pr->tty);
	pr->shown_len = n;
}

/*
 * Blank the line, if one is shown, and put the cursor at the start of
 * it, so that what is printed next starts on a clean line.  The next
 * update draws it again.  O(1).
 */
void
rk_progress_clear(struct rk_progress *pr)
{
	if (pr->tty == NULL || pr->shown_len == 0)
		return;
	fprintf(pr->tty, "\r%*s\r", (int)pr->shown_len, "");
	fflush(pr->tty);
	pr->shown_len = 0;
}

/* The end of the run: blank the line for good; later updates draw nothing.  O(1). */
void
rk_progress_fini(struct rk_progress *pr)
{
	rk_progress_clear(pr);
	pr->tty = NULL;
}

/*
 * n bytes in decimal units with three significant digits ("512 B",
 * "45.2 kB", "118 MB", "4.52 GB"), into buf; returns buf.  O(1).
 */
char *
rk_progress_format_bytes(uint64_t n, char *buf, size_t len)
{
	return format_scaled(n, " ", "B", buf, len);
}
