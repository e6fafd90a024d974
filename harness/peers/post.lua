-- wrk script: POST /metrics with one metric, the request `loadtest` sends,
-- from many client ids: the Authorization cycles over CLIENTS ids, one per
-- request (wrk has no hook per connection, so ids cannot be tied to
-- connections; with as many ids as connections each id carries an equal
-- share of the load, as each of loadtest's clients does). So a rate limiter
-- keyed by Authorization sees CLIENTS clients, and its lock table and window
-- are on every request's path.
--
--   wrk ... -s harness/peers/post.lua URL -- [CLIENTS]      (default 50)
--
-- The requests are formatted once in init (headers given with -H, such as
-- "Connection: close", included); request() only picks the next one.
local reqs, n, i = {}, 50, 0
local body = '{"metrics":[{"name":"lab_load_0","value":0.5,"type":"gauge","timestamp":1732640000000,"tags":{"host":"h0"}}]}'

function init(args)
	if args[1] then n = tonumber(args[1]) end
	for c = 1, n do
		local h = {}
		for k, v in pairs(wrk.headers) do h[k] = v end
		h["Content-Type"] = "application/json"
		h["Authorization"] = "wrk-" .. (c - 1)
		reqs[c] = wrk.format("POST", "/metrics", h, body)
	end
end

function request()
	i = i % n + 1
	return reqs[i]
end
