-- Route of API.md §3.8 (live events) and the fan-out function the shim's
-- listener calls (src/events.c).

INSERT INTO jobboard.routes (method, path, function, status, auth, read_only, cacheable, body, location, cookie, summary, kind) VALUES
	('GET', '/events', 'events', 200, 'user', false, false, 'none', NULL, NULL,
	 'Server-Sent Events for the signed-in user; Last-Event-ID replays what was missed', 'stream');

CREATE FUNCTION jobboard.events_after(after bigint, max_events int DEFAULT 1000) RETURNS jsonb
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = jobboard, pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'jb_events_after';
COMMENT ON FUNCTION jobboard.events_after(bigint, int) IS 'Events of every recipient after an id, oldest first (for the HTTP shim''s fan-out): {events: [{id, user_id, event, data}], head}.';
