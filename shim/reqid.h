/*
 * reqid.h — request ids (X-Request-Id).
 *
 * Owns the rule for a client's id (kept when 1..128 characters of
 * [A-Za-z0-9._:-]) and generating new ones (128 random bits as hex).
 */
#ifndef SHIM_REQID_H
#define SHIM_REQID_H

#include <stdbool.h>

#define REQID_MAX 128

bool reqid_valid(const char *s);
/* 32 lower-case hex characters + NUL */
void reqid_generate(char out[33]);

#endif
