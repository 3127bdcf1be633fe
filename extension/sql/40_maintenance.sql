-- Maintenance that the background worker (src/worker.c) runs every
-- jobboard.worker_interval seconds in each database with the extension; a
-- superuser may also call it from psql. Nothing here is needed for
-- correctness: queries already treat an expired job as closed.

CREATE FUNCTION jobboard.run_maintenance() RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = jobboard, pg_catalog, pg_temp
AS $$
DECLARE
	closed_jobs bigint;
	notified_jobs bigint;
	purged_events bigint;
	purged_sessions bigint;
	purged_keys bigint;
	retention int := coalesce((SELECT setting::int FROM pg_catalog.pg_settings
	                            WHERE name = 'jobboard.event_retention'), 604800);
BEGIN
	-- Only when there is a job to close: an UPDATE fires the statement
	-- trigger that empties the HTTP shims' response caches even when it
	-- changes no row (45_cache_notify.sql).
	closed_jobs := 0;
	IF EXISTS (SELECT 1 FROM jobboard.jobs WHERE status = 'open' AND expires_at <= now()) THEN
		WITH closed AS (
			UPDATE jobboard.jobs SET status = 'closed', updated_at = now()
			 WHERE status = 'open' AND expires_at <= now()
			RETURNING id, title),
		notified AS (
			SELECT jobboard.emit('job.closed', array_agg(a.candidate_id),
			                     jsonb_build_object('id', c.id, 'title', c.title))
			  FROM closed c JOIN jobboard.applications a ON a.job_id = c.id
			 GROUP BY c.id, c.title)
		SELECT (SELECT count(*) FROM closed), (SELECT count(*) FROM notified)
		  INTO closed_jobs, notified_jobs;
	END IF;

	DELETE FROM jobboard.events WHERE created_at < now() - make_interval(secs => retention);
	GET DIAGNOSTICS purged_events = ROW_COUNT;

	DELETE FROM jobboard.sessions
	 WHERE expires_at < now() OR revoked_at < now() - interval '1 day';
	GET DIAGNOSTICS purged_sessions = ROW_COUNT;

	DELETE FROM jobboard.idempotency_keys WHERE created_at < now() - interval '24 hours';
	GET DIAGNOSTICS purged_keys = ROW_COUNT;

	RETURN jsonb_build_object('closed_jobs', closed_jobs, 'purged_events', purged_events,
		'purged_sessions', purged_sessions, 'purged_idempotency_keys', purged_keys);
END
$$;
COMMENT ON FUNCTION jobboard.run_maintenance() IS 'Close expired jobs (with job.closed events), purge old events, ended sessions and old idempotency keys.';
