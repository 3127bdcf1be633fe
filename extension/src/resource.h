/*
 * resource.h — rules shared by the portal's resources (API.md §1.3, §3.3-§3.6):
 * ETags and If-Match, Idempotency-Key replay, company membership, and tag
 * lists. The ETag of a resource is that of its JSON exactly as GET answers
 * it, so the shim and the database compute the same tag (docs/INTERFACE.md).
 */
#ifndef JOBBOARD_RESOURCE_H
#define JOBBOARD_RESOURCE_H

#include "args.h"
#include "session.h"

/* The strong ETag of a body: "\"" + 32 hex digits of SHA-256 + "\"". */
extern char *ResourceEtag(Jsonb *body);

/*
 * Read `_if_match` from args; when given and it does not match the current
 * representation, raise 412 (nothing is changed). "*" matches anything.
 */
extern void ResourceCheckIfMatch(JbArgs *args, Jsonb *current);
/* The same against a known ETag (files: that of their bytes). */
extern void ResourceCheckIfMatchTag(JbArgs *args, const char *etag);

typedef struct Idempotency
{
	bool		active;
	const char *route;
	int64		caller_id;
	char	   *key;
} Idempotency;

/*
 * Start an idempotent create. Returns the stored first response when this
 * request repeats an earlier one (the caller answers it as is), NULL when the
 * request is new. Raises 409 when the key was used for a different request.
 * The request is identified by `args` without its header members, plus
 * `content` (e.g. the digest of an upload's bytes) when not NULL.
 */
extern Jsonb *IdempotencyBegin(Idempotency *idem, JbArgs *args, const char *route,
							   const JbCaller *caller, const char *content);
/* Record the response of a new request (no-op without a key). */
extern void IdempotencyFinish(Idempotency *idem, Jsonb *response);

typedef enum MemberRole
{
	MEMBER_NONE = 0,
	MEMBER_RECRUITER,
	MEMBER_OWNER
} MemberRole;

/* The caller's role in a company (MEMBER_NONE for none or no caller). */
extern MemberRole CompanyMemberRole(int64 company_id, const JbCaller *caller);

#define TAGS_MAX_ITEMS 10

/*
 * Read a tag list: lower-cased, each ^[a-z0-9][a-z0-9+#.-]{0,29}$, at most
 * 10, sorted, without duplicates; *out is a text[] Datum. With ARG_QUERY a
 * single string is one tag and a bad tag is a 400.
 */
extern ArgState ResourceReadTags(JbArgs *args, const char *key, int flags, Datum *out);

#endif							/* JOBBOARD_RESOURCE_H */
