/*
 * workers/proc/req.c -- the proc worker's reading of a PROC_REQ (common/
 * wire.h): the header's lengths against the payload, then the program,
 * the cwd, argc argv entries and envc environment entries, each
 * NUL-terminated, then the stdin bytes. Pure (no I/O, no exit()): unit
 * tested and fuzzed (fuzz/fuzz_proc.c).
 *
 * Runs in: aksup-worker-proc. Privilege: none needed. Input: the broker's
 * bytes (a confined peer: nothing in them is trusted beyond this check).
 */
#include <stdlib.h>
#include <string.h>

#include "workers/proc/proc.h"

/* n NUL-terminated strings of s[*o..len) into a new array (NULL-ended). */
static char **
strings(char *s, size_t len, size_t *o, uint32_t n)
{
	char **v, *nul;
	uint32_t i;

	if (n > PROCREQ_STRINGS_MAX || (v = calloc((size_t)n + 1,
	    sizeof(*v))) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (*o >= len || (nul = memchr(s + *o, '\0', len - *o)) == NULL) {
			free(v);
			return NULL;
		}
		v[i] = s + *o;
		*o = (size_t)(nul - s) + 1;
	}
	return v;
}

int
procreq_parse(uint8_t *req, size_t len, struct procreq *out)
{
	struct proc_req pr;
	char **pc, *s;
	size_t o = 0, slen;

	memset(out, 0, sizeof(*out));
	if (len < sizeof(pr))
		return -1;
	memcpy(&pr, req, sizeof(pr));
	s = (char *)req + sizeof(pr);
	slen = len - sizeof(pr);
	if (pr.strs_len > slen || pr.stdin_len != slen - pr.strs_len ||
	    pr.argc < 1 || pr.max_output < 1 || pr.max_output > PROCREQ_OUTPUT_MAX ||
	    pr.timeout_ms < 1 || (pr.flags & ~PROC_F_NETWORK) != 0 ||
	    pr.data_max < 1024 || pr.data_max > PROCREQ_OUTPUT_MAX)
		return -1;
	/* the program as decided, absolute; the cwd, "" or absolute */
	if ((pc = strings(s, pr.strs_len, &o, 2)) == NULL)
		return -1;
	out->path = pc[0];
	out->cwd = pc[1];
	free(pc);
	if (out->path[0] != '/' || (out->cwd[0] != '\0' && out->cwd[0] != '/'))
		return -1;
	if ((out->argv = strings(s, pr.strs_len, &o, pr.argc)) == NULL)
		return -1;
	if ((out->envp = strings(s, pr.strs_len, &o, pr.envc)) == NULL ||
	    o != pr.strs_len) {
		procreq_free(out);
		return -1;
	}
	out->network = (pr.flags & PROC_F_NETWORK) != 0;
	out->timeout_ms = pr.timeout_ms;
	out->max_output = pr.max_output;
	out->data_max = pr.data_max;
	out->in = s + pr.strs_len;
	out->inlen = pr.stdin_len;
	return 0;
}

void
procreq_free(struct procreq *r)
{
	free(r->argv);
	free(r->envp);
	r->argv = r->envp = NULL;
}
