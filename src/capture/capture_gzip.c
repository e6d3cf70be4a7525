/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * capture/capture_gzip.c - gzip-compressed captures (capture.pcap.gz).
 *
 * Captures are often kept compressed.  Instead of unpacking to a temporary
 * file, the descriptor is wrapped in zlib's gzip reader and presented as a
 * stdio stream (fopencookie) that libpcap reads like any file: memory stays
 * bounded by zlib's buffer whatever the size of the capture.  zlib reads
 * data that is not gzip "transparently", as it is, so standard input can
 * always go through this wrapper: compressed or not, libpcap sees the
 * capture bytes (and gives its own message for anything else).  A gzip
 * stream cut short reads as a short file, which libpcap reports as a
 * truncated capture.
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <zlib.h>

#include "capture/capture.h"

static ssize_t
gz_read(void *cookie, char *buf, size_t size)
{
	int n;

	if (size > (1u << 30))
		size = 1u << 30;
	n = gzread((gzFile)cookie, buf, (unsigned)size);
	if (n < 0) {
		errno = EIO;
		return -1;
	}
	return n;
}

static int
gz_close(void *cookie)
{
	return gzclose_r((gzFile)cookie) == Z_OK ? 0 : EOF;
}

/*
 * Wrap fd (owned from now on, closed by fclose) in a stream that yields the
 * decompressed bytes of a gzip file, or the bytes as they are if fd does
 * not hold gzip data.  Returns NULL (fd closed, errno set) on failure.
 */
FILE *
rk_capture_gz_fdopen(int fd)
{
	cookie_io_functions_t io = {gz_read, NULL, NULL, gz_close};
	gzFile gz = gzdopen(fd, "rb");
	FILE *fp;

	if (gz == NULL) {
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	(void)gzbuffer(gz, 256 * 1024);
	fp = fopencookie(gz, "rb", io);
	if (fp == NULL)
		gzclose_r(gz);
	return fp;
}
