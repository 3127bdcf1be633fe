-- The machine-readable description of the API: a JSON Schema for every
-- request body and response, and the query parameters of each route, kept
-- beside the route table so /openapi.json and /docs (rendered from
-- jobboard.openapi()) cannot drift from the code. The last statement refuses
-- to install if a route lacks its description.

ALTER TABLE jobboard.routes
	ADD COLUMN query    jsonb NOT NULL DEFAULT '[]',  -- OpenAPI parameter objects
	ADD COLUMN request  jsonb,                         -- JSON Schema of the body
	ADD COLUMN response jsonb;                         -- JSON Schema of a 2xx body

CREATE TABLE jobboard.api_schemas (
	name    text PRIMARY KEY,
	schema  jsonb NOT NULL
);

INSERT INTO jobboard.api_schemas (name, schema) VALUES
('Problem', '{"type": "object", "description": "RFC 9457 problem details.",
  "required": ["type", "title", "status", "code", "request_id"],
  "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
   "code": {"type": "string", "enum": ["bad_request", "unauthorized", "invalid_credentials", "forbidden", "not_found",
     "method_not_allowed", "conflict", "precondition_failed", "payload_too_large", "unsupported_media_type",
     "validation_failed", "rate_limited", "internal", "unavailable"]},
   "detail": {"type": "string"}, "request_id": {"type": "string"},
   "errors": {"type": "array", "items": {"type": "object", "required": ["field", "message"],
     "properties": {"field": {"type": "string"}, "message": {"type": "string"}}}}}}'),
('User', '{"type": "object", "required": ["id", "email", "name", "roles", "disabled", "created_at", "updated_at"],
  "properties": {"id": {"type": "integer"}, "email": {"type": "string", "format": "email"}, "name": {"type": "string"},
   "roles": {"type": "array", "items": {"type": "string"}}, "disabled": {"type": "boolean"},
   "created_at": {"type": "string", "format": "date-time"}, "updated_at": {"type": "string", "format": "date-time"}}}'),
('TokenPair', '{"type": "object", "required": ["access_token", "token_type", "expires_in", "refresh_token", "user"],
  "properties": {"access_token": {"type": "string", "description": "JWT (HS256)"}, "token_type": {"const": "Bearer"},
   "expires_in": {"type": "integer"}, "refresh_token": {"type": "string"}, "refresh_expires_in": {"type": "integer"},
   "user": {"$ref": "#/components/schemas/User"}}}'),
('Role', '{"type": "object", "required": ["name", "permissions", "builtin"],
  "properties": {"name": {"type": "string", "pattern": "^[a-z][a-z0-9_]{1,31}$"}, "builtin": {"type": "boolean"},
   "permissions": {"type": "array", "items": {"$ref": "#/components/schemas/Permission"}}}}'),
('Permission', '{"type": "string", "enum": ["companies:create", "jobs:write", "applications:review", "applications:create",
  "notes:write", "files:upload", "users:read", "users:manage", "roles:manage", "moderate"]}'),
('Tags', '{"type": "array", "maxItems": 10, "items": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9+#.-]{0,29}$"}}'),
('CompanyRef', '{"type": "object", "required": ["id", "name"], "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}'),
('UserRef', '{"type": "object", "required": ["id", "name"], "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "email": {"type": "string"}}}'),
('Company', '{"type": "object", "required": ["id", "name", "created_at", "updated_at"],
  "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "website": {"type": ["string", "null"]},
   "description": {"type": ["string", "null"]}, "location": {"type": ["string", "null"]},
   "open_jobs": {"type": "integer"},
   "created_at": {"type": "string", "format": "date-time"}, "updated_at": {"type": "string", "format": "date-time"}}}'),
('Member', '{"type": "object", "required": ["user", "role", "added_at"],
  "properties": {"user": {"$ref": "#/components/schemas/UserRef"}, "role": {"enum": ["owner", "recruiter"]},
   "added_at": {"type": "string", "format": "date-time"}}}'),
