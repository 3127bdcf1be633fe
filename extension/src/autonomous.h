/*
 * autonomous.h — writes that must outlive the caller's transaction.
 *
 * A failed login must count toward the lockout, and a reused refresh token
 * must revoke its session, although the call then fails with an error that
 * rolls back everything it did. Such a write runs in a short-lived dynamic
 * background worker with its own transaction; the caller waits for it to
 * finish before raising its error. Should the caller's own transaction hold
 * the row (a psql session that changed it earlier in the same transaction),
 * the caller stops waiting after a second and the write completes when that
 * transaction ends.
 */
#ifndef JOBBOARD_AUTONOMOUS_H
#define JOBBOARD_AUTONOMOUS_H

#include "jobboard.h"

/* Count a failed login; lock the account when it reaches the threshold. */
extern void AutonomousLoginFailed(int64 user_id);

/* Revoke a session for good. */
extern void AutonomousRevokeSession(int64 session_id);

PGDLLEXPORT void jobboard_autonomous_main(Datum arg);

#endif							/* JOBBOARD_AUTONOMOUS_H */
