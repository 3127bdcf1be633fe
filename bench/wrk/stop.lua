-- bench.lua plus response(): each thread stops after the "stop=<n>"
-- argument's number of responses (the RSS run of bench.sh).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "bench.lua")

local seen = 0
function response(status, headers, body)
	seen = seen + 1
	if stop_after and seen >= stop_after then
		wrk.thread:stop()
	end
end