('Job', '{"type": "object", "required": ["id", "company", "title", "description", "employment_type", "currency", "tags", "status"],
  "properties": {"id": {"type": "integer"}, "company": {"$ref": "#/components/schemas/CompanyRef"},
   "title": {"type": "string"}, "description": {"type": "string"}, "location": {"type": ["string", "null"]},
   "remote": {"type": "boolean"}, "employment_type": {"enum": ["full_time", "part_time", "contract", "internship"]},
   "salary_min": {"type": ["integer", "null"]}, "salary_max": {"type": ["integer", "null"]},
   "currency": {"type": "string", "pattern": "^[A-Z]{3}$"}, "tags": {"type": "array", "items": {"type": "string"}},
   "status": {"enum": ["draft", "open", "closed"]},
   "posted_at": {"type": ["string", "null"], "format": "date-time"}, "expires_at": {"type": ["string", "null"], "format": "date-time"},
   "created_at": {"type": "string", "format": "date-time"}, "updated_at": {"type": "string", "format": "date-time"}}}'),
('Tag', '{"type": "object", "required": ["name", "open_jobs"], "properties": {"name": {"type": "string"}, "open_jobs": {"type": "integer"}}}'),
('ApplicationStatus', '{"enum": ["submitted", "reviewing", "interview", "offer", "hired", "rejected", "withdrawn"]}'),
('Application', '{"type": "object", "required": ["id", "job", "candidate", "status", "created_at", "updated_at"],
  "properties": {"id": {"type": "integer"},
   "job": {"type": "object", "properties": {"id": {"type": "integer"}, "title": {"type": "string"},
     "company": {"$ref": "#/components/schemas/CompanyRef"}}},
   "candidate": {"$ref": "#/components/schemas/UserRef"}, "status": {"$ref": "#/components/schemas/ApplicationStatus"},
   "cover_letter": {"type": ["string", "null"]}, "resume_file_id": {"type": ["integer", "null"]},
   "history": {"type": "array", "items": {"type": "object", "properties": {
     "status": {"$ref": "#/components/schemas/ApplicationStatus"}, "at": {"type": "string", "format": "date-time"},
     "by": {"$ref": "#/components/schemas/UserRef"}}}},
   "created_at": {"type": "string", "format": "date-time"}, "updated_at": {"type": "string", "format": "date-time"}}}'),
('Note', '{"type": "object", "required": ["id", "title", "body", "tags", "pinned", "archived", "owner", "created_at", "updated_at"],
  "properties": {"id": {"type": "integer"}, "title": {"type": "string"}, "body": {"type": "string"},
   "tags": {"type": "array", "items": {"type": "string"}}, "pinned": {"type": "boolean"}, "archived": {"type": "boolean"},
   "application_id": {"type": ["integer", "null"]}, "owner": {"$ref": "#/components/schemas/UserRef"},
   "created_at": {"type": "string", "format": "date-time"}, "updated_at": {"type": "string", "format": "date-time"}}}'),
('File', '{"type": "object", "required": ["id", "filename", "content_type", "size", "sha256", "created_at"],
  "properties": {"id": {"type": "integer"}, "filename": {"type": "string"},
   "content_type": {"enum": ["application/pdf", "image/png", "image/jpeg", "text/plain; charset=utf-8"]},
   "size": {"type": "integer"}, "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
   "created_at": {"type": "string", "format": "date-time"}}}');

-- Schema helpers for the descriptions below.
CREATE FUNCTION jobboard.api_ref(name text) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$ SELECT jsonb_build_object('$ref', '#/components/schemas/' || name) $$;

CREATE FUNCTION jobboard.api_page(item text) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
	SELECT jsonb_build_object('type', 'object', 'required', jsonb_build_array('data', 'next_cursor'),
		'properties', jsonb_build_object(
			'data', jsonb_build_object('type', 'array', 'items', jobboard.api_ref(item)),
			'next_cursor', jsonb_build_object('type', jsonb_build_array('string', 'null')),
			'total', jsonb_build_object('type', 'integer')))
