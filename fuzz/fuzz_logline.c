/*
 * fuzz/fuzz_logline.c -- libFuzzer harness for the audit log reader's
 * line parser and join (logview/records.c).
 *
 * Runs in: the fuzzer only, as the invoking user, unconfined. The input
 * stands for a log file anyone may have edited: bytes are fed in two
 * chunks split at an input-chosen point (to cover lines that span reads),
 * then every selected row is rendered as JSON and as table cells.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logview/records.h"

static void
render(const struct lv *lv, const char *status, const char *action,
    size_t limit)
{
	struct lv_filter f = { 0, action, NULL, NULL, "2026", "2027-01",
	    limit };
	const struct lv_row *r;
	size_t n, i, w, *ix;
	char *s, bad[64];

	/* --status as aksup log parses it (a word that is none: any) */
	if (status != NULL &&
	    lv_status_parse(status, &f.statuses, bad, sizeof(bad)) < 0)
		f.statuses = 0;
	if (limit == 0)
		f.since = f.until = NULL;
	ix = lv_select(lv, &f, &n);
	if (n == (size_t)-1)
		return;
	for (i = 0; i < n; i++) {
		r = lv_row(lv, ix[i]);
		(void)lv_row_final(lv, ix[i]);
		free(lv_row_json(r));
		free(lv_display(r->timestamp, 0, &w));
		free(lv_display(r->status, 0, &w));
		free(lv_display(r->action, 0, &w));
		free(lv_display(r->error, 0, &w));
		s = lv_display(r->target, LV_TARGET_COLS, &w);
		if (s != NULL && w > LV_TARGET_COLS)
			abort();
		free(s);
	}
	free(ix);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lv *lv;
	size_t split;

	if ((lv = lv_new(NULL, NULL)) == NULL)
		return 0;
	split = size > 0 ? data[0] % (size + 1) : 0;
	if (lv_feed(lv, (const char *)data, split) == 0 &&
	    lv_feed(lv, (const char *)data + split, size - split) == 0 &&
	    lv_finish(lv) == 0) {
		render(lv, NULL, NULL, 0);
		render(lv, "ok", "fs.read", 2);
	}
	lv_free(lv);
	return 0;
}
