-- The privilege model (API.md §4, docs/INTERFACE.md): no table of schema
-- jobboard is granted to anyone; PUBLIC has nothing in the schema; the
-- NOLOGIN role jobboard_api may use the schema and execute the entry points
-- listed in jobboard.routes (plus the discovery and documentation functions
-- the shim serves), and nothing else: no table, no sequence, no internal
-- function (grant_role, rotate_secret, user_json, emit, ...). The entry points
-- are SECURITY DEFINER with a pinned search_path.
--
-- Statements run as jobboard_api through pg_temp.as_api(), which switches
-- role only for the statement it runs. One transaction, rolled back. The
-- number of tests follows the number of tables and routes.
\set ON_ERROR_STOP 1
\set QUIET 1
SET client_min_messages = warning;
BEGIN;

SELECT * FROM no_plan();

-- Helpers --------------------------------------------------------------------

-- Run sql as jobboard_api (or another role); errors propagate, and the role
-- switch is undone with them.
CREATE FUNCTION pg_temp.as_role(role text, sql text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format('SET LOCAL ROLE %I', role);
	EXECUTE sql;
	RESET ROLE;
END
$$;

CREATE FUNCTION pg_temp.as_api(sql text) RETURNS void LANGUAGE sql AS $$
	SELECT pg_temp.as_role('jobboard_api', sql)
$$;

-- The SQLSTATE and message a statement run as jobboard_api fails with, or 'ok'.
CREATE FUNCTION pg_temp.api_outcome(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	st text;
	msg text;
BEGIN
	PERFORM pg_temp.as_api(sql);
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
	RETURN st || ' ' || msg;
END
$$;

CREATE TEMP VIEW relations AS
SELECT c.oid, c.relname, c.relkind,
       format('jobboard.%I', c.relname) AS qname,
       (SELECT format('%I', a.attname) FROM pg_attribute a
         WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum LIMIT 1) AS col
  FROM pg_class c
 WHERE c.relnamespace = 'jobboard'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S');

CREATE TEMP VIEW functions AS
SELECT p.oid, p.proname, p.oid::regprocedure::text AS signature, p.prosecdef, p.pronargs,
       (SELECT replace(substr(c, 13), ' ', '') FROM unnest(p.proconfig) c
         WHERE c LIKE 'search\_path=%') AS search_path
  FROM pg_proc p
 WHERE p.pronamespace = 'jobboard'::regnamespace;

-- The role -------------------------------------------------------------------

SELECT ok((SELECT NOT rolcanlogin AND NOT rolsuper AND NOT rolcreatedb AND NOT rolcreaterole
                  AND NOT rolreplication AND NOT rolbypassrls
             FROM pg_roles WHERE rolname = 'jobboard_api'),
          'jobboard_api exists: NOLOGIN, no superuser, createdb, createrole, replication or bypassrls');
SELECT ok(NOT EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid
                       WHERE m.member = 'jobboard_api'::regrole),
          'jobboard_api is a member of no other role');

-- The schema -----------------------------------------------------------------

SELECT ok(has_schema_privilege('jobboard_api', 'jobboard', 'USAGE'), 'jobboard_api may use schema jobboard');
SELECT ok(NOT has_schema_privilege('jobboard_api', 'jobboard', 'CREATE'), 'but not create in it');
SELECT ok(NOT has_schema_privilege('public', 'jobboard', 'USAGE') AND NOT has_schema_privilege('public', 'jobboard', 'CREATE'),
          'PUBLIC may neither use nor create in schema jobboard');
SELECT throws_ok($$SELECT pg_temp.as_api('CREATE TABLE jobboard.tap_mine (x int)')$$, '42501', NULL,
                 'jobboard_api cannot create a table in the schema');
SELECT throws_ok($$SELECT pg_temp.as_api('CREATE FUNCTION jobboard.tap_mine() RETURNS int LANGUAGE sql AS ''SELECT 1''')$$,
                 '42501', NULL, 'nor a function');

-- Tables and sequences -------------------------------------------------------

SELECT cmp_ok((SELECT count(*) FROM relations WHERE relkind IN ('r', 'p')), '>=', 9::bigint,
              'the schema has its tables (at least the nine of identity, RBAC, sessions and routes)');

SELECT ok(NOT has_table_privilege('public', oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER'),
          format('PUBLIC has no privilege on %s', qname))
  FROM relations WHERE relkind <> 'S' ORDER BY relname;
SELECT ok(NOT has_table_privilege('jobboard_api', oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER'),
          format('jobboard_api has no privilege on %s', qname))
  FROM relations WHERE relkind <> 'S' ORDER BY relname;
SELECT ok(NOT has_sequence_privilege('public', oid, 'USAGE, SELECT, UPDATE')
          AND NOT has_sequence_privilege('jobboard_api', oid, 'USAGE, SELECT, UPDATE'),
          format('neither PUBLIC nor jobboard_api may use sequence %s', qname))
  FROM relations WHERE relkind = 'S' ORDER BY relname;

-- And trying is refused: every statement on every table.
SELECT throws_ok(format('SELECT pg_temp.as_api(%L)', s.sql), '42501', NULL, format('jobboard_api: %s', s.sql))
  FROM relations r
 CROSS JOIN LATERAL (VALUES
	(1, format('SELECT * FROM %s', r.qname)),
	(2, format('INSERT INTO %s DEFAULT VALUES', r.qname)),
	(3, format('UPDATE %s SET %s = DEFAULT', r.qname, r.col)),
	(4, format('DELETE FROM %s', r.qname)),
	(5, format('TRUNCATE %s', r.qname))) AS s(n, sql)
 WHERE r.relkind IN ('r', 'p')
 ORDER BY r.relname, s.n;
SELECT throws_ok(format('SELECT pg_temp.as_api(%L)', format('SELECT nextval(%L)', qname)), '42501', NULL,
                 format('jobboard_api: nextval of %s', qname))
  FROM relations WHERE relkind = 'S' ORDER BY relname;
SELECT throws_ok($$SELECT pg_temp.as_api('SELECT key FROM jobboard.secret')$$, '42501', 'permission denied for table secret',
                 'in particular, jobboard_api cannot read the signing secret');
SELECT throws_ok($$SELECT pg_temp.as_api('SELECT password_hash FROM jobboard.users')$$, '42501', 'permission denied for table users',
                 'nor the password hashes');

-- Functions ------------------------------------------------------------------

SELECT is(ARRAY(SELECT signature FROM functions WHERE has_function_privilege('public', oid, 'EXECUTE') ORDER BY 1),
          '{}'::text[], 'PUBLIC may execute no function of schema jobboard');

SELECT ok(EXISTS (SELECT 1 FROM functions f WHERE f.proname = r.function)
          AND NOT EXISTS (SELECT 1 FROM functions f
                           WHERE f.proname = r.function AND NOT has_function_privilege('jobboard_api', f.oid, 'EXECUTE')),
          format('jobboard_api may execute %s (%s %s)', r.function, r.method, r.path))
  FROM jobboard.routes r ORDER BY r.function;

-- Executing them for real: with no token and no arguments each answers or
-- fails with its own error, never "permission denied for function".
SELECT unalike(pg_temp.api_outcome(format('SELECT * FROM jobboard.%I(%s)', f.proname,
                                          array_to_string(array_fill('NULL'::text, ARRAY[f.pronargs::int]), ', '))),
               '%permission denied for%', format('jobboard_api calls %s', f.signature))
  FROM functions f JOIN jobboard.routes r ON r.function = f.proname
 ORDER BY f.proname;
SELECT is(pg_temp.api_outcome('SELECT jobboard.api_routes()'), 'ok', 'jobboard_api calls api_routes()');

-- Nothing else: the route entry points, plus what docs/INTERFACE.md has the
-- shim call besides them: the route table, the documentation it serves
-- (/openapi.json, /docs) and the event feed of GET /events.
SELECT set_eq($$SELECT proname::text FROM functions WHERE has_function_privilege('jobboard_api', oid, 'EXECUTE')$$,
              $$SELECT function FROM jobboard.routes
                UNION SELECT unnest(ARRAY['api_routes', 'openapi', 'docs_html', 'events_after'])$$,
              'jobboard_api may execute the entry points and the shim''s helpers, nothing else');

SELECT throws_ok(format('SELECT pg_temp.as_api(%L)', sql), '42501', NULL, format('jobboard_api cannot run %s', sql))
  FROM unnest(ARRAY[
	$$SELECT jobboard.grant_role('someone@tap-privileges.test', 'admin')$$,
	$$SELECT jobboard.rotate_secret()$$,
	$$SELECT jobboard.user_json(u, '[]') FROM (SELECT NULL::jobboard.users AS u) x$$,
	$$SELECT jobboard.emit('tap.event', '{}'::bigint[], '{}')$$,
	$$SELECT jobboard.etag('{}')$$]) AS sql;

-- The entry points run as the extension's owner, with a search_path that
-- cannot be redirected.
SELECT is(ARRAY(SELECT f.signature FROM functions f JOIN jobboard.routes r ON r.function = f.proname
                 WHERE NOT f.prosecdef ORDER BY 1),
          '{}'::text[], 'every entry point is SECURITY DEFINER');
SELECT is(ARRAY(SELECT signature FROM functions
                 WHERE prosecdef AND (search_path IS NULL OR search_path ~ '(^|,)("?\$user"?|public)(,|$)')
                 ORDER BY 1),
          '{}'::text[], 'every SECURITY DEFINER function pins its search_path, without public or $user');
SELECT is(ARRAY(SELECT signature FROM functions
                 WHERE prosecdef AND (search_path IS NULL OR search_path !~ ',pg_temp$')
                 ORDER BY 1),
          '{}'::text[],
          'every SECURITY DEFINER function puts pg_temp last in its search_path (else the caller''s temp tables come first)');
-- What pg_temp-first allows: a temporary table that shadows a catalog.
SELECT is(pg_temp.api_outcome($$
	CREATE TEMP TABLE pg_extension (extname name, extversion text);
	INSERT INTO pg_temp.pg_extension VALUES ('jobboard', '0.0-forged');
	DO $do$ BEGIN
		IF jobboard.openapi() #>> '{info,version}' = '0.0-forged' THEN
			RAISE EXCEPTION 'openapi() read the caller''s temporary table';
		END IF;
	END $do$;
	DROP TABLE pg_temp.pg_extension$$), 'ok',
          'a temporary table of jobboard_api does not shadow what openapi() reads');

-- Roles outside jobboard_api -------------------------------------------------

CREATE ROLE tap_outsider NOLOGIN;
SELECT throws_ok($$SELECT pg_temp.as_role('tap_outsider', 'SELECT jobboard.me(NULL)')$$, '42501',
                 'permission denied for schema jobboard', 'a role outside jobboard_api cannot reach the entry points');
SELECT throws_ok($$SELECT pg_temp.as_role('tap_outsider', 'SELECT jobboard.api_routes()')$$, '42501',
                 'permission denied for schema jobboard', 'nor the route table');
CREATE ROLE tap_member NOLOGIN IN ROLE jobboard_api;
SELECT throws_ok($$SELECT pg_temp.as_role('tap_member', 'SELECT jobboard.me(NULL)')$$, '28000', NULL,
                 'a member of jobboard_api (as the shim''s login role is) reaches them: me answers 401');
SELECT throws_ok($$SELECT pg_temp.as_role('tap_member', 'SELECT count(*) FROM jobboard.users')$$, '42501', NULL,
                 'and still reads no table');

SELECT * FROM finish();
ROLLBACK;