$$;

CREATE FUNCTION jobboard.api_short_list(item text) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
	SELECT jsonb_build_object('type', 'object', 'required', jsonb_build_array('data'),
		'properties', jsonb_build_object('data',
			jsonb_build_object('type', 'array', 'items', jobboard.api_ref(item))))
$$;

-- A strict object: the named properties (schema per name), the required ones.
CREATE FUNCTION jobboard.api_body(properties jsonb, required text[] DEFAULT '{}') RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
	SELECT jsonb_build_object('type', 'object', 'additionalProperties', false,
		'properties', properties, 'required', to_jsonb(required))
$$;

-- The query parameters of a list route: paging, the sorts, and filters.
CREATE FUNCTION jobboard.api_list_query(sorts text[], filters jsonb DEFAULT '{}') RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
	SELECT jsonb_build_array(
		'{"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}}'::jsonb,
		'{"name": "cursor", "in": "query", "description": "next_cursor of the previous page", "schema": {"type": "string"}}'::jsonb,
		'{"name": "page", "in": "query", "description": "1-based page number (page * limit <= 10000); not with cursor", "schema": {"type": "integer", "minimum": 1}}'::jsonb,
		jsonb_build_object('name', 'sort', 'in', 'query', 'description', 'field, - prefix for descending',
			'schema', jsonb_build_object('type', 'string', 'enum',
				(SELECT jsonb_agg(s) FROM (SELECT unnest(sorts) AS s UNION ALL SELECT '-' || unnest(sorts)) x))),
		'{"name": "count", "in": "query", "schema": {"const": "exact"}}'::jsonb)
	|| coalesce((SELECT jsonb_agg(
		CASE WHEN value ? 'explode'
		     THEN jsonb_build_object('name', key, 'in', 'query', 'explode', true,
		                             'schema', jsonb_build_object('type', 'array', 'items', value->'schema'))
		     ELSE jsonb_build_object('name', key, 'in', 'query', 'schema', value) END)
		FROM jsonb_each(filters)), '[]')
$$;

UPDATE jobboard.routes SET response = jobboard.api_ref('TokenPair'),
	request = jobboard.api_body('{"email": {"type": "string", "format": "email", "maxLength": 254},
		"password": {"type": "string", "minLength": 8, "maxLength": 128}, "name": {"type": "string", "minLength": 1, "maxLength": 200},
		"role": {"enum": ["candidate", "employer"]}}', '{email,password,name}')
 WHERE function = 'register';
UPDATE jobboard.routes SET response = jobboard.api_ref('TokenPair'),
	request = jobboard.api_body('{"email": {"type": "string"}, "password": {"type": "string"}}', '{email,password}')
 WHERE function = 'login';
UPDATE jobboard.routes SET response = jobboard.api_ref('TokenPair'),
	request = jobboard.api_body('{"refresh_token": {"type": "string", "description": "or the jobboard_refresh cookie"}}')
 WHERE function = 'refresh';
UPDATE jobboard.routes SET response = NULL,
	request = jobboard.api_body('{"refresh_token": {"type": "string", "description": "or the jobboard_refresh cookie"}}')
 WHERE function = 'logout';
UPDATE jobboard.routes SET response = jobboard.api_ref('User') WHERE function IN ('me', 'user_get');
UPDATE jobboard.routes SET response = jobboard.api_ref('User'),
	request = jobboard.api_body('{"name": {"type": "string", "minLength": 1, "maxLength": 200}}')
 WHERE function = 'me_update';
UPDATE jobboard.routes SET
	request = jobboard.api_body('{"current_password": {"type": "string"}, "new_password": {"type": "string", "minLength": 8, "maxLength": 128}}',
		'{current_password,new_password}')
 WHERE function = 'me_password';
