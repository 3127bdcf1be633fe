-- Shared by the pg_regress files (\i sql/include/scrub.sql, run from the
-- repository's root as scripts/regress.sh does): pg_temp.scrub(jsonb).
-- Replace ids, times and cursors, which vary from run to run.
CREATE FUNCTION pg_temp.scrub(j jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
	k text;
	v jsonb;
	r jsonb := '{}';
BEGIN
	IF j IS NULL THEN
		RETURN NULL;
	ELSIF jsonb_typeof(j) = 'array' THEN
		RETURN (SELECT coalesce(jsonb_agg(pg_temp.scrub(e) ORDER BY n), '[]')
		          FROM jsonb_array_elements(j) WITH ORDINALITY AS x(e, n));
	ELSIF jsonb_typeof(j) <> 'object' THEN
		RETURN j;
	END IF;
	FOR k, v IN SELECT * FROM jsonb_each(j) LOOP
		IF v <> 'null' AND (k = 'id' OR k LIKE '%\_id') THEN
			v := '"<id>"';
		ELSIF v <> 'null' AND k IN ('created_at', 'updated_at', 'at') THEN
			v := '"<time>"';
		ELSIF v <> 'null' AND k = 'next_cursor' THEN
			v := '"<cursor>"';
		ELSE
			v := pg_temp.scrub(v);
		END IF;
		r := r || jsonb_build_object(k, v);
	END LOOP;
	RETURN r;
END
$$;
