-- wrk script of bench/bench.sh: one kind of request per run, chosen by the
-- arguments after "--":
--
--   path                      the URL's path as given (GET)
--   job   <first> <last>      GET /jobs/<random id in first..last>
--   me    <tokens file>       GET /me with a random access token of the file
--   note  <tokens file>       POST /notes {"title": ...} with a random token
--   login <users> <password>  POST /auth/login as user<random 1..users>@bench.example
--   mix   <first> <last> <tokens file>
--                             the RSS run: GET /health 90%, GET /jobs/{id} 5%,
--                             GET /me 4.5%, GET /jobs 0.5% (a mix that reaches
--                             1,000,000 requests in minutes on 2 cores)
--
-- done() prints one line "WRK {json}" with what bench.sh reads: requests,
-- seconds, req/s, p50/p99 latency (ms) and the error counters (status
-- counts non-2xx/3xx answers).

local mode, a1, a2, a3
local tokens = {}
local counter = 0

local function read_lines(file)
	local t = {}
	for line in io.lines(file) do
		if #line > 0 then t[#t + 1] = line end
	end
	assert(#t > 0, "no lines in " .. file)
	return t
end

local thread_no = 0
function setup(thread)
	thread_no = thread_no + 1
	thread:set("thread_no", thread_no)
end

function init(args)
	mode = args[1] or "path"
	a1, a2, a3 = args[2], args[3], args[4]
	math.randomseed(os.time() * 1000 + (thread_no or 0) * 7919)
	if mode == "job" then
		a1, a2 = tonumber(a1), tonumber(a2)
	elseif mode == "me" or mode == "note" then
		tokens = read_lines(a1)
	elseif mode == "login" then
		a1 = tonumber(a1)
	elseif mode == "mix" then
		a1, a2 = tonumber(a1), tonumber(a2)
		tokens = read_lines(a3)
	end
end

local function job()
	return wrk.format("GET", "/jobs/" .. math.random(a1, a2))
end

local function me()
	return wrk.format("GET", "/me", {["Authorization"] = "Bearer " .. tokens[math.random(#tokens)]})
end

function request()
	counter = counter + 1
	if mode == "job" then
		return job()
	elseif mode == "me" then
		return me()
	elseif mode == "note" then
		return wrk.format("POST", "/notes", {
			["Authorization"] = "Bearer " .. tokens[math.random(#tokens)],
			["Content-Type"] = "application/json"},
			'{"title": "bench note"}')
	elseif mode == "login" then
		return wrk.format("POST", "/auth/login", {["Content-Type"] = "application/json"},
			'{"email": "user' .. math.random(1, a1) .. '@bench.example", "password": "' .. a2 .. '"}')
	elseif mode == "mix" then
		local r = counter % 200
		if r < 180 then return wrk.format("GET", "/health")
		elseif r < 190 then return job()
		elseif r < 199 then return me() end
		return wrk.format("GET", "/jobs")
	end
	return wrk.format(nil, nil)
end

function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format(
		'WRK {"requests": %d, "seconds": %.3f, "rps": %.1f, "p50_ms": %.3f, "p99_ms": %.3f, ' ..
		'"max_ms": %.3f, "connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}\n',
		summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
		latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
		e.connect, e.read, e.write, e.status, e.timeout))
end
