-- The route table: the one description of the HTTP surface. Each domain's
-- file inserts its routes; 80_entry_points.sql then creates every entry point
-- function from it, so a route cannot exist without its function or the other
-- way round. The shim loads it through api_routes().

CREATE TABLE jobboard.routes (
	method     text NOT NULL CHECK (method IN ('GET', 'POST', 'PATCH', 'PUT', 'DELETE')),
	path       text NOT NULL CHECK (path ~ '^/'),
	function   text NOT NULL CHECK (function ~ '^[a-z][a-z0-9_]*$'),
	status     int NOT NULL CHECK (status IN (200, 201, 204)),
	auth       text NOT NULL,
	read_only  boolean NOT NULL,
	cacheable  boolean NOT NULL DEFAULT false,
	body       text NOT NULL DEFAULT 'none' CHECK (body IN ('none', 'json', 'multipart')),
	location   text,
	cookie     text,
	summary    text NOT NULL,
	-- json: (token text, args jsonb) RETURNS jsonb; upload: the body's file
	-- arrives as a third argument, data bytea; download: RETURNS (file jsonb,
	-- data bytea), the bytes being the response body; stream: a Server-Sent
	-- Events stream opened by this json function (docs/INTERFACE.md).
	kind       text NOT NULL DEFAULT 'json' CHECK (kind IN ('json', 'upload', 'download', 'stream')),
	PRIMARY KEY (method, path),
	UNIQUE (function)
);

