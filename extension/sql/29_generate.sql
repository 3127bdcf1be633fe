-- Bulk data for demos and benchmarks: realistic random companies and jobs,
-- made set-based (INSERT ... SELECT FROM generate_series) so a million jobs
-- take seconds, not hours. Not an entry point: a database superuser calls it
-- from psql; it is granted to no one.

CREATE FUNCTION jobboard.generate_jobs(n_companies int, n_jobs int, owner_id bigint DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SET search_path = jobboard, pg_catalog, pg_temp
AS $$
DECLARE
	first_company bigint;
	last_company bigint;
	made_jobs bigint;
	words1 text[] := '{Blue,Bright,North,Quantum,Silver,Green,Rapid,Open,Clear,Iron,Red,Cloud,Deep,Swift,Prime}';
	words2 text[] := '{Labs,Systems,Works,Data,Health,Logistics,Robotics,Media,Finance,Energy,Games,Security,Analytics,Software,Bio}';
	places text[] := '{Berlin,London,Paris,Amsterdam,Lisbon,Madrid,Warsaw,Stockholm,"New York","San Francisco",Toronto,Austin,Singapore,Sydney,Tokyo,Zurich,Dublin,Prague,Vienna,Remote}';
	levels text[] := '{Junior,"",Senior,Staff,Lead,Principal}';
	roles text[] := '{"Backend Engineer","Frontend Engineer","Full Stack Developer","Data Engineer","Data Scientist","DevOps Engineer","Site Reliability Engineer","Product Manager","Product Designer","QA Engineer","Mobile Developer","Security Engineer","Machine Learning Engineer","Database Administrator","Technical Writer","Engineering Manager","Support Engineer","Solutions Architect"}';
	vocab text[] := '{rust,go,python,java,kotlin,swift,typescript,javascript,react,vue,postgres,mysql,redis,kafka,kubernetes,docker,aws,gcp,azure,terraform,linux,c++,c#,ruby,rails,django,node.js,graphql,ml,pytorch,spark,security,remote,startup,fintech,healthtech,saas,embedded,ios,android}';
	types text[] := '{full_time,full_time,full_time,full_time,part_time,contract,contract,internship}';
	currencies text[] := '{USD,USD,USD,EUR,EUR,GBP,CHF,CAD}';
BEGIN
	IF n_companies < 1 OR n_jobs < 0 THEN
		RAISE EXCEPTION 'n_companies must be positive and n_jobs not negative'
			USING ERRCODE = '22023';
	END IF;

	WITH c AS (
		INSERT INTO jobboard.companies (name, website, description, location, created_at, updated_at)
		SELECT name, 'https://' || lower(replace(name, ' ', '-')) || '.example',
		       name || ' builds ' || lower(words2[1 + (i % 15)]) || ' products for teams everywhere.',
		       places[1 + (hashint4(i) & 1023) % 20], at, at
		  FROM (SELECT i, words1[1 + (i % 15)] || ' ' || words2[1 + ((i / 15) % 15)] || ' '
		                  || substr(md5(random()::text), 1, 6) || ' ' || i AS name,
		               now() - random() * interval '2 years' AS at
		          FROM generate_series(1, n_companies) AS i) s
		ON CONFLICT DO NOTHING
		RETURNING id)
	SELECT min(id), max(id) INTO first_company, last_company FROM c;

	IF owner_id IS NOT NULL THEN
		INSERT INTO jobboard.company_members (company_id, user_id, role)
		SELECT id, owner_id, 'owner' FROM jobboard.companies
		 WHERE id BETWEEN first_company AND last_company
		ON CONFLICT DO NOTHING;
	END IF;

	INSERT INTO jobboard.jobs (company_id, title, description, location, remote, employment_type,
	                           salary_min, salary_max, currency, tags, status, posted_at, expires_at,
	                           created_at, updated_at)
	SELECT company_id, title,
	       'We are looking for a ' || lower(title) || ' to join our team. You will work with '
	         || array_to_string(tags, ', ') || ' on products used by millions. '
	         || repeat('We value ownership, clear writing and kind reviews. ', 1 + (r3 * 5)::int),
	       CASE WHEN remote AND r3 < 0.5 THEN NULL ELSE places[1 + (r2 * 19)::int] END,
	       remote, types[1 + (r1 * 7)::int],
	       CASE WHEN r4 < 0.8 THEN base END,
	       CASE WHEN r4 < 0.9 THEN base + (base * r2 / 2)::bigint END,
	       currencies[1 + (r3 * 7)::int], tags, status,
	       CASE WHEN status <> 'draft' THEN created + interval '1 hour' END,
	       CASE WHEN r5 < 0.3 THEN now() + random() * interval '90 days' END,
	       created, created + interval '1 hour'
	  FROM (SELECT j,
	               first_company + (hashint4(j) & 2147483647) % (last_company - first_company + 1) AS company_id,
	               ltrim(levels[1 + (r1 * 5)::int] || ' ' || roles[1 + (r2 * 17)::int]) AS title,
	               r1 < 0.35 AS remote, r1, r2, r3, r4, r5,
	               (20 + (r4 * 180)::int) * 1000::bigint AS base,
	               CASE WHEN r5 < 0.85 THEN 'open' WHEN r5 < 0.95 THEN 'closed' ELSE 'draft' END AS status,
	               now() - r3 * interval '120 days' AS created,
	               ARRAY(SELECT DISTINCT vocab[1 + (hashint8((j * 16 + k)::bigint) & 1023) % 40]
	                       FROM generate_series(1, 1 + (r2 * 4)::int) AS k ORDER BY 1) AS tags
	          FROM (SELECT j, random() AS r1, random() AS r2, random() AS r3, random() AS r4,
	                       random() AS r5
	                  FROM generate_series(1, n_jobs) AS j) g) s;
	GET DIAGNOSTICS made_jobs = ROW_COUNT;

	RETURN jsonb_build_object('companies', last_company - first_company + 1, 'jobs', made_jobs);
END
$$;
COMMENT ON FUNCTION jobboard.generate_jobs(int, int, bigint) IS 'Bulk-insert random companies and jobs (with tags) for demos and benchmarks; superuser only.';