UPDATE jobboard.routes SET response = jobboard.api_page('User'),
	query = jobboard.api_list_query('{created_at,email,name}',
		'{"role": {"type": "string"}, "q": {"type": "string", "description": "email or name contains"}, "disabled": {"type": "boolean"}}')
 WHERE function = 'users_list';
UPDATE jobboard.routes SET response = jobboard.api_ref('User'),
	request = jobboard.api_body('{"name": {"type": "string", "minLength": 1, "maxLength": 200},
		"roles": {"type": "array", "minItems": 1, "maxItems": 16, "items": {"type": "string"}}, "disabled": {"type": "boolean"}}')
 WHERE function = 'user_update';
UPDATE jobboard.routes SET response = jobboard.api_short_list('Role') WHERE function = 'roles_list';
UPDATE jobboard.routes SET response = jobboard.api_ref('Role'),
	request = jobboard.api_body('{"name": {"type": "string", "pattern": "^[a-z][a-z0-9_]{1,31}$"},
		"permissions": {"type": "array", "items": {"$ref": "#/components/schemas/Permission"}}}', '{name,permissions}')
 WHERE function = 'role_create';
UPDATE jobboard.routes SET response = jobboard.api_ref('Role'),
	request = jobboard.api_body('{"permissions": {"type": "array", "items": {"$ref": "#/components/schemas/Permission"}}}', '{permissions}')
 WHERE function = 'role_update';

-- §3.7: files (the upload is multipart; the download is the bytes).
UPDATE jobboard.routes SET response = jobboard.api_ref('File') WHERE function = 'file_create';
UPDATE jobboard.routes SET response = '{"type": "string", "contentMediaType": "application/octet-stream"}' WHERE function = 'file_get';

-- §3.8: the event stream (text/event-stream; the JSON is what opens it).
UPDATE jobboard.routes SET response = '{"type": "string", "contentMediaType": "text/event-stream", "description": "id, event and data (JSON) per event; a comment line every 15 s"}',
	query = '[{"name": "access_token", "in": "query", "description": "the token, for browsers whose EventSource cannot set headers (this route only)", "schema": {"type": "string"}}, {"name": "Last-Event-ID", "in": "header", "description": "replay every later event still kept", "schema": {"type": "string"}}]'
 WHERE function = 'events';

-- §3.3-§3.6: companies, jobs, tags, applications, notes.
UPDATE jobboard.api_schemas SET schema = jsonb_set(schema, '{properties,company_id}', '{"type": "integer"}')
 WHERE name = 'Member';

UPDATE jobboard.routes SET response = jobboard.api_page('Company'),
	query = jobboard.api_list_query('{name,created_at}', '{"q": {"type": "string", "description": "name contains"}}')
 WHERE function = 'companies_list';
UPDATE jobboard.routes SET response = jobboard.api_ref('Company') WHERE function = 'company_get';
UPDATE jobboard.routes SET response = jobboard.api_ref('Company'),
	request = jobboard.api_body('{"name": {"type": "string", "minLength": 1, "maxLength": 200},
		"website": {"type": ["string", "null"], "format": "uri", "maxLength": 2000},
		"description": {"type": ["string", "null"], "maxLength": 20000},
		"location": {"type": ["string", "null"], "maxLength": 200}}', '{name}')
 WHERE function = 'company_create';
UPDATE jobboard.routes SET response = jobboard.api_ref('Company'),
	request = (SELECT request - 'required' || '{"required": []}' FROM jobboard.routes WHERE function = 'company_create')
 WHERE function = 'company_update';
UPDATE jobboard.routes SET response = jobboard.api_short_list('Member') WHERE function = 'company_members';
UPDATE jobboard.routes SET response = jobboard.api_ref('Member'),
	request = jobboard.api_body('{"email": {"type": "string", "format": "email"}, "role": {"enum": ["owner", "recruiter"]}}', '{email,role}')
 WHERE function = 'company_member_add';

