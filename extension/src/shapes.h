/*
 * shapes.h — the SQL expressions that build the resources' JSON (API.md §3)
 * in the entry points' statements.
 *
 * Each calls a helper of extension/sql (jobboard.job_json, user_json,
 * note_json, company_json) that the planner inlines: one expression, no
 * FROM, no SET clause. What a shape needs from other rows is looked up here
 * by a scalar subquery and handed in as an argument. PostgreSQL 15 plans the
 * body of an SQL function it cannot inline anew on every execution of the
 * calling plan, which cost more than the rest of a GET of one resource.
 *
 * The row aliases are fixed: j a job, c a company, u a user, n a note.
 */
#ifndef JOBBOARD_SHAPES_H
#define JOBBOARD_SHAPES_H

#define JOB_JSON \
	"jobboard.job_json(j, (SELECT c.name FROM jobboard.companies c WHERE c.id = j.company_id))"

/* The open (and not expired) jobs of company c. */
#define COMPANY_JSON \
	"jobboard.company_json(c, (SELECT count(*) FROM jobboard.jobs j " \
	"   WHERE j.company_id = c.id AND j.status = 'open' " \
	"     AND (j.expires_at IS NULL OR j.expires_at > now())))"

/* The roles of user u, sorted, as a jsonb array (session.c selects it once,
 * LATERAL, for both the user's JSON and the token's claims). */
#define USER_ROLES \
	"(SELECT coalesce(jsonb_agg(ur.role ORDER BY ur.role), '[]') " \
	"   FROM jobboard.user_roles ur WHERE ur.user_id = u.id)"

#define USER_JSON "jobboard.user_json(u, " USER_ROLES ")"

#define NOTE_JSON \
	"jobboard.note_json(n, (SELECT u.name FROM jobboard.users u WHERE u.id = n.owner_id))"

#endif							/* JOBBOARD_SHAPES_H */
