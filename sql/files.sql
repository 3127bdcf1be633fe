-- Files (API.md §3.7) as a psql user meets them: file_create(token, args,
-- data bytea), file_get(token, args) → (file, data), file_delete. The type is
-- judged by the bytes; the name is sanitised once, at upload. After each call
-- that must fail, \echo prints its SQLSTATE (API.md §4 and docs/INTERFACE.md
-- map it to the HTTP status). Every account here starts with files-.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS jobboard;
\set SHOW_CONTEXT never

-- Replace ids and times, which vary from run to run.
CREATE FUNCTION pg_temp.scrub(j jsonb) RETURNS jsonb LANGUAGE sql AS $$
	SELECT j || jsonb_build_object('id', '<id>', 'created_at', '<time>')
$$;

-- The cast: candidates Fay (uploads) and Sam (a stranger to Fay's files);
-- employers Erin (owner of Files Acme, where Fay applies) and Olga (owner of
-- Files Globex); Adam the admin (moderate); Nora, whose role lacks
-- files:upload.
SELECT jobboard.register(NULL, '{"email": "files-fay@example.com", "password": "correct horse battery", "name": "Fay"}') ->> 'access_token' AS fay \gset
SELECT jobboard.register(NULL, '{"email": "files-sam@example.com", "password": "correct horse battery", "name": "Sam"}') ->> 'access_token' AS sam \gset
SELECT jobboard.register(NULL, '{"email": "files-erin@example.com", "password": "correct horse battery", "name": "Erin", "role": "employer"}') ->> 'access_token' AS erin \gset
SELECT jobboard.register(NULL, '{"email": "files-olga@example.com", "password": "correct horse battery", "name": "Olga", "role": "employer"}') ->> 'access_token' AS olga \gset
SELECT jobboard.register(NULL, '{"email": "files-adam@example.com", "password": "correct horse battery", "name": "Adam", "role": "employer"}') ->> 'access_token' AS adam \gset
SELECT jobboard.register(NULL, '{"email": "files-nora@example.com", "password": "correct horse battery", "name": "Nora"}') ->> 'access_token' AS nora \gset
SELECT jobboard.grant_role('files-adam@example.com', 'admin') IS NOT NULL AS adam_is_admin;
INSERT INTO jobboard.roles (name) VALUES ('files_notes_only');
INSERT INTO jobboard.role_permissions (role, permission) VALUES ('files_notes_only', 'notes:write');
UPDATE jobboard.user_roles SET role = 'files_notes_only'
 WHERE user_id = (SELECT id FROM jobboard.users WHERE email = 'files-nora@example.com');
SELECT id AS fay_id FROM jobboard.users WHERE email = 'files-fay@example.com' \gset
SELECT id AS sam_id FROM jobboard.users WHERE email = 'files-sam@example.com' \gset
INSERT INTO jobboard.companies (name) VALUES ('Files Acme') RETURNING id AS acme \gset
INSERT INTO jobboard.companies (name) VALUES ('Files Globex') RETURNING id AS globex \gset
INSERT INTO jobboard.company_members (company_id, user_id, role)
SELECT CASE name WHEN 'Erin' THEN :acme ELSE :globex END, id, 'owner'
  FROM jobboard.users WHERE email IN ('files-erin@example.com', 'files-olga@example.com');
INSERT INTO jobboard.jobs (company_id, title, description, employment_type, posted_at)
VALUES (:acme, 'Files engineer', 'Uploads', 'full_time', now()) RETURNING id AS job \gset

-- Real files, built here: a one-page PDF (qpdf --check passes), a 1x1
-- grey PNG (pngcheck passes), a 1x1 baseline JPEG (djpeg decodes it) and
-- UTF-8 text with tabs, CR LF and non-ASCII letters.
CREATE TEMP TABLE sample (kind text PRIMARY KEY, filename text NOT NULL, data bytea NOT NULL);
INSERT INTO sample VALUES
('1 pdf', 'cv.pdf', convert_to(E'%PDF-1.4\n'
	'1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n'
	'2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n'
	'3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 72 72] >>\nendobj\n'
	'xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n0000000115 00000 n \n'
	'trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n184\n%%EOF\n', 'UTF8')),
('2 png', 'photo.png', decode('89504e470d0a1a0a'
	'0000000d49484452000000010000000108000000003a7e9b55'
	'0000000a4944415478da63f80f00010101001cb08c99'
	'0000000049454e44ae426082', 'hex')),
('3 jpeg', 'photo.jpg', decode('ffd8'
	'ffdb004300' || repeat('01', 64) ||
	'ffc0000b080001000101011100'
	'ffc4001400' || '01' || repeat('00', 15) || '00'
	'ffc4001410' || '01' || repeat('00', 15) || '00'
	'ffda0008010100003f00' || '3fffd9', 'hex')),
('4 text', 'notes.txt', convert_to(E'Grüße aus Zürich ✓\r\n\tline two\fpage two\n', 'UTF8'));
SELECT kind, length(data) AS bytes, encode(substr(data, 1, 4), 'hex') AS first_bytes FROM sample ORDER BY kind;

--
-- POST /files: 201 {id, filename, content_type, size, sha256, created_at}
--
CREATE TEMP TABLE uploaded AS
SELECT s.kind, jobboard.file_create(:'fay', jsonb_build_object('filename', s.filename), s.data) AS r
  FROM sample s ORDER BY s.kind;
SELECT pg_temp.scrub(r) AS created FROM uploaded WHERE kind = '1 pdf';
SELECT u.kind, r ->> 'filename' AS filename, r ->> 'content_type' AS content_type, r -> 'size' AS size,
       (r ->> 'size')::int = length(s.data) AS size_ok,
       r ->> 'sha256' = encode(sha256(s.data), 'hex') AS sha256_ok,
       r ->> 'created_at' ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d$' AS rfc3339,
       jsonb_typeof(r -> 'id') AS id_type
  FROM uploaded u JOIN sample s USING (kind) ORDER BY u.kind;
-- Stored once each, as sent, for Fay.
SELECT s.kind, f.data = s.data AS same_bytes, f.owner_id = :fay_id AS owner_ok, f.content_type
  FROM uploaded u JOIN sample s USING (kind) JOIN jobboard.files f ON f.id = (u.r ->> 'id')::bigint ORDER BY s.kind;
SELECT (r ->> 'id')::bigint AS pdf FROM uploaded WHERE kind = '1 pdf' \gset
SELECT (r ->> 'id')::bigint AS png FROM uploaded WHERE kind = '2 png' \gset
SELECT (r ->> 'id')::bigint AS jpeg FROM uploaded WHERE kind = '3 jpeg' \gset
SELECT (r ->> 'id')::bigint AS txt FROM uploaded WHERE kind = '4 text' \gset
SELECT r ->> 'sha256' AS png_sha256 FROM uploaded WHERE kind = '2 png' \gset

-- The name does not decide the type: PNG bytes named .pdf are a PNG, and
-- text named .jpg is text.
SELECT r ->> 'filename' AS filename, r ->> 'content_type' AS content_type
  FROM (SELECT jobboard.file_create(:'fay', '{"filename": "photo.pdf"}', data) AS r FROM sample WHERE kind = '2 png'
        UNION ALL
        SELECT jobboard.file_create(:'fay', '{"filename": "photo.jpg"}', convert_to('just text', 'UTF8'))) x;

-- 415 (JB415): bytes that are none of the four types, whatever the name.
SELECT count(*) AS fay_files_before FROM jobboard.files WHERE owner_id = :fay_id \gset
-- a ZIP archive named .pdf
SELECT jobboard.file_create(:'fay', '{"filename": "cv.pdf"}', decode('504b0304140000000800', 'hex')); \echo :SQLSTATE
-- an ELF executable
SELECT jobboard.file_create(:'fay', '{"filename": "cv.pdf"}', decode('7f454c4602010100000000000000000002003e00', 'hex')); \echo :SQLSTATE
-- a GIF, a PDF without its dash, a truncated PNG signature
SELECT jobboard.file_create(:'fay', '{"filename": "x.gif"}', convert_to('GIF89a', 'UTF8') || decode('0100010000', 'hex')); \echo :SQLSTATE
SELECT jobboard.file_create(:'fay', '{"filename": "x.pdf"}', convert_to('%PDF', 'UTF8') || decode('00', 'hex')); \echo :SQLSTATE
SELECT jobboard.file_create(:'fay', '{"filename": "x.png"}', decode('89504e470d0a1a', 'hex')); \echo :SQLSTATE
-- text with a NUL byte, with an escape character, with DEL
SELECT jobboard.file_create(:'fay', '{"filename": "x.txt"}', convert_to('abc', 'UTF8') || decode('00', 'hex') || convert_to('def', 'UTF8')); \echo :SQLSTATE
SELECT jobboard.file_create(:'fay', '{"filename": "x.txt"}', convert_to('red: ', 'UTF8') || decode('1b5b33316d', 'hex')); \echo :SQLSTATE
SELECT jobboard.file_create(:'fay', '{"filename": "x.txt"}', convert_to('abc', 'UTF8') || decode('7f', 'hex')); \echo :SQLSTATE
-- invalid UTF-8: a lone continuation byte, a truncated sequence, Latin-1, an overlong slash
SELECT jobboard.file_create(:'fay', '{"filename": "x.txt"}', decode('61806263', 'hex')); \echo :SQLSTATE
SELECT jobboard.file_create(:'fay', '{"filename": "x.txt"}', decode('6162c3', 'hex')); \echo :SQLSTATE
SELECT jobboard.file_create(:'fay', '{"filename": "x.txt"}', convert_to('Gr', 'UTF8') || decode('fc', 'hex') || convert_to('ße', 'UTF8')); \echo :SQLSTATE
SELECT jobboard.file_create(:'fay', '{"filename": "x.txt"}', decode('c0af', 'hex')); \echo :SQLSTATE
-- a single byte of text is text
SELECT jobboard.file_create(:'fay', '{"filename": "one.txt"}', convert_to('x', 'UTF8')) ->> 'content_type' AS one_byte;
DELETE FROM jobboard.files WHERE owner_id = :fay_id AND filename = 'one.txt';

-- 422 (22023): an empty or missing file names `file`; filename is required.
SELECT jobboard.file_create(:'fay', '{"filename": "empty.txt"}', ''::bytea); \echo :SQLSTATE
SELECT jobboard.file_create(:'fay', '{"filename": "empty.txt"}', NULL); \echo :SQLSTATE
SELECT jobboard.file_create(:'fay', '{}', convert_to('x', 'UTF8')); \echo :SQLSTATE
SELECT jobboard.file_create(:'fay', '{"filename": 7}', convert_to('x', 'UTF8')); \echo :SQLSTATE
SELECT jobboard.file_create(:'fay', '{"filename": "x.txt", "size": 1}', convert_to('x', 'UTF8')); \echo :SQLSTATE
SELECT jobboard.file_create(:'fay', jsonb_build_object('filename', repeat('n', 1025)), convert_to('x', 'UTF8')); \echo :SQLSTATE
-- 401 without a valid token, 403 without files:upload
SELECT jobboard.file_create(NULL, '{"filename": "x.txt"}', convert_to('x', 'UTF8')); \echo :SQLSTATE
SELECT jobboard.file_create('not.a.token', '{"filename": "x.txt"}', convert_to('x', 'UTF8')); \echo :SQLSTATE
SELECT jobboard.file_create(:'nora', '{"filename": "x.txt"}', convert_to('x', 'UTF8')); \echo :SQLSTATE
-- 403 wins over 415 and 422
SELECT jobboard.file_create(:'nora', '{"filename": "x.pdf"}', decode('504b0304', 'hex')); \echo :SQLSTATE
SELECT jobboard.file_create(:'nora', '{}', ''::bytea); \echo :SQLSTATE
-- nothing that failed was stored
SELECT count(*) - :fay_files_before AS stored_by_failures FROM jobboard.files WHERE owner_id = :fay_id;
SELECT count(*) AS nora_files FROM jobboard.files f JOIN jobboard.users u ON u.id = f.owner_id WHERE u.email = 'files-nora@example.com';

-- Filenames: the last path component; control characters, quotes, ; and %
-- become _; leading and trailing dots and spaces go; nothing left is "file";
-- at most 255 bytes, cut on a character boundary.
SELECT to_jsonb(n) AS sent, jobboard.file_create(:'fay', jsonb_build_object('filename', n), convert_to('x', 'UTF8')) ->> 'filename' AS stored
  FROM unnest(ARRAY['../../etc/"x";y.pdf', E'C:\\Users\\fay\\My CV.pdf', E'tab\there\nnew\u0001line\u007f.txt',
                    '100% "real".txt', '...hidden', ' . spaced . ', '..', 'dir/', '  ', 'Lebenslauf Müller.pdf',
                    'a"b;c%d.txt', '/abs/path/ok.txt', 'été.txt']) WITH ORDINALITY AS x(n, i)
 ORDER BY i;
-- 'a' and 100 three-byte characters (301 bytes) keep 'a' and 84 of them (253 bytes);
-- 150 two-byte characters and '.pdf' (304 bytes) keep 127 of them (254 bytes).
SELECT octet_length(n) AS sent_bytes, octet_length(r ->> 'filename') AS stored_bytes,
       r ->> 'filename' = left(n, expected_chars) AS cut_on_a_boundary
  FROM (VALUES ('a' || repeat('€', 100), 85), (repeat('é', 150) || '.pdf', 127), (repeat('x', 255), 255), (repeat('x', 256), 255)) AS v(n, expected_chars),
       LATERAL jobboard.file_create(:'fay', jsonb_build_object('filename', n), convert_to('x', 'UTF8')) AS r;
DELETE FROM jobboard.files WHERE owner_id = :fay_id AND content_type LIKE 'text/%' AND id <> :txt;

-- Idempotency-Key: the same upload is replayed (nothing new stored); the same
-- key with another name or other bytes is a 409.
SELECT jobboard.file_create(:'fay', '{"filename": "idem.txt", "_idempotency_key": "file-1"}', convert_to('first', 'UTF8')) AS idem1 \gset
SELECT jobboard.file_create(:'fay', '{"filename": "idem.txt", "_idempotency_key": "file-1"}', convert_to('first', 'UTF8')) = :'idem1'::jsonb AS replayed;
SELECT count(*) AS idem_files FROM jobboard.files WHERE owner_id = :fay_id AND filename = 'idem.txt';
SELECT jobboard.file_create(:'fay', '{"filename": "other.txt", "_idempotency_key": "file-1"}', convert_to('first', 'UTF8')); \echo :SQLSTATE
SELECT jobboard.file_create(:'fay', '{"filename": "idem.txt", "_idempotency_key": "file-1"}', convert_to('second', 'UTF8')); \echo :SQLSTATE
SELECT count(*) AS idem_files FROM jobboard.files WHERE owner_id = :fay_id AND filename IN ('idem.txt', 'other.txt');
-- the key is Fay's own: Sam may use it too
SELECT jobboard.file_create(:'sam', '{"filename": "sam.txt", "_idempotency_key": "file-1"}', convert_to('sam', 'UTF8')) ->> 'filename' AS sams_own;
DELETE FROM jobboard.files WHERE owner_id = :fay_id AND filename = 'idem.txt';

--
-- GET /files/{id}: the owner, members of a company the file was sent to,
-- moderators; everyone else 404.
--
-- Fay applies to Acme with her PDF.
SELECT jobboard.application_create(:'fay', jsonb_build_object('id', :job, 'resume_file_id', :pdf)) ->> 'resume_file_id' = :'pdf' AS applied_with_pdf;
SELECT s.kind, pg_temp.scrub(g.file) AS file, g.data = s.data AS same_bytes, g.file = u.r AS meta_matches_upload
  FROM uploaded u JOIN sample s USING (kind), LATERAL jobboard.file_get(:'fay', jsonb_build_object('id', (u.r ->> 'id')::bigint)) g
 ORDER BY s.kind;
-- Erin (member of Acme) reads the PDF, not Fay's other files
SELECT length(data) AS erin_reads_pdf, file ->> 'filename' AS filename FROM jobboard.file_get(:'erin', jsonb_build_object('id', :pdf));
SELECT file FROM jobboard.file_get(:'erin', jsonb_build_object('id', :png)); \echo :SQLSTATE
-- Olga (member of another company), Sam (a stranger): 404
SELECT file FROM jobboard.file_get(:'olga', jsonb_build_object('id', :pdf)); \echo :SQLSTATE
SELECT file FROM jobboard.file_get(:'sam', jsonb_build_object('id', :pdf)); \echo :SQLSTATE
SELECT file FROM jobboard.file_get(:'sam', jsonb_build_object('id', :png)); \echo :SQLSTATE
-- Adam (moderate) reads any file
SELECT length(data) AS adam_reads_png FROM jobboard.file_get(:'adam', jsonb_build_object('id', :png));
-- no token 401; no such id, a bad id: 404
SELECT file FROM jobboard.file_get(NULL, jsonb_build_object('id', :pdf)); \echo :SQLSTATE
SELECT file FROM jobboard.file_get(:'fay', jsonb_build_object('id', :pdf + 1000000)); \echo :SQLSTATE
SELECT file FROM jobboard.file_get(:'fay', '{"id": 0}'); \echo :SQLSTATE
SELECT file FROM jobboard.file_get(:'fay', '{}'); \echo :SQLSTATE
-- an unknown argument: 422
SELECT file FROM jobboard.file_get(:'fay', jsonb_build_object('id', :pdf, 'x', 1)); \echo :SQLSTATE

--
-- DELETE /files/{id}: the owner's, unless an application uses it.
--
-- a stranger and a moderator get 404: only the owner deletes
SELECT jobboard.file_delete(:'sam', jsonb_build_object('id', :png)); \echo :SQLSTATE
SELECT jobboard.file_delete(:'adam', jsonb_build_object('id', :png)); \echo :SQLSTATE
SELECT jobboard.file_delete(:'erin', jsonb_build_object('id', :pdf)); \echo :SQLSTATE
-- the PDF is attached to the application: 409
SELECT jobboard.file_delete(:'fay', jsonb_build_object('id', :pdf)); \echo :SQLSTATE
-- If-Match: the ETag is the quoted first 32 hex digits of the sha256
SELECT jobboard.file_delete(:'fay', jsonb_build_object('id', :png, '_if_match', '"00000000000000000000000000000000"')); \echo :SQLSTATE
SELECT jobboard.file_delete(:'fay', jsonb_build_object('id', :png, '_if_match', '"' || :'png_sha256' || '"')); \echo :SQLSTATE
SELECT count(*) AS png_still_there FROM jobboard.files WHERE id = :png;
SELECT jobboard.file_delete(:'fay', jsonb_build_object('id', :png, '_if_match', '"' || left(:'png_sha256', 32) || '"')) IS NULL AS deleted_204;
SELECT count(*) AS png_rows FROM jobboard.files WHERE id = :png;
SELECT file FROM jobboard.file_get(:'fay', jsonb_build_object('id', :png)); \echo :SQLSTATE
SELECT jobboard.file_delete(:'fay', jsonb_build_object('id', :png)); \echo :SQLSTATE
-- If-Match * and no If-Match both delete
SELECT jobboard.file_delete(:'fay', jsonb_build_object('id', :jpeg, '_if_match', '*')) IS NULL AS deleted_204;
SELECT jobboard.file_delete(:'fay', jsonb_build_object('id', :txt)) IS NULL AS deleted_204;
SELECT count(*) AS left_of_the_four FROM jobboard.files WHERE id IN (:pdf, :png, :jpeg, :txt);
SELECT jobboard.file_delete(NULL, jsonb_build_object('id', :pdf)); \echo :SQLSTATE

--
-- A deleted user's files go with them.
--
SELECT count(*) AS sam_files FROM jobboard.files WHERE owner_id = :sam_id;
SELECT jobboard.user_delete(:'adam', jsonb_build_object('id', :sam_id)) IS NULL AS sam_deleted;
SELECT count(*) AS sam_files FROM jobboard.files WHERE owner_id = :sam_id;
-- Fay's PDF is attached to her own application: both go with her.
SELECT jobboard.user_delete(:'adam', jsonb_build_object('id', :fay_id)) IS NULL AS fay_deleted;
SELECT (SELECT count(*) FROM jobboard.files WHERE owner_id = :fay_id) AS fay_files,
       (SELECT count(*) FROM jobboard.applications WHERE candidate_id = :fay_id) AS fay_applications;

--
-- The routes and who may call them.
--
SELECT method, path, function, status, kind, body, location FROM jobboard.routes
 WHERE function LIKE 'file\_%' ORDER BY function;
SELECT p.proname, pg_get_function_identity_arguments(p.oid) AS arguments, pg_get_function_result(p.oid) AS result,
       has_function_privilege('jobboard_api', p.oid, 'EXECUTE') AS api_may_execute,
       has_function_privilege('public', p.oid, 'EXECUTE') AS public_may_execute
  FROM pg_proc p WHERE p.pronamespace = 'jobboard'::regnamespace AND p.proname LIKE 'file\_%' ORDER BY p.proname;

-- Leave nothing behind for the suites that follow.
DELETE FROM jobboard.users WHERE email LIKE 'files-%@example.com';
DELETE FROM jobboard.jobs WHERE company_id IN (:acme, :globex);
DELETE FROM jobboard.companies WHERE id IN (:acme, :globex);
DELETE FROM jobboard.roles WHERE name = 'files_notes_only';
