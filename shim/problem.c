/*
 * problem.c — problem+json bodies and the SQLSTATE map (see problem.h).
 */
#include "problem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "jsonv.h"

const char *
problem_title(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 412: return "Precondition Failed";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 417: return "Expectation Failed";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	}
	return status >= 500 ? "Internal Server Error" : "Bad Request";
}

const char *
problem_code(int status)
{
	switch (status) {
	case 400: return "bad_request";
	case 401: return "unauthorized";
	case 403: return "forbidden";
	case 404: return "not_found";
	case 405: return "method_not_allowed";
	case 409: return "conflict";
	case 412: return "precondition_failed";
	case 413: return "payload_too_large";
	case 415: return "unsupported_media_type";
	case 417: return "expectation_failed";
	case 422: return "validation_failed";
	case 429: return "rate_limited";
	case 503: return "unavailable";
	}
	return status >= 500 ? "internal" : "bad_request";
}

struct problem_map
problem_from_sqlstate(const char *s)
{
	struct problem_map m = {500, "internal", false, false};

	if (!s || strlen(s) != 5)
		return m;
	m.detail_from_db = true;
	if (!strcmp(s, "22P02")) { m.status = 400; m.code = "bad_request"; }
	else if (!strcmp(s, "28000")) { m.status = 401; m.code = "unauthorized"; }
	else if (!strcmp(s, "28P01")) { m.status = 401; m.code = "invalid_credentials"; }
	else if (!strcmp(s, "42501")) { m.status = 403; m.code = "forbidden"; }
	else if (!strcmp(s, "P0002")) { m.status = 404; m.code = "not_found"; }
	else if (!strcmp(s, "23505") || !strcmp(s, "55000")) { m.status = 409; m.code = "conflict"; }
	else if (!strcmp(s, "JB412")) { m.status = 412; m.code = "precondition_failed"; }
	else if (!strcmp(s, "JB415")) { m.status = 415; m.code = "unsupported_media_type"; }
	else if (!strcmp(s, "22023")) { m.status = 422; m.code = "validation_failed"; }
	else if (!strcmp(s, "JB429")) { m.status = 429; m.code = "rate_limited"; }
	else if (!strcmp(s, "53000") || !strcmp(s, "53300") || !strcmp(s, "57P01") ||
	         !strcmp(s, "57P02") || !strcmp(s, "57P03") || !strncmp(s, "08", 2)) {
		m.status = 503;
		m.code = "unavailable";
		m.unavailable = true;
		m.detail_from_db = false;
	} else
		m.detail_from_db = false;
	return m;
}

char *
problem_body(int status, const char *code, const char *detail,
             const char *errors_json, const char *request_id, size_t *len)
{
	struct buf b;
	const char *title = problem_title(status);

	if (!code)
		code = problem_code(status);
	if (!detail || !*detail)
		detail = title;
	buf_init(&b, 1024 * 1024);
	buf_adds(&b, "{\"type\":\"about:blank\",\"title\":");
	buf_add_json_str(&b, title, strlen(title));
	buf_addf(&b, ",\"status\":%d,\"code\":", status);
	buf_add_json_str(&b, code, strlen(code));
	buf_adds(&b, ",\"detail\":");
	if (jsonv_utf8_check(detail, strlen(detail), true) == 0)
		buf_add_json_str(&b, detail, strlen(detail));
	else
		buf_add_json_str(&b, title, strlen(title));
	if (status == 422) {
		buf_adds(&b, ",\"errors\":");
		if (errors_json && jsonv_validate(errors_json, strlen(errors_json), NULL, 0) == 0 &&
		    errors_json[strspn(errors_json, " \t\r\n")] == '[')
			buf_adds(&b, errors_json);
		else
			buf_adds(&b, "[]");
	}
	if (request_id) {
		buf_adds(&b, ",\"request_id\":");
		buf_add_json_str(&b, request_id, strlen(request_id));
	}
	buf_addc(&b, '}');
	if (b.err) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b, len);
}

char *
problem_fields(const char (*fields)[64], const char *const *messages, size_t n)
{
	struct buf b;

	buf_init(&b, 64 * 1024);
	buf_addc(&b, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_addc(&b, ',');
		buf_adds(&b, "{\"field\":");
		buf_add_json_str(&b, fields[i], strlen(fields[i]));
		buf_adds(&b, ",\"message\":");
		buf_add_json_str(&b, messages[i], strlen(messages[i]));
		buf_addc(&b, '}');
	}
	buf_addc(&b, ']');
	return buf_steal(&b, NULL);
}

char *
problem_unknown_fields(const char (*fields)[64], size_t n)
{
	const char *msgs[64];
	size_t k = n < 64 ? n : 64;

	for (size_t i = 0; i < k; i++)
		msgs[i] = "unknown field";
	return problem_fields(fields, msgs, k);
}
