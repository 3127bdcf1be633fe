-- Routes of API.md §3.5 (applications), §3.6 (notes) and GET /me/applications
-- of §3.1. The auth column documents; the functions decide (applications.c,
-- notes.c). Nothing here is a public cacheable read: every route answers per
-- caller.

INSERT INTO jobboard.routes (method, path, function, status, auth, read_only, cacheable, body, location, cookie, summary) VALUES
	('POST',   '/jobs/{id}/applications',  'application_create',  201, 'applications:create', false, false, 'json', '/applications/{id}', NULL, 'Apply to an open job'),
	('GET',    '/jobs/{id}/applications',  'job_applications',    200, 'applications:review', true,  false, 'none', NULL, NULL, 'List the applications to a job of your company'),
	('GET',    '/applications/{id}',       'application_get',     200, 'user',                true,  false, 'none', NULL, NULL, 'Read an application with its history'),
	('PATCH',  '/applications/{id}',       'application_update',  200, 'user',                false, false, 'json', NULL, NULL, 'Move an application to its next status, reject or withdraw it'),
	('GET',    '/applications/{id}/notes', 'application_notes',   200, 'user',                true,  false, 'none', NULL, NULL, 'List your company''s notes on an application'),
	('GET',    '/me/applications',         'my_applications',     200, 'user',                true,  false, 'none', NULL, NULL, 'List your own applications'),
	('GET',    '/notes',                   'notes_list',          200, 'user',                true,  false, 'none', NULL, NULL, 'List and search your notes'),
	('POST',   '/notes',                   'note_create',         201, 'notes:write',         false, false, 'json', '/notes/{id}', NULL, 'Write a note, optionally on an application'),
	('GET',    '/notes/{id}',              'note_get',            200, 'user',                true,  false, 'none', NULL, NULL, 'Read a note'),
	('PATCH',  '/notes/{id}',              'note_update',         200, 'notes:write',         false, false, 'json', NULL, NULL, 'Change your note'),
	('DELETE', '/notes/{id}',              'note_delete',         204, 'notes:write',         false, false, 'none', NULL, NULL, 'Delete your note');