UPDATE jobboard.routes SET response = jobboard.api_page('Job'),
	query = jobboard.api_list_query(CASE function WHEN 'jobs_list' THEN '{posted_at,salary_max,title,relevance}'::text[]
	                                              ELSE '{posted_at,salary_max,title}'::text[] END,
		'{"q": {"type": "string", "description": "web-search syntax over title, description and tags: rust -senior \"remote first\""},
		  "location": {"type": "string", "description": "contains, case-insensitive"},
		  "remote": {"type": "boolean"},
		  "employment_type": {"enum": ["full_time", "part_time", "contract", "internship"]},
		  "tag": {"explode": true, "schema": {"type": "string"}},
		  "salary_min": {"type": "integer", "minimum": 0, "description": "jobs whose salary_max reaches it"},
		  "posted_after": {"type": "string", "format": "date-time"}}'::jsonb
		|| CASE function WHEN 'jobs_list' THEN '{"company_id": {"type": "integer", "minimum": 1}}'::jsonb
		                 ELSE '{"status": {"enum": ["draft", "open", "closed"], "description": "members only see draft and closed"}}'::jsonb END)
 WHERE function IN ('jobs_list', 'company_jobs');
UPDATE jobboard.routes SET response = jobboard.api_ref('Job') WHERE function = 'job_get';
UPDATE jobboard.routes SET response = jobboard.api_ref('Job'),
	request = jobboard.api_body('{"company_id": {"type": "integer", "minimum": 1},
		"title": {"type": "string", "minLength": 3, "maxLength": 200},
		"description": {"type": "string", "minLength": 1, "maxLength": 20000},
		"location": {"type": ["string", "null"], "maxLength": 200}, "remote": {"type": "boolean"},
		"employment_type": {"enum": ["full_time", "part_time", "contract", "internship"]},
		"salary_min": {"type": ["integer", "null"], "minimum": 0}, "salary_max": {"type": ["integer", "null"], "minimum": 0},
		"currency": {"type": "string", "pattern": "^[A-Z]{3}$"}, "tags": {"$ref": "#/components/schemas/Tags"},
		"status": {"enum": ["draft", "open"]}, "expires_at": {"type": ["string", "null"], "format": "date-time"}}',
		'{company_id,title,description,employment_type}')
 WHERE function = 'job_create';
UPDATE jobboard.routes SET response = jobboard.api_ref('Job'),
	request = jobboard.api_body('{"title": {"type": "string", "minLength": 3, "maxLength": 200},
		"description": {"type": "string", "minLength": 1, "maxLength": 20000},
		"location": {"type": ["string", "null"], "maxLength": 200}, "remote": {"type": "boolean"},
		"employment_type": {"enum": ["full_time", "part_time", "contract", "internship"]},
		"salary_min": {"type": ["integer", "null"], "minimum": 0}, "salary_max": {"type": ["integer", "null"], "minimum": 0},
		"currency": {"type": "string", "pattern": "^[A-Z]{3}$"}, "tags": {"$ref": "#/components/schemas/Tags"},
		"status": {"enum": ["draft", "open", "closed"], "description": "draft→open, open→closed, closed→open"},
		"expires_at": {"type": ["string", "null"], "format": "date-time"}}')
 WHERE function = 'job_update';
UPDATE jobboard.routes SET response = jobboard.api_page('Tag'), query = jobboard.api_list_query('{popularity,name}')
 WHERE function = 'tags_list';

UPDATE jobboard.routes SET response = jobboard.api_ref('Application'),
	request = jobboard.api_body('{"cover_letter": {"type": ["string", "null"], "maxLength": 10000},
		"resume_file_id": {"type": ["integer", "null"], "minimum": 1, "description": "a file of yours"}}')
 WHERE function = 'application_create';
UPDATE jobboard.routes SET response = jobboard.api_page('Application'),
	query = jobboard.api_list_query('{created_at,updated_at}', '{"status": {"$ref": "#/components/schemas/ApplicationStatus"}}')
 WHERE function IN ('job_applications', 'my_applications');
