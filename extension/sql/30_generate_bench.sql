-- Bulk users and applications for the benchmark (bench/), made set-based like
-- generate_jobs (29_generate.sql): 100,000 users and 5,000,000 applications
-- take minutes, not hours. Not entry points: a database superuser calls them
-- from psql; they are granted to no one.

-- n candidates with emails <prefix><i>@bench.example (i = 1..n) and one
-- common password. The first is registered through jobboard.register, so its
-- password hash is made by the extension itself (argon2id, salted); the
-- others get a copy of that hash, so every generated user can log in with
-- the same password while only one slow hash is computed.
CREATE FUNCTION jobboard.generate_users(n int, password text DEFAULT 'bench-password-1',
                                        prefix text DEFAULT 'user')
RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SET search_path = jobboard, pg_catalog, pg_temp
AS $$
DECLARE
	first_email text := prefix || '1@bench.example';
	first_id bigint;
	hash text;
	made bigint;
	given text[] := '{Ada,Alan,Grace,Linus,Ken,Barbara,Edsger,Margaret,Donald,Frances,Dennis,Radia,John,Katherine,Tim,Sophie,Leslie,Shafi,Niklaus,Hedy}';
	family text[] := '{Lovelace,Turing,Hopper,Torvalds,Thompson,Liskov,Dijkstra,Hamilton,Knuth,Allen,Ritchie,Perlman,Backus,Johnson,Berners-Lee,Wilson,Lamport,Goldwasser,Wirth,Lamarr}';
BEGIN
	IF n < 1 OR prefix !~ '^[a-z][a-z0-9.-]{0,40}$' THEN
		RAISE EXCEPTION 'n must be positive and prefix a short lower-case word'
			USING ERRCODE = '22023';
	END IF;

	PERFORM jobboard.register(NULL, jsonb_build_object('email', first_email,
		'password', password, 'name', given[1] || ' ' || family[1]));
	SELECT id, password_hash INTO STRICT first_id, hash
	  FROM jobboard.users WHERE lower(email) = first_email;

	WITH u AS (
		INSERT INTO jobboard.users (email, name, password_hash, created_at, updated_at)
		SELECT prefix || i || '@bench.example',
		       given[1 + (hashint4(i) & 1023) % 20] || ' ' || family[1 + (hashint4(-i) & 1023) % 20],
		       hash, at, at
		  FROM (SELECT i, now() - random() * interval '3 years' AS at
		          FROM generate_series(2, n) AS i) s
		RETURNING id)
	INSERT INTO jobboard.user_roles (user_id, role)
	SELECT id, 'candidate' FROM u;
	GET DIAGNOSTICS made = ROW_COUNT;

	RETURN jsonb_build_object('users', made + 1, 'first_id', first_id,
	                          'email', prefix || '<i>@bench.example', 'password', password);
END
$$;
COMMENT ON FUNCTION jobboard.generate_users(int, text, text) IS 'Bulk-insert candidates sharing one password (hashed once by register) for benchmarks; superuser only.';

-- n applications of candidates to jobs that are not drafts, each with the
-- status history that leads to its status. Candidates are taken in turn and
-- each gets jobs spread evenly over the job list (so no pair repeats),
-- applied to after the job was posted (generate_jobs may post up to an hour
-- ahead; such jobs count as posted now); the status steps follow at quarter
-- intervals of the time since, so nothing lies in the future.
--
-- slice/slices: make only that slice of the n; the slices of one n, started
-- at the same time in separate sessions, use more cores and make the same
-- set as one call.
--
-- Speed: every id written is read from jobs and users inside this
-- transaction, so the row-by-row foreign-key triggers are skipped
-- (session_replication_role = replica, for this function only, and only
-- while the two tables have no triggers but the internal ones); on an
-- empty table no pair can repeat, so the unique probe of ON CONFLICT is
-- only paid when applications already exist.
CREATE FUNCTION jobboard.generate_applications(n int, slice int DEFAULT 1, slices int DEFAULT 1)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SET search_path = jobboard, pg_catalog, pg_temp
AS $$
DECLARE
	n_jobs bigint;
	n_users bigint;
	per_user bigint;
	step bigint;
	made bigint;
	history bigint;
	existing bigint;
	slice_size bigint;
	k_first bigint;
	k_count bigint;
	role_before text := current_setting('session_replication_role');
