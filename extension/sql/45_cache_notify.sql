-- The HTTP shim caches public reads (companies, jobs, tags) and must forget
-- them when the data changes, whoever changes it (another shim, psql, the
-- worker): a statement-level trigger notifies channel jobboard_cache at
-- commit. Identical notifications of one transaction are sent once.
--
-- A statement trigger fires even when its statement changes no row, so a
-- periodic writer must skip statements that would change nothing (as
-- run_maintenance() does), or it empties every shim's cache each time.
-- Transition tables could tell, but they keep every changed row of a
-- statement, which bulk loads (generate_jobs) cannot afford.

CREATE FUNCTION jobboard.notify_cache() RETURNS trigger
LANGUAGE plpgsql
SET search_path = jobboard, pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM pg_notify('jobboard_cache', TG_TABLE_NAME);
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION jobboard.notify_cache() IS 'Tell the HTTP shims that cached public reads of this table are stale.';

CREATE TRIGGER jobs_notify_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON jobboard.jobs
	FOR EACH STATEMENT EXECUTE FUNCTION jobboard.notify_cache();
CREATE TRIGGER companies_notify_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON jobboard.companies
	FOR EACH STATEMENT EXECUTE FUNCTION jobboard.notify_cache();
CREATE TRIGGER job_tags_notify_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON jobboard.job_tags
	FOR EACH STATEMENT EXECUTE FUNCTION jobboard.notify_cache();
