/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz/replay.c - run a fuzz target's entry point over files, without
 * libFuzzer.
 *
 * Linked with each fuzz_<target>.c into an ordinary executable that the
 * unit suite runs on every build (plain and ASan+UBSan) over the target's
 * seed corpus and over fuzz/crashes/<target>/: every input that ever
 * crashed stays a regression test.  Arguments are files or directories
 * (one level deep).
 */
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long len;

	if (f == NULL)
		return -1;
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return -1;
	}
	buf = malloc((size_t)len + 1);
	if (buf == NULL || fread(buf, 1, (size_t)len, f) != (size_t)len) {
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	free(buf);
	return 0;
}

int
main(int argc, char **argv)
{
	int n = 0, bad = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		DIR *d;
		struct dirent *e;
		if (stat(argv[i], &st) != 0)
			continue; /* an empty crashes/ dir may not exist */
		if (!S_ISDIR(st.st_mode)) {
			bad += run_file(argv[i]) < 0;
			n++;
			continue;
		}
		if ((d = opendir(argv[i])) == NULL)
			continue;
		while ((e = readdir(d)) != NULL) {
			char p[4096];
			if (e->d_name[0] == '.')
				continue;
			snprintf(p, sizeof(p), "%s/%s", argv[i], e->d_name);
			if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
				bad += run_file(p) < 0;
				n++;
			}
		}
		closedir(d);
	}
	printf("1..1\n%s 1 - replayed %d inputs (%d unreadable)\n", bad ? "not ok" : "ok", n, bad);
	return bad != 0;
}
