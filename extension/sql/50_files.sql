-- Routes of API.md §3.7 (files). file_create takes the upload's bytes as a
-- third argument and file_get answers (file jsonb, data bytea): see the
-- route table's `kind` column.

INSERT INTO jobboard.routes (method, path, function, status, auth, read_only, cacheable, body, location, cookie, summary, kind) VALUES
	('POST',   '/files',      'file_create', 201, 'files:upload', false, false, 'multipart', '/files/{id}', NULL, 'Upload a PDF, PNG, JPEG or UTF-8 text file', 'upload'),
	('GET',    '/files/{id}', 'file_get',    200, 'user',         true,  false, 'none', NULL, NULL, 'Download a file', 'download'),
	('DELETE', '/files/{id}', 'file_delete', 204, 'user',         false, false, 'none', NULL, NULL, 'Delete your file', 'json');
