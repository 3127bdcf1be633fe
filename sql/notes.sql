-- Notes (API.md §3.6), GET /applications/{id}/notes (§3.5) and the
-- note.created event (§3.8). Companies, members and jobs are plain INSERTs.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS jobboard;
\set SHOW_CONTEXT never

\i sql/include/scrub.sql

-- The cast: candidates Nina and Ned; employers Emma (owner of Notes Co),
-- Raj (recruiter of Notes Co), Oscar (owner of Other Co); Adele the admin
-- (moderate, member of nothing); Nobody, whose role holds no permission.
SELECT jobboard.register(NULL, '{"email": "notes-nina@example.com", "password": "correct horse battery", "name": "Nina"}') ->> 'access_token' AS nina \gset
SELECT jobboard.register(NULL, '{"email": "notes-ned@example.com", "password": "correct horse battery", "name": "Ned"}') ->> 'access_token' AS ned \gset
SELECT jobboard.register(NULL, '{"email": "notes-emma@example.com", "password": "correct horse battery", "name": "Emma", "role": "employer"}') ->> 'access_token' AS emma \gset
SELECT jobboard.register(NULL, '{"email": "notes-raj@example.com", "password": "correct horse battery", "name": "Raj", "role": "employer"}') ->> 'access_token' AS raj \gset
SELECT jobboard.register(NULL, '{"email": "notes-oscar@example.com", "password": "correct horse battery", "name": "Oscar", "role": "employer"}') ->> 'access_token' AS oscar \gset
SELECT jobboard.register(NULL, '{"email": "notes-adele@example.com", "password": "correct horse battery", "name": "Adele", "role": "employer"}') ->> 'access_token' AS adele \gset
SELECT jobboard.register(NULL, '{"email": "notes-nobody@example.com", "password": "correct horse battery", "name": "Nobody"}') ->> 'access_token' AS nobody \gset
SELECT jobboard.grant_role('notes-adele@example.com', 'admin') IS NOT NULL AS adele_is_admin;
INSERT INTO jobboard.roles (name) VALUES ('notes_nothing');
UPDATE jobboard.user_roles SET role = 'notes_nothing'
 WHERE user_id = (SELECT id FROM jobboard.users WHERE email = 'notes-nobody@example.com');

INSERT INTO jobboard.companies (name) VALUES ('Notes Co') RETURNING id AS co \gset
INSERT INTO jobboard.companies (name) VALUES ('Notes Other Co') RETURNING id AS other \gset
INSERT INTO jobboard.company_members (company_id, user_id, role)
SELECT :co, id, CASE name WHEN 'Emma' THEN 'owner' ELSE 'recruiter' END
  FROM jobboard.users WHERE email IN ('notes-emma@example.com', 'notes-raj@example.com');
INSERT INTO jobboard.company_members (company_id, user_id, role)
SELECT :other, id, 'owner' FROM jobboard.users WHERE email = 'notes-oscar@example.com';
INSERT INTO jobboard.jobs (company_id, title, description, employment_type, posted_at)
VALUES (:co, 'Data engineer', 'Pipelines', 'full_time', now()) RETURNING id AS job \gset
INSERT INTO jobboard.jobs (company_id, title, description, employment_type, posted_at)
VALUES (:other, 'Other engineer', 'Other things', 'full_time', now()) RETURNING id AS ojob \gset
SELECT (jobboard.application_create(:'nina', jsonb_build_object('id', :job)) ->> 'id')::bigint AS napp \gset
SELECT (jobboard.application_create(:'ned', jsonb_build_object('id', :ojob)) ->> 'id')::bigint AS oapp \gset

CREATE VIEW pg_temp.new_events AS
SELECT e.event, u.name AS recipient, pg_temp.scrub(e.data) AS data
  FROM jobboard.events e JOIN jobboard.users u ON u.id = e.user_id
 ORDER BY e.created_at, e.event, u.name;
DELETE FROM jobboard.events;