UPDATE jobboard.routes SET response = jobboard.api_ref('Application') WHERE function = 'application_get';
UPDATE jobboard.routes SET response = jobboard.api_ref('Application'),
	request = jobboard.api_body('{"status": {"$ref": "#/components/schemas/ApplicationStatus"}}', '{status}')
 WHERE function = 'application_update';
UPDATE jobboard.routes SET response = jobboard.api_page('Note'), query = jobboard.api_list_query('{created_at,updated_at}')
 WHERE function = 'application_notes';
UPDATE jobboard.routes SET response = jobboard.api_page('Note'),
	query = jobboard.api_list_query('{updated_at,created_at,title}',
		'{"q": {"type": "string", "description": "web-search syntax over title and body"},
		  "tag": {"explode": true, "schema": {"type": "string"}},
		  "pinned": {"type": "boolean"}, "archived": {"type": "boolean", "default": false}}')
 WHERE function = 'notes_list';
UPDATE jobboard.routes SET response = jobboard.api_ref('Note') WHERE function = 'note_get';
UPDATE jobboard.routes SET response = jobboard.api_ref('Note'),
	request = jobboard.api_body('{"title": {"type": "string", "minLength": 1, "maxLength": 200},
		"body": {"type": ["string", "null"], "maxLength": 100000}, "tags": {"$ref": "#/components/schemas/Tags"},
		"pinned": {"type": "boolean"}, "archived": {"type": "boolean"},
		"application_id": {"type": ["integer", "null"], "minimum": 1, "description": "a note on an application of your company"}}', '{title}')
 WHERE function = 'note_create';
UPDATE jobboard.routes SET response = jobboard.api_ref('Note'),
	request = (SELECT jsonb_set(request, '{required}', '[]') #- '{properties,application_id}'
	             FROM jobboard.routes WHERE function = 'note_create')
 WHERE function = 'note_update';

-- Every route is described: a route without its schema does not install.
DO $$
DECLARE
	missing text;
BEGIN
	SELECT string_agg(function, ', ') INTO missing FROM jobboard.routes
	 WHERE (status <> 204 AND response IS NULL) OR (body = 'json' AND request IS NULL);
	IF missing IS NOT NULL THEN
		RAISE EXCEPTION 'routes without an API description: %', missing;
	END IF;
END
$$;

