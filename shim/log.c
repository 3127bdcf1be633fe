/*
 * log.c — one line per event on stdout (see log.h).
 */
#include "log.h"
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static enum log_format log_fmt = LOG_FORMAT_JSON;
static int log_fd = 1;

#define LOG_LINE_MAX 8192

void
log_init(enum log_format fmt, int fd)
{
	log_fmt = fmt;
	log_fd = fd;
}

const char *
log_level_name(enum log_level lv)
{
	switch (lv) {
	case LL_DEBUG: return "debug";
	case LL_INFO: return "info";
	case LL_WARN: return "warn";
	case LL_ERROR: return "error";
	}
	return "info";
}

void
log_time_rfc3339(char out[32])
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 32 - n, ".%03ldZ", ts.tv_nsec / 1000000L);
}

static void
log_write(struct buf *b)
{
	const char *p;
	size_t left;

	if (b->err) {
		/* line too long: say so rather than write half a line */
		buf_reset(b);
		b->err = false;
		buf_adds(b, log_fmt == LOG_FORMAT_JSON
		         ? "{\"level\":\"error\",\"msg\":\"log line too long\"}"
		         : "ERROR log line too long");
	}
	if (log_fmt == LOG_FORMAT_TEXT && b->p) {
		/* keep one event on one line whatever a message contains */
		for (char *q = b->p; *q; q++)
			if ((unsigned char) *q < 0x20)
				*q = ' ';
	}
	buf_addc(b, '\n');
	p = b->p;
	left = b->len;
	while (left > 0) {
		ssize_t w = write(log_fd, p, left);
		if (w <= 0)
			break;
		p += w;
		left -= (size_t) w;
	}
}

static void
log_add_str_or_null(struct buf *b, const char *s)
{
	if (s)
		buf_add_json_str(b, s, strlen(s));
	else
		buf_adds(b, "null");
}

static void
log_vmsg(enum log_level lv, const char *rid, const char *extra,
         const char *fmt, va_list ap)
{
	char t[32], msg[2048];
	struct buf b;

	vsnprintf(msg, sizeof msg, fmt, ap);
	log_time_rfc3339(t);
	buf_init(&b, LOG_LINE_MAX);
	if (log_fmt == LOG_FORMAT_JSON) {
		buf_addf(&b, "{\"time\":\"%s\",\"level\":\"%s\"", t, log_level_name(lv));
		if (rid) {
			buf_adds(&b, ",\"request_id\":");
			buf_add_json_str(&b, rid, strlen(rid));
		}
		buf_adds(&b, ",\"msg\":");
		buf_add_json_str(&b, msg, strlen(msg));
		if (extra && *extra) {
			buf_addc(&b, ',');
			buf_adds(&b, extra);
		}
		buf_addc(&b, '}');
	} else {
		buf_addf(&b, "%s %-5s ", t, log_level_name(lv));
		if (rid)
			buf_addf(&b, "[%s] ", rid);
		buf_adds(&b, msg);
		if (extra && *extra) {
			buf_addc(&b, ' ');
			buf_adds(&b, extra);
		}
	}
	log_write(&b);
	buf_free(&b);
}

void
log_msg(enum log_level lv, const char *request_id, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(lv, request_id, NULL, fmt, ap);
	va_end(ap);
}

static void
log_kv_inner(enum log_level lv, const char *extra, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(lv, NULL, extra, fmt, ap);
	va_end(ap);
}

void
log_kv(enum log_level lv, const char *msg, const char *extra_json)
{
	log_kv_inner(lv, extra_json, "%s", msg);
}

void
log_access(const struct log_access *a)
{
	char t[32];
	struct buf b;
	enum log_level lv = a->status >= 500 || a->status == 0 ? LL_WARN : LL_INFO;

	log_time_rfc3339(t);
	buf_init(&b, LOG_LINE_MAX);
	if (log_fmt == LOG_FORMAT_JSON) {
		buf_addf(&b, "{\"time\":\"%s\",\"level\":\"%s\",\"request_id\":", t,
		         log_level_name(lv));
		log_add_str_or_null(&b, a->request_id);
		buf_adds(&b, ",\"method\":");
		log_add_str_or_null(&b, a->method);
		buf_adds(&b, ",\"route\":");
		log_add_str_or_null(&b, a->route);
		if (a->status)
			buf_addf(&b, ",\"status\":%d", a->status);
		else
			buf_adds(&b, ",\"status\":null");
		buf_addf(&b, ",\"duration_ms\":%.3f,\"ip\":", a->duration_ms);
		log_add_str_or_null(&b, a->ip);
		buf_adds(&b, ",\"user_id\":");
		log_add_str_or_null(&b, a->user_id);
		buf_addc(&b, '}');
	} else {
		buf_addf(&b, "%s %-5s [%s] %s %s %d %.3fms ip=%s user=%s", t,
		         log_level_name(lv), a->request_id ? a->request_id : "-",
		         a->method ? a->method : "-", a->route ? a->route : "-",
		         a->status, a->duration_ms, a->ip ? a->ip : "-",
		         a->user_id ? a->user_id : "-");
	}
	log_write(&b);
	buf_free(&b);
}
