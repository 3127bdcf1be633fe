/*
 * problem.h — RFC 9457 problem details and the SQLSTATE → status map.
 *
 * Owns how an error looks on the wire: reason phrases, the stable `code` of
 * each status (API.md §1.1), the mapping of the extension's SQLSTATEs
 * (docs/INTERFACE.md "Errors"), and the application/problem+json body.
 */
#ifndef SHIM_PROBLEM_H
#define SHIM_PROBLEM_H

#include <stdbool.h>
#include <stddef.h>

#define PROBLEM_CONTENT_TYPE "application/problem+json"

/* What a failed call means for the client. */
struct problem_map {
	int status;
	const char *code;
	bool unavailable;       /* database unreachable: 503 + Retry-After */
	bool detail_from_db;    /* the primary message may be shown */
};

/* The reason phrase of a status ("Unprocessable Content"). */
const char *problem_title(int status);
/* The default `code` of a status ("validation_failed"). */
const char *problem_code(int status);
/* Map a SQLSTATE (5 chars, may be NULL) to status and code. */
struct problem_map problem_from_sqlstate(const char *sqlstate);

/* Build the JSON body. `errors_json` is a JSON array text or NULL (only used
 * for 422); detail may be NULL (then the title is used). malloc'd. */
char *problem_body(int status, const char *code, const char *detail,
                   const char *errors_json, const char *request_id, size_t *len);

/* Turn `_`-keys into an errors array: [{"field":k,"message":"unknown field"}] */
char *problem_unknown_fields(const char (*fields)[64], size_t n);
/* An errors array of n (field, message) pairs (valid UTF-8). malloc'd. */
char *problem_fields(const char (*fields)[64], const char *const *messages, size_t n);

#endif