CREATE FUNCTION jobboard.api_operation(r jobboard.routes) RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = jobboard, pg_catalog, pg_temp
AS $$
	SELECT jsonb_strip_nulls(jsonb_build_object(
		'operationId', r.function,
		'summary', r.summary,
		'description', 'Auth: ' || CASE r.auth WHEN '-' THEN 'public (a token that is sent is checked)'
		                                       WHEN 'user' THEN 'any signed-in user'
		                                       ELSE 'permission ' || r.auth END
		               || '. SQL: jobboard.' || r.function || '(token, args).',
		'tags', jsonb_build_array(split_part(r.path, '/', 2)),
		'security', CASE WHEN r.auth = '-' THEN '[{}, {"bearer": []}]'::jsonb ELSE '[{"bearer": []}]'::jsonb END,
		'parameters',
			coalesce((SELECT jsonb_agg(jsonb_build_object('name', m[1], 'in', 'path', 'required', true,
				'schema', CASE WHEN m[1] = 'id' OR m[1] LIKE '%\_id'
				               THEN '{"type": "integer", "minimum": 1}'::jsonb
				               ELSE '{"type": "string"}'::jsonb END))
			   FROM regexp_matches(r.path, '\{([a-z_]+)\}', 'g') AS m), '[]')
			|| r.query
			|| CASE WHEN r.method IN ('PATCH', 'DELETE') AND r.path ~ '\}$'
			        THEN '[{"name": "If-Match", "in": "header", "schema": {"type": "string"}, "description": "ETag of the current version; a stale one is a 412"}]'::jsonb
			        ELSE '[]' END
			|| CASE WHEN r.status = 201
			        THEN '[{"name": "Idempotency-Key", "in": "header", "schema": {"type": "string", "minLength": 1, "maxLength": 255}, "description": "a repeat within 24 h replays the first response"}]'::jsonb
			        ELSE '[]' END
			|| CASE WHEN r.method = 'GET'
			        THEN '[{"name": "If-None-Match", "in": "header", "schema": {"type": "string"}, "description": "the current ETag gets a 304"}]'::jsonb
			        ELSE '[]' END,
		'requestBody', CASE WHEN r.body = 'multipart' THEN jsonb_build_object('required', true, 'content',
				jsonb_build_object('multipart/form-data', jsonb_build_object('schema', jsonb_build_object(
					'type', 'object', 'required', jsonb_build_array('file'),
					'properties', jsonb_build_object('file', jsonb_build_object('type', 'string', 'contentMediaType', 'application/octet-stream'))))))
			WHEN r.request IS NOT NULL THEN jsonb_build_object('required', true, 'content',
				jsonb_build_object('application/json', jsonb_build_object('schema', r.request)))
			END,
		'responses', jsonb_build_object(r.status::text,
				CASE WHEN r.status = 204 THEN '{"description": "No Content"}'::jsonb
				     WHEN r.response IS NULL THEN '{"description": "The content"}'::jsonb
				     ELSE jsonb_build_object('description', CASE r.status WHEN 201 THEN 'Created' ELSE 'OK' END,
				          'content', jsonb_build_object(
				              CASE WHEN r.response ? 'contentMediaType' THEN 'application/octet-stream' ELSE 'application/json' END,
				              jsonb_build_object('schema', r.response))) END)
			|| (SELECT jsonb_object_agg(s, '{"$ref": "#/components/responses/Problem"}'::jsonb)
			      FROM unnest(ARRAY['400', '401', '403', '404', '422', '429', '500', '503']
			                  || CASE WHEN r.method <> 'GET' THEN ARRAY['409', '413', '415'] ELSE '{}' END
			                  || CASE WHEN r.method IN ('PATCH', 'DELETE') THEN ARRAY['412'] ELSE '{}' END) AS s)
	))
$$;

CREATE FUNCTION jobboard.openapi() RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = jobboard, pg_catalog, pg_temp
AS $$
	SELECT jsonb_build_object(
		'openapi', '3.1.0',
		'info', jsonb_build_object(
			'title', 'jobboard API',
			'version', (SELECT extversion FROM pg_extension WHERE extname = 'jobboard'),
			'description', 'Job portal and notes backend. Every route is also a SQL function jobboard.<operationId>(token text, args jsonb) returning the same JSON.',
			'license', jsonb_build_object('name', 'PostgreSQL', 'identifier', 'PostgreSQL')),
		'servers', '[{"url": "/"}]'::jsonb,
		'paths', (SELECT jsonb_object_agg(path, ops) FROM (
			SELECT r.path, jsonb_object_agg(lower(r.method), jobboard.api_operation(r)) AS ops
			  FROM jobboard.routes r GROUP BY r.path) p),
		'components', jsonb_build_object(
			'schemas', (SELECT jsonb_object_agg(name, schema) FROM jobboard.api_schemas),
			'securitySchemes', '{"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}'::jsonb,
			'responses', jsonb_build_object('Problem', jsonb_build_object(
				'description', 'An error (RFC 9457 problem details)',
				'content', jsonb_build_object('application/problem+json',
					jsonb_build_object('schema', jobboard.api_ref('Problem')))))))
$$;
COMMENT ON FUNCTION jobboard.openapi() IS 'The OpenAPI 3.1 document of the API, from the route table and its schemas.';

