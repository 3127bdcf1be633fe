-- pgTAP: files (API.md §3.7) and live events (§3.8, docs/INTERFACE.md) as
-- assertions on SQLSTATEs, bytes, rows and recipients. Runs in one
-- transaction that is rolled back. The NOTIFY half of emit() needs commits
-- and a listener: two dblink sessions do that, and clean up after themselves.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS jobboard;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS dblink;
SELECT plan(91);

-- The SQLSTATE, message and detail a statement fails with ({} when it does not).
CREATE FUNCTION pg_temp.failure(sql text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
	st text;
	msg text;
	det text;
BEGIN
	EXECUTE sql;
	RETURN '{}';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
	RETURN jsonb_build_object('sqlstate', st, 'message', msg, 'detail', nullif(det, '')::jsonb);
END
$$;

-- The same, with the statement run as another role (switched back after it).
CREATE FUNCTION pg_temp.failure_as(role text, sql text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
	st text;
	msg text;
BEGIN
	EXECUTE format('SET LOCAL ROLE %I', role);
	EXECUTE sql;
	RESET ROLE;
	RETURN '{}';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
	RETURN jsonb_build_object('sqlstate', st, 'message', msg);
END
$$;

-- Routes and privileges ------------------------------------------------------

SELECT results_eq(
	$$SELECT method || ' ' || path || ' ' || status || ' ' || kind FROM jobboard.routes
	   WHERE function IN ('file_create', 'file_get', 'file_delete', 'events') ORDER BY path, method$$,
	ARRAY['GET /events 200 stream', 'POST /files 201 upload', 'DELETE /files/{id} 204 json', 'GET /files/{id} 200 download'],
	'the routes of files and events, with their kinds');
SELECT ok(bool_and(has_function_privilege('jobboard_api', f, 'EXECUTE')), 'jobboard_api may execute ' || string_agg(f, ', '))
  FROM unnest(ARRAY['jobboard.file_create(text, jsonb, bytea)', 'jobboard.file_get(text, jsonb)',
                    'jobboard.file_delete(text, jsonb)', 'jobboard.events(text, jsonb)',
                    'jobboard.events_after(bigint, integer)']) AS f;
SELECT ok(NOT bool_or(has_function_privilege('public', f, 'EXECUTE')), 'PUBLIC may execute none of them, nor emit()')
  FROM unnest(ARRAY['jobboard.file_create(text, jsonb, bytea)', 'jobboard.file_get(text, jsonb)',
                    'jobboard.file_delete(text, jsonb)', 'jobboard.events(text, jsonb)',
                    'jobboard.events_after(bigint, integer)', 'jobboard.emit(text, bigint[], jsonb)']) AS f;
SELECT ok(NOT has_function_privilege('jobboard_api', 'jobboard.emit(text, bigint[], jsonb)', 'EXECUTE'),
          'jobboard_api may not emit events itself');
-- A plain login role, not in jobboard_api, may call neither events nor events_after.
CREATE ROLE tap_fe_plain LOGIN;
SELECT ok(NOT has_function_privilege('tap_fe_plain', 'jobboard.events(text, jsonb)', 'EXECUTE')
      AND NOT has_function_privilege('tap_fe_plain', 'jobboard.events_after(bigint, integer)', 'EXECUTE'),
          'a plain login role has no EXECUTE on events or events_after');
SELECT is(pg_temp.failure_as('tap_fe_plain', 'SELECT jobboard.events_after(0, 10)') ->> 'sqlstate', '42501',
          'a plain login role calling events_after: 42501');
SELECT is(pg_temp.failure_as('tap_fe_plain', 'SELECT jobboard.events(NULL, ''{}'')') ->> 'sqlstate', '42501',
          'a plain login role calling events: 42501');
CREATE ROLE tap_fe_api LOGIN IN ROLE jobboard_api;
SELECT is(pg_temp.failure_as('tap_fe_api', 'SELECT jobboard.events_after(0, 10)'), '{}',
          'a member of jobboard_api calls events_after');
SELECT is(pg_temp.failure_as('tap_fe_api', 'SELECT jobboard.events(NULL, ''{}'')') ->> 'sqlstate', '28000',
          'a member of jobboard_api reaches events (and needs a token there)');

-- People, companies, a job ---------------------------------------------------

SELECT jobboard.register(NULL, '{"email": "tap-fe-fay@example.com", "password": "correct horse battery", "name": "Fay"}') ->> 'access_token' AS fay \gset
SELECT jobboard.register(NULL, '{"email": "tap-fe-cal@example.com", "password": "correct horse battery", "name": "Cal"}') ->> 'access_token' AS cal \gset
SELECT jobboard.register(NULL, '{"email": "tap-fe-sam@example.com", "password": "correct horse battery", "name": "Sam"}') ->> 'access_token' AS sam \gset
SELECT jobboard.register(NULL, '{"email": "tap-fe-erin@example.com", "password": "correct horse battery", "name": "Erin", "role": "employer"}') ->> 'access_token' AS erin \gset
SELECT jobboard.register(NULL, '{"email": "tap-fe-rick@example.com", "password": "correct horse battery", "name": "Rick", "role": "employer"}') ->> 'access_token' AS rick \gset
SELECT jobboard.register(NULL, '{"email": "tap-fe-olga@example.com", "password": "correct horse battery", "name": "Olga", "role": "employer"}') ->> 'access_token' AS olga \gset
SELECT jobboard.register(NULL, '{"email": "tap-fe-adam@example.com", "password": "correct horse battery", "name": "Adam", "role": "employer"}') ->> 'access_token' AS adam \gset
SELECT jobboard.register(NULL, '{"email": "tap-fe-nora@example.com", "password": "correct horse battery", "name": "Nora"}') ->> 'access_token' AS nora \gset
SELECT jobboard.grant_role('tap-fe-adam@example.com', 'admin') IS NOT NULL AS granted \gset
INSERT INTO jobboard.roles (name) VALUES ('tap_fe_no_upload');
INSERT INTO jobboard.role_permissions (role, permission) VALUES ('tap_fe_no_upload', 'notes:write'), ('tap_fe_no_upload', 'applications:create');
SELECT id AS fay_id FROM jobboard.users WHERE email = 'tap-fe-fay@example.com' \gset
SELECT id AS cal_id FROM jobboard.users WHERE email = 'tap-fe-cal@example.com' \gset
SELECT id AS sam_id FROM jobboard.users WHERE email = 'tap-fe-sam@example.com' \gset
SELECT id AS erin_id FROM jobboard.users WHERE email = 'tap-fe-erin@example.com' \gset
SELECT id AS rick_id FROM jobboard.users WHERE email = 'tap-fe-rick@example.com' \gset
SELECT id AS olga_id FROM jobboard.users WHERE email = 'tap-fe-olga@example.com' \gset
SELECT id AS adam_id FROM jobboard.users WHERE email = 'tap-fe-adam@example.com' \gset
SELECT id AS nora_id FROM jobboard.users WHERE email = 'tap-fe-nora@example.com' \gset
UPDATE jobboard.user_roles SET role = 'tap_fe_no_upload' WHERE user_id = :nora_id;
INSERT INTO jobboard.companies (name) VALUES ('Tap FE Acme') RETURNING id AS acme \gset
INSERT INTO jobboard.companies (name) VALUES ('Tap FE Globex') RETURNING id AS globex \gset
INSERT INTO jobboard.company_members (company_id, user_id, role)
VALUES (:acme, :erin_id, 'owner'), (:acme, :rick_id, 'recruiter'), (:globex, :olga_id, 'owner');
INSERT INTO jobboard.jobs (company_id, title, description, employment_type, posted_at)
VALUES (:acme, 'Tap FE engineer', 'Files', 'full_time', now()) RETURNING id AS job \gset
INSERT INTO jobboard.jobs (company_id, title, description, employment_type, posted_at)
VALUES (:acme, 'Tap FE analyst', 'Events', 'full_time', now()) RETURNING id AS job2 \gset

-- Files: uploads judged by their bytes ---------------------------------------

CREATE TEMP TABLE sample (kind text PRIMARY KEY, filename text, content_type text, data bytea);
INSERT INTO sample VALUES
('pdf', 'cv.pdf', 'application/pdf', convert_to(E'%PDF-1.4\n'
	'1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n'
	'2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n'
	'3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 72 72] >>\nendobj\n'
	'xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n0000000115 00000 n \n'
	'trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n184\n%%EOF\n', 'UTF8')),
('png', 'photo.png', 'image/png', decode('89504e470d0a1a0a'
	'0000000d49484452000000010000000108000000003a7e9b55'
	'0000000a4944415478da63f80f00010101001cb08c99'
	'0000000049454e44ae426082', 'hex')),
('jpeg', 'photo.jpg', 'image/jpeg', decode('ffd8ffdb004300' || repeat('01', 64) ||
	'ffc0000b080001000101011100'
	'ffc4001400' || '01' || repeat('00', 15) || '00'
	'ffc4001410' || '01' || repeat('00', 15) || '00'
	'ffda0008010100003f00' || '3fffd9', 'hex')),
('text', 'notes.txt', 'text/plain; charset=utf-8', convert_to(E'Grüße ✓\r\n\tzwei\n', 'UTF8'));
CREATE TEMP TABLE uploaded AS
SELECT s.kind, jobboard.file_create(:'fay', jsonb_build_object('filename', s.filename), s.data) AS r FROM sample s;

SELECT is(u.r - 'id' - 'created_at',
          jsonb_build_object('filename', s.filename, 'content_type', s.content_type, 'size', length(s.data),
                             'sha256', encode(sha256(s.data), 'hex')),
          format('a real %s: 201 with its name, type by its bytes, size and sha256', s.kind))
  FROM uploaded u JOIN sample s USING (kind) ORDER BY s.kind;
SELECT is((SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(r) AS k),
          ARRAY['content_type', 'created_at', 'filename', 'id', 'sha256', 'size'],
          'the 201 body has exactly {id, filename, content_type, size, sha256, created_at}')
  FROM uploaded WHERE kind = 'pdf';
SELECT ok(bool_and(jsonb_typeof(r -> 'id') = 'number' AND (r ->> 'created_at')::timestamptz = now()),
          'ids are numbers and created_at is the time of the upload')
  FROM uploaded;
SELECT (r ->> 'id')::bigint AS pdf FROM uploaded WHERE kind = 'pdf' \gset
SELECT (r ->> 'id')::bigint AS png FROM uploaded WHERE kind = 'png' \gset
SELECT (r ->> 'id')::bigint AS jpeg FROM uploaded WHERE kind = 'jpeg' \gset
SELECT (r ->> 'id')::bigint AS txt FROM uploaded WHERE kind = 'text' \gset
SELECT r ->> 'sha256' AS png_sha256 FROM uploaded WHERE kind = 'png' \gset
SELECT is(count(*), 4::bigint, 'the four files are stored for Fay, as sent')
  FROM uploaded u JOIN sample s USING (kind) JOIN jobboard.files f ON f.id = (u.r ->> 'id')::bigint
 WHERE f.owner_id = :fay_id AND f.data = s.data;
SELECT is(jobboard.file_create(:'fay', '{"filename": "cv.pdf"}', (SELECT data FROM sample WHERE kind = 'png')) ->> 'content_type',
          'image/png', 'PNG bytes named .pdf are stored as image/png');

-- 415: JB415 whatever the name
SELECT throws_ok(format('SELECT jobboard.file_create(%L, %L, %L::bytea)', :'fay', '{"filename": "cv.pdf"}', '\x504b030414000000080000002100'),
                 'JB415', 'the file is not a PDF, PNG, JPEG or UTF-8 text file', 'a ZIP archive named .pdf: 415');
SELECT throws_ok(format('SELECT jobboard.file_create(%L, %L, %L::bytea)', :'fay', '{"filename": "cv.pdf"}', '\x7f454c46020101000000000000000000'),
                 'JB415', NULL, 'an ELF executable: 415');
SELECT throws_ok(format('SELECT jobboard.file_create(%L, %L, %L::bytea)', :'fay', '{"filename": "a.txt"}', '\x6869006869'),
                 'JB415', NULL, 'text with a NUL byte: 415');
SELECT throws_ok(format('SELECT jobboard.file_create(%L, %L, %L::bytea)', :'fay', '{"filename": "a.txt"}', '\x4772fc6e'),
                 'JB415', NULL, 'text that is not UTF-8 (Latin-1): 415');
SELECT throws_ok(format('SELECT jobboard.file_create(%L, %L, %L::bytea)', :'fay', '{"filename": "a.txt"}', '\x616263e282'),
                 'JB415', NULL, 'text ending in a truncated UTF-8 sequence: 415');
SELECT throws_ok(format('SELECT jobboard.file_create(%L, %L, %L::bytea)', :'fay', '{"filename": "a.txt"}', '\x1b5b306d'),
                 'JB415', NULL, 'text with an escape sequence: 415');
-- 422: empty names `file`
SELECT is(pg_temp.failure(format('SELECT jobboard.file_create(%L, %L, %L::bytea)', :'fay', '{"filename": "e.txt"}', '')),
          '{"sqlstate": "22023", "message": "1 field is invalid", "detail": [{"field": "file", "message": "must not be empty"}]}',
          'an empty file: 422 naming file');
SELECT is(pg_temp.failure(format('SELECT jobboard.file_create(%L, %L, NULL)', :'fay', '{"filename": "e.txt"}')) -> 'detail',
          '[{"field": "file", "message": "must not be empty"}]', 'no file at all: 422 naming file');
SELECT is(pg_temp.failure(format('SELECT jobboard.file_create(%L, %L, %L::bytea)', :'fay', '{}', '\x6869')) -> 'detail',
          '[{"field": "filename", "message": "is required"}]', 'no filename: 422 naming filename');
-- 401, 403
SELECT throws_ok(format('SELECT jobboard.file_create(NULL, %L, %L::bytea)', '{"filename": "a.txt"}', '\x6869'),
                 '28000', NULL, 'no token: 401');
SELECT throws_ok(format('SELECT jobboard.file_create(%L, %L, %L::bytea)', :'nora', '{"filename": "a.txt"}', '\x6869'),
                 '42501', NULL, 'a custom role without files:upload: 403');
SELECT is((SELECT count(*) FROM jobboard.files WHERE owner_id IN (:fay_id, :nora_id)), 5::bigint, 'no refused upload was stored');

-- Names
SELECT is(jobboard.file_create(:'fay', jsonb_build_object('filename', '../../etc/"x";y.pdf'), '\x6869'::bytea) ->> 'filename',
          '_x__y.pdf', 'a path, quotes and ; are cut and replaced: ../../etc/"x";y.pdf is stored as _x__y.pdf');
SELECT is(jobboard.file_create(:'fay', jsonb_build_object('filename', E'..\\..\\win\\a\tb%c.txt'), '\x6869'::bytea) ->> 'filename',
          'a_b_c.txt', 'backslash paths, control characters and % too');
SELECT is(jobboard.file_create(:'fay', jsonb_build_object('filename', ' .. '), '\x6869'::bytea) ->> 'filename',
          'file', 'a name of only dots and spaces becomes "file"');
SELECT ok(octet_length(f) <= 255 AND f = 'a' || repeat('€', 84),
          '301 bytes of name are cut to 253 on a character boundary (' || octet_length(f) || ' bytes)')
  FROM (SELECT jobboard.file_create(:'fay', jsonb_build_object('filename', 'a' || repeat('€', 100)), '\x6869'::bytea) ->> 'filename' AS f) x;
SELECT ok(octet_length(f) <= 255 AND f !~ '[ .]$' AND f ~ '^a+$',
          'a name cut at 255 bytes has no trailing space or dot either (got ' || octet_length(f) || ' bytes, ending "' || right(f, 2) || '")')
  FROM (SELECT jobboard.file_create(:'fay', jsonb_build_object('filename', repeat('a', 254) || ' b.pdf'), '\x6869'::bytea) ->> 'filename' AS f) x;

-- Idempotency-Key
SELECT jobboard.file_create(:'fay', '{"filename": "idem.txt", "_idempotency_key": "tap-file-1"}', '\x6f6e65'::bytea) AS idem1 \gset
SELECT is(jobboard.file_create(:'fay', '{"filename": "idem.txt", "_idempotency_key": "tap-file-1"}', '\x6f6e65'::bytea),
          :'idem1'::jsonb, 'the same upload with the same Idempotency-Key replays the first 201');
SELECT is((SELECT count(*) FROM jobboard.files WHERE owner_id = :fay_id AND filename = 'idem.txt'), 1::bigint,
          'and stores nothing new');
SELECT throws_ok(format('SELECT jobboard.file_create(%L, %L, %L::bytea)', :'fay', '{"filename": "other.txt", "_idempotency_key": "tap-file-1"}', '\x6f6e65'),
                 '55000', NULL, 'the key with another filename: 409');
SELECT throws_ok(format('SELECT jobboard.file_create(%L, %L, %L::bytea)', :'fay', '{"filename": "idem.txt", "_idempotency_key": "tap-file-1"}', '\x74776f'),
                 '55000', NULL, 'the key with other bytes (another body): 409');

-- Downloads ------------------------------------------------------------------

SELECT ok(bool_and(g.data = s.data AND g.file = u.r), 'the owner downloads each file: the same bytes and metadata')
  FROM uploaded u JOIN sample s USING (kind), LATERAL jobboard.file_get(:'fay', jsonb_build_object('id', (u.r ->> 'id')::bigint)) g;
SELECT jobboard.application_create(:'fay', jsonb_build_object('id', :job, 'resume_file_id', :pdf)) ->> 'id' AS fay_app \gset
SELECT is((SELECT data FROM jobboard.file_get(:'erin', jsonb_build_object('id', :pdf))), (SELECT data FROM sample WHERE kind = 'pdf'),
          'a member of the company the file was sent to downloads it');
SELECT is((SELECT data FROM jobboard.file_get(:'rick', jsonb_build_object('id', :pdf))), (SELECT data FROM sample WHERE kind = 'pdf'),
          'so does every other member (a recruiter)');
SELECT throws_ok(format('SELECT * FROM jobboard.file_get(%L, %L)', :'erin', jsonb_build_object('id', :png)),
                 'P0002', 'not found', 'a member sees only the file that was sent, not the candidate''s others');
SELECT throws_ok(format('SELECT * FROM jobboard.file_get(%L, %L)', :'olga', jsonb_build_object('id', :pdf)),
                 'P0002', 'not found', 'a member of another company: 404');
SELECT throws_ok(format('SELECT * FROM jobboard.file_get(%L, %L)', :'sam', jsonb_build_object('id', :pdf)),
                 'P0002', 'not found', 'a stranger: 404');
SELECT throws_ok(format('SELECT * FROM jobboard.file_get(%L, %L)', :'cal', jsonb_build_object('id', :png)),
                 'P0002', 'not found', 'another candidate: 404');
SELECT is((SELECT data FROM jobboard.file_get(:'adam', jsonb_build_object('id', :png))), (SELECT data FROM sample WHERE kind = 'png'),
          'a moderator downloads any file');
SELECT throws_ok(format('SELECT * FROM jobboard.file_get(NULL, %L)', jsonb_build_object('id', :pdf)), '28000', NULL, 'no token: 401');
SELECT throws_ok(format('SELECT * FROM jobboard.file_get(%L, %L)', :'fay', jsonb_build_object('id', :pdf + 1000000)),
                 'P0002', 'not found', 'no such file: 404');

-- Deleting -------------------------------------------------------------------

SELECT throws_ok(format('SELECT jobboard.file_delete(%L, %L)', :'sam', jsonb_build_object('id', :png)),
                 'P0002', 'not found', 'a stranger deleting: 404');
SELECT throws_ok(format('SELECT jobboard.file_delete(%L, %L)', :'adam', jsonb_build_object('id', :png)),
                 'P0002', 'not found', 'a moderator deleting someone''s file: 404 (owner only)');
SELECT throws_ok(format('SELECT jobboard.file_delete(%L, %L)', :'fay', jsonb_build_object('id', :pdf)),
                 '55000', 'the file is attached to an application', 'the owner deleting a file an application uses: 409');
SELECT throws_ok(format('SELECT jobboard.file_delete(%L, %L)', :'fay', jsonb_build_object('id', :png, '_if_match', '"' || repeat('0', 32) || '"')),
                 'JB412', NULL, 'a stale If-Match: 412');
SELECT throws_ok(format('SELECT jobboard.file_delete(%L, %L)', :'fay', jsonb_build_object('id', :png, '_if_match', :'png_sha256')),
                 'JB412', NULL, 'the bare sha256 is not the ETag: 412');
SELECT is((SELECT count(*) FROM jobboard.files WHERE id IN (:pdf, :png)), 2::bigint, 'refused deletes changed nothing');
SELECT is(jobboard.file_delete(:'fay', jsonb_build_object('id', :png, '_if_match', '"' || left(:'png_sha256', 32) || '"')), NULL,
          'the owner with the current ETag ("" + 32 hex digits of the sha256): 204');
SELECT throws_ok(format('SELECT * FROM jobboard.file_get(%L, %L)', :'fay', jsonb_build_object('id', :png)),
                 'P0002', 'not found', 'then the file is gone: 404');
SELECT is(jobboard.file_delete(:'fay', jsonb_build_object('id', :jpeg)), NULL, 'the owner without If-Match: 204');
SELECT throws_ok(format('SELECT jobboard.file_delete(%L, %L)', :'fay', jsonb_build_object('id', :jpeg)),
                 'P0002', 'not found', 'deleting it again: 404');
-- A deleted user's files go with them.
SELECT jobboard.file_create(:'sam', '{"filename": "sam.txt"}', '\x73616d'::bytea) ->> 'id' AS sam_file \gset
SELECT is(jobboard.user_delete(:'adam', jsonb_build_object('id', :sam_id)), NULL, 'an admin deletes Sam');
SELECT is((SELECT count(*) FROM jobboard.files WHERE owner_id = :sam_id OR id = :sam_file), 0::bigint, 'Sam''s files went with him');

-- Events ---------------------------------------------------------------------

SELECT coalesce(max(id), 0) AS start FROM jobboard.events \gset
SELECT throws_ok('SELECT jobboard.events(NULL, ''{}'')', '28000', NULL, 'events without a token: 401');
SELECT is(jobboard.events(:'cal', '{}'),
          jsonb_build_object('user_id', :cal_id, 'session_id', (SELECT id FROM jobboard.sessions WHERE user_id = :cal_id), 'events', '[]'::jsonb),
          'events without Last-Event-ID: the caller''s user and session, nothing replayed');
-- emit: one row per distinct non-null recipient
SELECT jobboard.emit('tap.ping', ARRAY[:cal_id, NULL, :cal_id, :olga_id, NULL]::bigint[], '{"n": 1}') \g /dev/null
SELECT results_eq(format('SELECT user_id FROM jobboard.events WHERE id > %s ORDER BY user_id', :start),
                  format('VALUES (%s::bigint), (%s)', least(:cal_id, :olga_id), greatest(:cal_id, :olga_id)),
                  'emit() writes one row per distinct non-null recipient');
SELECT is(jobboard.events(:'cal', '{}') -> 'events', '[]', 'a stream opened now still replays nothing');

-- A change that rolls back writes nothing.
SELECT coalesce(max(id), 0) AS mark FROM jobboard.events \gset
SAVEPOINT before_apply;
SELECT ok((jobboard.application_create(:'cal', jsonb_build_object('id', :job)) ->> 'id') IS NOT NULL, 'Cal applies (to be rolled back)');
SELECT is((SELECT count(*) FROM jobboard.events WHERE id > :mark), 2::bigint, 'inside its transaction the change wrote its events');
ROLLBACK TO SAVEPOINT before_apply;
SELECT is((SELECT count(*) FROM jobboard.events WHERE id > :mark), 0::bigint, 'rolled back: no event is left');

-- application.created: every member of the job's company
SELECT jobboard.application_create(:'cal', jsonb_build_object('id', :job)) AS cal_app_json \gset
SELECT (:'cal_app_json'::jsonb ->> 'id')::bigint AS cal_app \gset
SELECT set_eq(format('SELECT user_id FROM jobboard.events WHERE id > %s AND event = ''application.created''', :mark),
              format('VALUES (%s::bigint), (%s)', :erin_id, :rick_id),
              'application.created goes to every member of the company, and only to them');
SELECT ok(bool_and(data = :'cal_app_json'::jsonb), 'its data is the application as created')
  FROM jobboard.events WHERE id > :mark;

-- application.status_changed: candidate and members, {id, job_id, from, to, at}
SELECT coalesce(max(id), 0) AS mark FROM jobboard.events \gset
SELECT jobboard.application_update(:'rick', jsonb_build_object('id', :cal_app, 'status', 'reviewing')) ->> 'status' AS st \gset
SELECT set_eq(format('SELECT user_id FROM jobboard.events WHERE id > %s AND event = ''application.status_changed''', :mark),
              format('VALUES (%s::bigint), (%s), (%s)', :cal_id, :erin_id, :rick_id),
              'application.status_changed goes to the candidate and every member');
SELECT is(e.data, jsonb_build_object('id', :cal_app, 'job_id', :job, 'from', 'submitted', 'to', 'reviewing', 'at', a.updated_at),
          'its data is {id, job_id, from, to, at}')
  FROM jobboard.events e JOIN jobboard.applications a ON a.id = :cal_app
 WHERE e.id > :mark AND e.user_id = :cal_id;
SELECT coalesce(max(id), 0) AS after_status FROM jobboard.events \gset

-- note.created: members, for a note on an application
SELECT jobboard.note_create(:'erin', jsonb_build_object('title', 'Good', 'application_id', :cal_app)) ->> 'id' AS note \gset
SELECT jobboard.note_create(:'cal', '{"title": "Mine"}') ->> 'id' AS own_note \gset
SELECT set_eq(format('SELECT user_id FROM jobboard.events WHERE id > %s', :after_status),
              format('VALUES (%s::bigint), (%s)', :erin_id, :rick_id),
              'note.created goes to the members (the author too), a personal note to nobody');
SELECT ok(bool_and(event = 'note.created' AND data = jobboard.note_get(:'erin', jsonb_build_object('id', :note))),
          'its data is the note')
  FROM jobboard.events WHERE id > :after_status;

-- job.closed: the applicants, when a member closes the job and when maintenance closes an expired one
SELECT jobboard.application_create(:'fay', jsonb_build_object('id', :job2)) ->> 'id' AS fay_app2 \gset
SELECT coalesce(max(id), 0) AS mark FROM jobboard.events \gset
SELECT jobboard.job_update(:'erin', jsonb_build_object('id', :job, 'status', 'closed')) ->> 'status' AS st \gset
SELECT set_eq(format('SELECT user_id FROM jobboard.events WHERE id > %s AND event = ''job.closed'' AND data = %L',
                     :mark, jsonb_build_object('id', :job, 'title', 'Tap FE engineer')),
              format('VALUES (%s::bigint), (%s)', :fay_id, :cal_id),
              'closing a job by PATCH sends job.closed {id, title} to each candidate who applied');
SELECT is((SELECT count(*) FROM jobboard.events WHERE id > :mark), 2::bigint, '... and to no one else');
SELECT coalesce(max(id), 0) AS mark FROM jobboard.events \gset
UPDATE jobboard.jobs SET expires_at = now() - interval '1 second' WHERE id = :job2;
SELECT ok((jobboard.run_maintenance() ->> 'closed_jobs')::int >= 1, 'run_maintenance() closes the expired job');
SELECT is((SELECT status FROM jobboard.jobs WHERE id = :job2), 'closed', 'it is stored as closed');
SELECT results_eq(format('SELECT user_id, data FROM jobboard.events WHERE id > %s AND event = ''job.closed'' AND data ->> ''id'' = %L', :mark, :job2),
                  format('VALUES (%s::bigint, %L::jsonb)', :fay_id, jsonb_build_object('id', :job2, 'title', 'Tap FE analyst')),
                  'maintenance sends job.closed {id, title} to its applicant');

-- Replay: exactly the caller's events after Last-Event-ID, in order
SELECT is(jobboard.events(:'cal', jsonb_build_object('_last_event_id', :start)) -> 'events',
          (SELECT jsonb_agg(jsonb_build_object('id', id, 'event', event, 'data', data) ORDER BY id)
             FROM jobboard.events WHERE user_id = :cal_id AND id > :start),
          'Last-Event-ID replays exactly the caller''s later events, oldest first');
SELECT is(jsonb_path_query_array(jobboard.events(:'cal', jsonb_build_object('_last_event_id', :start)), '$.events[*].event'),
          '["tap.ping", "application.status_changed", "job.closed"]', 'Cal''s replay: the ping, his status change, the close');
SELECT is(jsonb_path_query_array(jobboard.events(:'erin', jsonb_build_object('_last_event_id', :start)), '$.events[*].event'),
          '["application.created", "application.status_changed", "note.created", "application.created"]',
          'Erin''s replay: Acme''s events, nobody else''s');
SELECT throws_ok(format('SELECT jobboard.events(%L, ''{}'')', :'sam'), '28000', NULL, 'a deleted user''s token opens no stream');
SELECT is(jobboard.events(:'olga', jsonb_build_object('_last_event_id', :start)) -> 'events',
          jsonb_build_array(jsonb_build_object('id', (SELECT id FROM jobboard.events WHERE user_id = :olga_id AND id > :start),
                                               'event', 'tap.ping', 'data', '{"n": 1}'::jsonb)),
          'Olga (another company) replays only her ping');
SELECT is(jobboard.events(:'cal', jsonb_build_object('_last_event_id', (SELECT max(id) FROM jobboard.events))) -> 'events', '[]',
          'after the newest id: nothing');
-- At most 1000 replayed, oldest first.
SELECT jobboard.emit('tap.bulk', ARRAY[:nora_id], jsonb_build_object('n', i)) FROM generate_series(1, 1005) AS i \g /dev/null
SELECT results_eq(format($$SELECT count(*), min((e ->> 'id')::bigint), max((e #>> '{data,n}')::int)
                            FROM jsonb_array_elements(jobboard.events(%L, '{"_last_event_id": %s}') -> 'events') e$$, :'nora', :start),
                  format('VALUES (1000::bigint, %s::bigint, 1000)', (SELECT min(id) FROM jobboard.events WHERE user_id = :nora_id)),
                  'a replay holds at most 1000 events, the oldest first');

-- events_after: every recipient's events after an id, in order, with head
SELECT is(jobboard.events_after(:start, 1000) -> 'events',
          (SELECT jsonb_agg(jsonb_build_object('id', id, 'user_id', user_id, 'event', event, 'data', data) ORDER BY id)
             FROM (SELECT * FROM jobboard.events WHERE id > :start ORDER BY id LIMIT 1000) e),
          'events_after returns every recipient''s events after the id, in id order');
SELECT is((jobboard.events_after(:start, 5) -> 'head')::bigint, (SELECT max(id) FROM jobboard.events),
          'its head is the newest id');
SELECT is(jsonb_array_length(jobboard.events_after(:start, 5) -> 'events'), 5, 'max_events bounds the batch');
SELECT is(jsonb_array_length(jobboard.events_after(:start, 100000) -> 'events'), 1000, 'a batch is at most 1000 events');

-- pg_notify on commit (two other sessions) -------------------------------------

SELECT format('dbname=%s host=%s port=%s user=%s', current_database(),
              split_part(current_setting('unix_socket_directories'), ',', 1), current_setting('port'), current_user) AS connstr \gset
SELECT dblink_connect('tap_fe_listen', :'connstr') AS c1, dblink_connect('tap_fe_write', :'connstr') AS c2 \gset
SELECT dblink_exec('tap_fe_listen', 'LISTEN jobboard_events') AS l \gset
-- (what an interrupted earlier run may have left)
SELECT dblink_exec('tap_fe_write', $$DELETE FROM jobboard.users WHERE email = 'tap-fe-notify@example.com'$$) AS w0 \gset
-- A committed user and two emits for it, the first naming it twice: two rows,
-- one notification each. A rolled-back emit notifies nothing.
SELECT dblink_exec('tap_fe_write', $$BEGIN;
	INSERT INTO jobboard.users (email, name, password_hash) VALUES ('tap-fe-notify@example.com', 'Notify', 'x');
	SELECT jobboard.emit('tap.rolled_back', ARRAY[id], '{}') FROM jobboard.users WHERE email = 'tap-fe-notify@example.com';
	ROLLBACK$$) AS w1 \gset
SELECT dblink_exec('tap_fe_write', $$BEGIN;
	INSERT INTO jobboard.users (email, name, password_hash) VALUES ('tap-fe-notify@example.com', 'Notify', 'x');
	SELECT jobboard.emit('tap.notify', ARRAY[id, id], '{"k": 1}') FROM jobboard.users WHERE email = 'tap-fe-notify@example.com';
	SELECT jobboard.emit('tap.notify', ARRAY[id], '{"k": 2}') FROM jobboard.users WHERE email = 'tap-fe-notify@example.com';
	COMMIT$$) AS w2 \gset
SELECT pid AS writer_pid FROM dblink('tap_fe_write', 'SELECT pg_backend_pid()') AS t(pid int) \gset
CREATE TEMP TABLE heard (channel text, pid int, payload text);
DO $$
BEGIN
	FOR i IN 1..100 LOOP
		INSERT INTO heard SELECT * FROM dblink_get_notify('tap_fe_listen');
		EXIT WHEN (SELECT count(*) FROM heard) >= 2;
		PERFORM pg_sleep(0.05);
	END LOOP;
	PERFORM pg_sleep(0.2);
	INSERT INTO heard SELECT * FROM dblink_get_notify('tap_fe_listen');
END
$$;
SELECT set_eq('SELECT channel, pid, payload FROM heard',
              format($$SELECT 'jobboard_events' AS channel, %s AS pid, e.id || ' ' || e.user_id AS payload FROM jobboard.events e JOIN jobboard.users u ON u.id = e.user_id
                        WHERE u.email = 'tap-fe-notify@example.com'$$, :writer_pid),
              'each committed event row is announced on jobboard_events as "<event id> <user id>", nothing for the rolled-back one');
SELECT is((SELECT count(*) FROM heard), 2::bigint, 'two rows, two notifications');
SELECT dblink_exec('tap_fe_write', $$DELETE FROM jobboard.users WHERE email = 'tap-fe-notify@example.com'$$) AS w3 \gset
SELECT dblink_disconnect('tap_fe_listen') AS d1, dblink_disconnect('tap_fe_write') AS d2 \gset

SELECT * FROM finish();
ROLLBACK;