--
-- POST /notes
--
SELECT jobboard.note_create(NULL, '{"title": "x"}');
SELECT jobboard.note_create(:'nobody', '{"title": "x"}');
-- 422: every field error at once
SELECT jobboard.note_create(:'nina', '{}');
SELECT jobboard.note_create(:'nina', '{"title": "   ", "body": 7, "pinned": "yes", "archived": null, "colour": "red"}');
SELECT jobboard.note_create(:'nina', jsonb_build_object('title', repeat('t', 201), 'body', repeat('b', 100001)));
SELECT jobboard.note_create(:'nina', '{"title": "t", "tags": ["ok", "Bad Tag", 5]}');
SELECT jobboard.note_create(:'nina', '{"title": "t", "tags": ["ok", "Bad Tag", "-dash", "c#", "x.y+z"]}');
SELECT jobboard.note_create(:'nina', '{"title": "t", "tags": ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"]}');
SELECT jobboard.note_create(:'nina', '{"title": "t", "tags": "go"}');
SELECT jobboard.note_create(:'nina', '{"title": "t", "tags": null}');
SELECT jobboard.note_create(:'nina', '{"title": "t", "application_id": 0}');
SELECT jobboard.note_create(:'nina', '{"title": "t", "application_id": "1"}');
SELECT count(*) AS notes FROM jobboard.notes n JOIN jobboard.users u ON u.id = n.owner_id WHERE u.email LIKE 'notes-%';
-- 201: title trimmed, tags lower-cased, sorted, deduplicated; limits are inclusive
SELECT pg_temp.scrub(jobboard.note_create(:'nina', '{"title": "  Alpha interview prep ", "body": "postgres indexes",
	"tags": ["Prep", "interview", "prep"], "pinned": true}')) AS created;
SELECT pg_temp.scrub(jobboard.note_create(:'nina', '{"title": "Beta salary research", "body": null}')) AS body_null_is_empty;
SELECT length(r ->> 'title') AS title_length, length(r ->> 'body') AS body_length
  FROM jobboard.note_create(:'nina', jsonb_build_object('title', repeat('é', 200), 'body', repeat('b', 100000),
	'tags', '["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]'::jsonb)) AS r;
DELETE FROM jobboard.notes WHERE length(title) = 200; -- keep the lists below short
-- a personal note emits nothing
SELECT count(*) AS events FROM jobboard.events;
-- Idempotency-Key
SELECT jobboard.note_create(:'nina', '{"title": "Gamma remote work", "body": "postgres replication and remote teams",
	"tags": ["remote", "postgres"], "pinned": true, "_idempotency_key": "note-1"}') AS first \gset
SELECT jobboard.note_create(:'nina', '{"title": "Gamma remote work", "body": "postgres replication and remote teams",
	"tags": ["remote", "postgres"], "pinned": true, "_idempotency_key": "note-1"}') = :'first'::jsonb AS replayed;
SELECT count(*) AS gammas FROM jobboard.notes WHERE title = 'Gamma remote work';
SELECT jobboard.note_create(:'nina', '{"title": "Gamma remote work", "_idempotency_key": "note-1"}');
-- the same key is another caller's own
SELECT jobboard.note_create(:'ned', '{"title": "Ned idea", "_idempotency_key": "note-1"}') ->> 'title' AS other_callers_key;
SELECT jobboard.note_create(:'nina', '{"title": "Delta archived idea", "archived": true}') ->> 'archived' AS archived;
SELECT (:'first'::jsonb ->> 'id')::bigint AS gamma \gset
SELECT id AS alpha FROM jobboard.notes WHERE title = 'Alpha interview prep' \gset
SELECT id AS ned_note FROM jobboard.notes WHERE title = 'Ned idea' \gset

-- notes on an application: members only
SELECT pg_temp.scrub(jobboard.note_create(:'emma', jsonb_build_object('title', 'Strong candidate', 'body', 'Call her',
	'application_id', :napp))) AS on_application;
SELECT id AS emma_note FROM jobboard.notes WHERE title = 'Strong candidate' \gset
SELECT application_id = :napp AS linked FROM jobboard.notes WHERE id = :emma_note;
-- note.created went to every member of the company, the author included, with the note
SELECT * FROM pg_temp.new_events;
SELECT count(*) AS data_is_the_note FROM jobboard.events WHERE data = jobboard.note_get(:'emma', jsonb_build_object('id', :emma_note));
DELETE FROM jobboard.events;
SELECT jobboard.note_create(:'raj', jsonb_build_object('title', 'Second opinion', 'application_id', :napp)) ->> 'title' AS title;
SELECT id AS raj_note FROM jobboard.notes WHERE title = 'Second opinion' \gset
DELETE FROM jobboard.events;
-- the candidate and a moderator may see the application but not write on it: 403
SELECT jobboard.note_create(:'nina', jsonb_build_object('title', 'My own application', 'application_id', :napp));
SELECT jobboard.note_create(:'adele', jsonb_build_object('title', 'Moderating', 'application_id', :napp));
-- another company's member, another candidate, no such application: 422 naming application_id
SELECT jobboard.note_create(:'oscar', jsonb_build_object('title', 'Poaching', 'application_id', :napp));
SELECT jobboard.note_create(:'ned', jsonb_build_object('title', 'Peeking', 'application_id', :napp));
SELECT jobboard.note_create(:'emma', jsonb_build_object('title', 'Other company', 'application_id', :oapp));
SELECT jobboard.note_create(:'emma', jsonb_build_object('title', repeat('t', 201), 'application_id', :napp + 1000000));
-- none of them wrote a note or an event
SELECT count(*) AS notes_on_applications FROM jobboard.notes WHERE application_id IS NOT NULL;
SELECT count(*) AS events FROM jobboard.events;

--
-- GET /notes/{id}
--
SELECT pg_temp.scrub(jobboard.note_get(:'nina', jsonb_build_object('id', :alpha))) AS own;
SELECT jobboard.note_get(:'raj', jsonb_build_object('id', :emma_note)) = jobboard.note_get(:'emma', jsonb_build_object('id', :emma_note)) AS member_reads_it;
-- someone else's note is 404 for everyone else, moderators and the candidate included
SELECT jobboard.note_get(:'ned', jsonb_build_object('id', :alpha));
SELECT jobboard.note_get(:'emma', jsonb_build_object('id', :alpha));
SELECT jobboard.note_get(:'adele', jsonb_build_object('id', :alpha));
SELECT jobboard.note_get(:'nina', jsonb_build_object('id', :emma_note));
SELECT jobboard.note_get(:'oscar', jsonb_build_object('id', :emma_note));
SELECT jobboard.note_get(:'adele', jsonb_build_object('id', :emma_note));
SELECT jobboard.note_get(:'nina', jsonb_build_object('id', :alpha + 1000000));
SELECT jobboard.note_get(:'nina', jsonb_build_object('id', -1));
SELECT jobboard.note_get(NULL, jsonb_build_object('id', :alpha));
SELECT jobboard.note_get(:'nina', jsonb_build_object('id', :alpha, 'fields', 'title'));

--
-- PATCH /notes/{id}
--
SELECT jobboard.note_get(:'nina', jsonb_build_object('id', :alpha)) AS before \gset
-- strangers 404, members who may read it 403, no permission 403
SELECT jobboard.note_update(:'ned', jsonb_build_object('id', :alpha, 'title', 'Mine now'));
SELECT jobboard.note_update(:'oscar', jsonb_build_object('id', :emma_note, 'title', 'Mine now'));
SELECT jobboard.note_update(:'raj', jsonb_build_object('id', :emma_note, 'title', 'Mine now'));
SELECT jobboard.note_update(:'nobody', jsonb_build_object('id', :alpha, 'title', 'Mine now'));
SELECT jobboard.note_update(NULL, jsonb_build_object('id', :alpha, 'title', 'Mine now'));
-- 422
SELECT jobboard.note_update(:'nina', jsonb_build_object('id', :alpha, 'title', '', 'pinned', null, 'application_id', :napp));
SELECT jobboard.note_update(:'nina', jsonb_build_object('id', :alpha, 'application_id', null, 'owner_id', 1));
SELECT jobboard.note_update(:'nina', jsonb_build_object('id', :alpha, 'tags', '["ok", "not ok"]'::jsonb));
-- 412: a stale If-Match changes nothing
SELECT jobboard.note_update(:'nina', jsonb_build_object('id', :alpha, 'title', 'Changed', '_if_match', '"0123456789abcdef0123456789abcdef"'));
SELECT jobboard.note_get(:'nina', jsonb_build_object('id', :alpha)) = :'before'::jsonb AS unchanged;
-- an empty patch changes nothing, not even updated_at
SELECT jobboard.note_update(:'nina', jsonb_build_object('id', :alpha)) = :'before'::jsonb AS empty_patch_unchanged;
-- partial: only what is given changes; the current ETag matches
SELECT jobboard.etag(:'before'::jsonb) AS etag \gset
SELECT pg_temp.scrub(jobboard.note_update(:'nina', jsonb_build_object('id', :alpha, 'pinned', false,
	'tags', '["Interview", "postgres"]'::jsonb, '_if_match', :'etag'))) AS partial;
SELECT (r ->> 'updated_at')::timestamptz > (:'before'::jsonb ->> 'updated_at')::timestamptz AS updated_at_moved,
       r ->> 'created_at' = :'before'::jsonb ->> 'created_at' AS created_at_kept
  FROM jobboard.note_get(:'nina', jsonb_build_object('id', :alpha)) AS r;
SELECT jobboard.note_update(:'nina', jsonb_build_object('id', :alpha, 'title', 'Stale', '_if_match', :'etag'));
SELECT jobboard.note_update(:'nina', jsonb_build_object('id', :alpha, 'body', null, 'archived', false, '_if_match', '*')) ->> 'body' AS body_cleared;
SELECT jobboard.note_update(:'nina', jsonb_build_object('id', :alpha, 'body', 'postgres indexes and vacuum')) ->> 'body' AS body;
SELECT jobboard.note_update(:'emma', jsonb_build_object('id', :emma_note, 'title', 'Very strong candidate')) ->> 'title' AS owner_changes_application_note;
SELECT count(*) AS events FROM jobboard.events;

--
-- GET /notes
--
SELECT jsonb_path_query_array(jobboard.notes_list(:'nina', '{}'), '$.data[*].title') AS recently_updated_first;
SELECT jsonb_path_query_array(jobboard.notes_list(:'nina', '{"sort": "title", "limit": 2}'), '$.data[*].title') AS by_title;
SELECT jsonb_path_query_array(jobboard.notes_list(:'nina', jsonb_build_object('sort', 'title', 'limit', 2,
	'cursor', jobboard.notes_list(:'nina', '{"sort": "title", "limit": 2}') ->> 'next_cursor')), '$.data[*].title') AS next_page;
SELECT jsonb_path_query_array(jobboard.notes_list(:'nina', '{"sort": "-title", "count": "exact"}'), '$.data[*].title') AS by_title_desc,
       jobboard.notes_list(:'nina', '{"sort": "-title", "count": "exact"}') -> 'total' AS total;
SELECT jsonb_path_query_array(jobboard.notes_list(:'nina', '{"sort": "created_at"}'), '$.data[*].title') AS oldest_first;
-- web-search syntax: words, a negated word, a phrase, or
SELECT jsonb_path_query_array(jobboard.notes_list(:'nina', '{"q": "postgres"}'), '$.data[*].title') AS postgres;
SELECT jsonb_path_query_array(jobboard.notes_list(:'nina', '{"q": "postgres -remote"}'), '$.data[*].title') AS postgres_not_remote;
SELECT jsonb_path_query_array(jobboard.notes_list(:'nina', '{"q": "\"remote teams\""}'), '$.data[*].title') AS phrase;
SELECT jsonb_path_query_array(jobboard.notes_list(:'nina', '{"q": "\"teams remote\""}'), '$.data[*].title') AS phrase_reversed;
SELECT jsonb_path_query_array(jobboard.notes_list(:'nina', '{"q": "salary or vacuum", "sort": "title"}'), '$.data[*].title') AS either;
SELECT jsonb_path_query_array(jobboard.notes_list(:'nina', '{"q": "Research"}'), '$.data[*].title') AS stemmed_title;
-- tags: one string, an array (every tag), normalised; pinned; archived (default false)
SELECT jsonb_path_query_array(jobboard.notes_list(:'nina', '{"tag": "postgres"}'), '$.data[*].title') AS tag_postgres;
SELECT jsonb_path_query_array(jobboard.notes_list(:'nina', '{"tag": ["POSTGRES", "remote"]}'), '$.data[*].title') AS both_tags;
SELECT jsonb_path_query_array(jobboard.notes_list(:'nina', '{"tag": ["postgres", "interview", "remote"]}'), '$.data[*].title') AS no_note_has_all;
SELECT jsonb_path_query_array(jobboard.notes_list(:'nina', '{"pinned": "true"}'), '$.data[*].title') AS pinned;
SELECT jsonb_path_query_array(jobboard.notes_list(:'nina', '{"pinned": false, "sort": "title"}'), '$.data[*].title') AS not_pinned;
SELECT jsonb_path_query_array(jobboard.notes_list(:'nina', '{"archived": true}'), '$.data[*].title') AS archived;
SELECT jsonb_path_query_array(jobboard.notes_list(:'nina', '{"archived": "false", "q": "idea"}'), '$.data[*].title') AS archived_hidden;
-- only the caller's own notes, application notes it wrote included
SELECT jsonb_path_query_array(jobboard.notes_list(:'ned', '{}'), '$.data[*].title') AS ned;
SELECT jsonb_path_query_array(jobboard.notes_list(:'emma', '{}'), '$.data[*].title') AS emma;
SELECT jsonb_path_query_array(jobboard.notes_list(:'raj', '{"q": "strong"}'), '$.data[*].title') AS not_others_application_notes;
SELECT jobboard.notes_list(:'nina', '{"sort": "pinned"}');
SELECT jobboard.notes_list(:'nina', '{"pinned": "maybe"}');
SELECT jobboard.notes_list(:'nina', '{"tag": "Bad Tag!"}');
SELECT jobboard.notes_list(:'nina', '{"owner_id": 1}');
SELECT jobboard.notes_list(:'nina', '{"cursor": "bm90IGEgY3Vyc29y.AAAA"}');
SELECT jobboard.notes_list(NULL, '{}');

--
-- GET /applications/{id}/notes
--
SELECT jsonb_path_query_array(jobboard.application_notes(:'emma', jsonb_build_object('id', :napp)), '$.data[*].title') AS written_order,
       jsonb_path_query_array(jobboard.application_notes(:'raj', jsonb_build_object('id', :napp, 'sort', '-created_at')), '$.data[*].title') AS newest_first,
       jsonb_path_query_array(jobboard.application_notes(:'raj', jsonb_build_object('id', :napp, 'sort', '-updated_at')), '$.data[*].title') AS last_changed_first;
SELECT pg_temp.scrub(jobboard.application_notes(:'emma', jsonb_build_object('id', :napp, 'limit', 1))) AS first_page;
SELECT jsonb_path_query_array(jobboard.application_notes(:'emma', jsonb_build_object('id', :napp, 'limit', 1,
	'cursor', jobboard.application_notes(:'emma', jsonb_build_object('id', :napp, 'limit', 1)) ->> 'next_cursor')), '$.data[*].title') AS second_page;
-- the candidate and moderators: 403; strangers and unknown ids: 404
SELECT jobboard.application_notes(:'nina', jsonb_build_object('id', :napp));
SELECT jobboard.application_notes(:'adele', jsonb_build_object('id', :napp));
SELECT jobboard.application_notes(:'oscar', jsonb_build_object('id', :napp));
SELECT jobboard.application_notes(:'ned', jsonb_build_object('id', :napp));
SELECT jobboard.application_notes(:'emma', jsonb_build_object('id', :oapp));
SELECT jobboard.application_notes(:'emma', jsonb_build_object('id', :napp + 1000000));
SELECT jobboard.application_notes(:'emma', jsonb_build_object('id', :napp, 'sort', 'title'));
SELECT jobboard.application_notes(NULL, jsonb_build_object('id', :napp));
SELECT pg_temp.scrub(jobboard.application_notes(:'oscar', jsonb_build_object('id', :oapp))) AS none_yet;

-- a member who leaves the company loses the company's notes, keeps its own
DELETE FROM jobboard.company_members WHERE user_id = (SELECT id FROM jobboard.users WHERE email = 'notes-raj@example.com');
SELECT jobboard.note_get(:'raj', jsonb_build_object('id', :emma_note));
SELECT jobboard.note_get(:'raj', jsonb_build_object('id', :raj_note)) ->> 'title' AS own_note;
SELECT jobboard.application_notes(:'raj', jsonb_build_object('id', :napp));

--
-- DELETE /notes/{id}
--
SELECT jobboard.note_delete(:'ned', jsonb_build_object('id', :alpha));
SELECT jobboard.note_delete(:'emma', jsonb_build_object('id', :raj_note));
SELECT jobboard.note_delete(:'nobody', jsonb_build_object('id', :alpha));
SELECT jobboard.note_delete(:'nina', jsonb_build_object('id', :alpha, '_if_match', '"0123456789abcdef0123456789abcdef"'));
SELECT jobboard.note_delete(:'nina', jsonb_build_object('id', :alpha, 'force', true));
SELECT count(*) AS still_there FROM jobboard.notes WHERE id = :alpha;
SELECT jobboard.note_delete(:'nina', jsonb_build_object('id', :alpha,
	'_if_match', jobboard.etag(jobboard.note_get(:'nina', jsonb_build_object('id', :alpha))))) IS NULL AS no_content;
SELECT jobboard.note_get(:'nina', jsonb_build_object('id', :alpha));
SELECT jobboard.note_delete(:'nina', jsonb_build_object('id', :alpha));
SELECT jobboard.note_delete(:'emma', jsonb_build_object('id', :emma_note)) IS NULL AS member_deletes_own_application_note;
SELECT jsonb_path_query_array(jobboard.application_notes(:'emma', jsonb_build_object('id', :napp)), '$.data[*].title') AS left_on_application;
SELECT count(*) AS events FROM jobboard.events;