BEGIN
	IF n < 0 OR slices < 1 OR slice NOT BETWEEN 1 AND slices THEN
		RAISE EXCEPTION 'n must not be negative and slice between 1 and slices'
			USING ERRCODE = '22023';
	END IF;

	CREATE TEMP TABLE generate_jobs_pick ON COMMIT DROP AS
	SELECT row_number() OVER (ORDER BY id) - 1 AS i, id, posted_at
	  FROM jobboard.jobs WHERE status <> 'draft';
	CREATE TEMP TABLE generate_users_pick ON COMMIT DROP AS
	SELECT row_number() OVER (ORDER BY u.id) - 1 AS i, u.id
	  FROM jobboard.users u
	 WHERE NOT u.disabled
	   AND EXISTS (SELECT FROM jobboard.user_roles r WHERE r.user_id = u.id AND r.role = 'candidate');
	SELECT count(*) INTO n_jobs FROM pg_temp.generate_jobs_pick;
	SELECT count(*) INTO n_users FROM pg_temp.generate_users_pick;
	IF n > 0 AND (n_jobs = 0 OR n_users = 0) THEN
		RAISE EXCEPTION 'no jobs or no candidates to make applications from'
			USING ERRCODE = '22023';
	END IF;
	-- Numbering goes on after the applications that exist, so a second call
	-- gives candidates further jobs (a rare repeated pair is skipped). Slices
	-- started together see the same count and number disjoint ranges.
	SELECT count(*) INTO existing FROM jobboard.applications;
	per_user := (greatest(existing + n, 1) + n_users - 1) / greatest(n_users, 1);
	slice_size := (n + slices - 1) / slices;
	k_first := existing + (slice - 1) * slice_size;
	k_count := greatest(least(slice_size, n - (slice - 1) * slice_size), 0);
	IF per_user > n_jobs THEN
		RAISE EXCEPTION 'not enough jobs for % applications per candidate', per_user
			USING ERRCODE = '22023';
	END IF;
	step := greatest(n_jobs / per_user, 1);
	CREATE UNIQUE INDEX ON pg_temp.generate_jobs_pick (i);
	CREATE UNIQUE INDEX ON pg_temp.generate_users_pick (i);
	ANALYZE pg_temp.generate_jobs_pick;
	ANALYZE pg_temp.generate_users_pick;

	IF NOT EXISTS (SELECT FROM pg_trigger
	                WHERE tgrelid IN ('jobboard.applications'::regclass,
	                                  'jobboard.application_history'::regclass)
	                  AND NOT tgisinternal) THEN
		PERFORM set_config('session_replication_role', 'replica', true);
	END IF;

	EXECUTE format($sql$
	WITH a AS (
		INSERT INTO jobboard.applications (job_id, candidate_id, status, cover_letter,
		                                   created_at, updated_at)
		SELECT j.id, u.id, path[array_length(path, 1)],
		       CASE WHEN r2 < 0.5 THEN 'Hello, I would like to apply: ' || repeat('I ship careful work. ', 1 + (r2 * 20)::int) END,
		       at, at + (array_length(path, 1) - 1) * (now() - at) / 4
		  FROM (SELECT k %% $1 AS ui, k / $1 AS slot, random() AS r2,
		               CASE WHEN r1 < 0.65 THEN '{submitted}'::text[]
		                    WHEN r1 < 0.77 THEN '{submitted,reviewing}'
		                    WHEN r1 < 0.82 THEN '{submitted,reviewing,interview}'
		                    WHEN r1 < 0.95 THEN '{submitted,rejected}'
		                    ELSE '{submitted,withdrawn}' END AS path
		          FROM (SELECT k, random() AS r1 FROM generate_series($5, $5 + $3 - 1) AS k) g0) g
		  JOIN pg_temp.generate_users_pick u ON u.i = g.ui
		  JOIN pg_temp.generate_jobs_pick j ON j.i = ((hashint8(g.ui) & 2147483647) + g.slot * $2) %% $4
		 CROSS JOIN LATERAL (SELECT least(j.posted_at, now()) AS posted) p0
		 CROSS JOIN LATERAL (SELECT p0.posted + random() * (now() - p0.posted) * 0.5 AS at) t
		 %s
		RETURNING id, candidate_id, status, created_at),
	h AS (
		INSERT INTO jobboard.application_history (application_id, status, at, by_user_id)
		SELECT a.id, p.status, a.created_at + (p.n - 1) * (now() - a.created_at) / 4,
		       CASE WHEN p.status IN ('submitted', 'withdrawn') THEN a.candidate_id END
		  FROM a CROSS JOIN LATERAL unnest(CASE a.status
		           WHEN 'submitted' THEN '{submitted}'::text[]
		           WHEN 'reviewing' THEN '{submitted,reviewing}'
		           WHEN 'interview' THEN '{submitted,reviewing,interview}'
		           WHEN 'rejected' THEN '{submitted,rejected}'
		           ELSE '{submitted,withdrawn}' END) WITH ORDINALITY AS p(status, n)
		 ORDER BY a.id, p.n
		RETURNING 1)
	SELECT (SELECT count(*) FROM a), (SELECT count(*) FROM h)
	$sql$, CASE WHEN existing > 0
	            THEN 'ON CONFLICT (job_id, candidate_id) DO NOTHING' ELSE '' END)
	INTO made, history
	USING n_users, step, k_count, n_jobs, k_first;

	PERFORM set_config('session_replication_role', role_before, true);
	DROP TABLE pg_temp.generate_jobs_pick;
	DROP TABLE pg_temp.generate_users_pick;
	RETURN jsonb_build_object('applications', made, 'history', history);
END
$$;
COMMENT ON FUNCTION jobboard.generate_applications(int, int, int) IS 'Bulk-insert applications (with status history) of generated candidates to non-draft jobs for benchmarks; superuser only.';
