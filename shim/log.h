/*
 * log.h — the shim's one logging path.
 *
 * Owns stdout: one line per event, either a JSON object (default) or plain
 * text. Access lines (one per request) and event lines (startup, database
 * errors, warnings) go through here; each line is written with a single
 * write(2) so lines from different threads never interleave. Never pass a
 * token or a password to these functions.
 */
#ifndef SHIM_LOG_H
#define SHIM_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum log_format { LOG_FORMAT_JSON, LOG_FORMAT_TEXT };
enum log_level { LL_DEBUG, LL_INFO, LL_WARN, LL_ERROR };

struct log_access {
	const char *request_id;
	const char *method;
	const char *route;      /* template, or NULL when none matched */
	int status;             /* 0 when no response was sent */
	double duration_ms;
	const char *ip;
	const char *user_id;    /* NULL when anonymous */
};

void log_init(enum log_format fmt, int fd);
/* Event line; request_id may be NULL. */
void log_msg(enum log_level lv, const char *request_id, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Event line with extra JSON members: `extra` is `"k":v,...` text (JSON form) */
void log_kv(enum log_level lv, const char *msg, const char *extra_json);
void log_access(const struct log_access *a);
/* RFC 3339 UTC time with milliseconds, e.g. 2024-05-01T12:00:00.123Z */
void log_time_rfc3339(char out[32]);
const char *log_level_name(enum log_level lv);

#endif
