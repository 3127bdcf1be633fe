-- The privilege model (API.md §4): no table is granted to anyone; the
-- NOLOGIN role jobboard_api may only execute the entry points. The shim logs
-- in as a member of it. Runs last, after every object exists.

DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'jobboard_api') THEN
		CREATE ROLE jobboard_api NOLOGIN;
	END IF;
END
$$;

REVOKE ALL ON SCHEMA jobboard FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA jobboard FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA jobboard FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA jobboard FROM PUBLIC;
GRANT USAGE ON SCHEMA jobboard TO jobboard_api;

DO $$
DECLARE
	fn text;
BEGIN
	FOR fn IN SELECT function FROM jobboard.routes LOOP
		EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION jobboard.%I TO jobboard_api', fn);
	END LOOP;
END
$$;
GRANT EXECUTE ON FUNCTION jobboard.api_routes() TO jobboard_api;
GRANT EXECUTE ON FUNCTION jobboard.openapi() TO jobboard_api;
GRANT EXECUTE ON FUNCTION jobboard.docs_html() TO jobboard_api;
GRANT EXECUTE ON FUNCTION jobboard.events_after(bigint, int) TO jobboard_api;

-- The first signing secret.
SELECT jobboard.rotate_secret();