CREATE FUNCTION jobboard.html_escape(s text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT replace(replace(replace(replace(s, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;')
$$;

-- A self-contained HTML reference (no external assets), rendered from openapi().
CREATE FUNCTION jobboard.docs_html() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = jobboard, pg_catalog, pg_temp
AS $$
	WITH doc AS (SELECT jobboard.openapi() AS d),
	ops AS (
		SELECT p.key AS path, o.key AS method, o.value AS op
		  FROM doc, jsonb_each(d->'paths') p, jsonb_each(p.value) o),
	body AS (
		SELECT string_agg(format(
			'<section id="%s"><h3><span class="m %s">%s</span> <code>%s</code></h3><p>%s</p><p class="d">%s</p>%s%s%s</section>',
			op->>'operationId', method, upper(method), html_escape(path), html_escape(op->>'summary'),
			html_escape(op->>'description'),
			CASE WHEN jsonb_array_length(op->'parameters') > 0 THEN
				'<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>schema</th><th>notes</th></tr>' ||
				(SELECT string_agg(format('<tr><td><code>%s</code></td><td>%s</td><td><code>%s</code></td><td>%s</td></tr>',
					html_escape(x->>'name'), x->>'in', html_escape((x->'schema')::text), html_escape(coalesce(x->>'description', ''))), '')
				   FROM jsonb_array_elements(op->'parameters') x) || '</table>' ELSE '' END,
			CASE WHEN op ? 'requestBody' THEN '<h4>Request body</h4><pre>' ||
				html_escape(jsonb_pretty(op->'requestBody'->'content')) || '</pre>' ELSE '' END,
			'<h4>Responses</h4><pre>' || html_escape(jsonb_pretty((SELECT jsonb_object_agg(k, v) FROM jsonb_each(op->'responses') AS e(k, v) WHERE k < '300'))) || '</pre>'),
			'' ORDER BY path, method) AS html
		  FROM ops),
	toc AS (
		SELECT string_agg(format('<li><a href="#%s"><span class="m %s">%s</span> %s</a></li>',
			op->>'operationId', method, upper(method), html_escape(path)), '' ORDER BY path, method) AS html
		  FROM ops)
	SELECT '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>jobboard API</title>'
		|| '<meta name="viewport" content="width=device-width, initial-scale=1">'
		|| '<style>body{font:15px/1.5 system-ui,sans-serif;margin:0;display:flex}nav{width:22rem;height:100vh;overflow:auto;position:sticky;top:0;background:#f5f5f5;padding:1rem;box-sizing:border-box}'
		|| 'nav ul{list-style:none;padding:0}nav a{text-decoration:none;color:#222}main{padding:1rem 2rem;max-width:60rem}'
		|| 'section{border-top:1px solid #ddd;padding:.5rem 0}pre{background:#f8f8f8;padding:.5rem;overflow:auto;font-size:13px}'
		|| 'table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:2px 6px;text-align:left;font-size:13px}'
		|| '.m{display:inline-block;min-width:4rem;font-weight:bold}.get{color:#0a6}.post{color:#06c}.patch{color:#a60}.delete{color:#c22}.d{color:#555}</style></head><body>'
		|| '<nav><h2>jobboard API ' || html_escape((SELECT d->'info'->>'version' FROM doc)) || '</h2><p><a href="/openapi.json">openapi.json</a></p><ul>'
		|| (SELECT html FROM toc) || '</ul></nav><main><h1>jobboard API</h1><p>'
		|| html_escape((SELECT d->'info'->>'description' FROM doc))
		|| '</p><p>Errors are <code>application/problem+json</code> (RFC 9457) with a stable <code>code</code>. Lists answer <code>{"data": [...], "next_cursor": ...}</code> and take <code>limit</code>, <code>cursor</code>, <code>page</code>, <code>sort</code> and <code>count=exact</code>.</p>'
		|| (SELECT html FROM body) || '<h2>Schemas</h2>'
		|| (SELECT string_agg(format('<section id="schema-%s"><h3>%s</h3><pre>%s</pre></section>', key, key, html_escape(jsonb_pretty(value))), '' ORDER BY key)
		      FROM doc, jsonb_each(d->'components'->'schemas'))
		|| '</main></body></html>'
$$;
COMMENT ON FUNCTION jobboard.docs_html() IS 'A self-contained HTML page of the API, rendered from jobboard.openapi().';
