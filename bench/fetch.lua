-- wrk script of the fetch storm: the three GETs a viral statement gets, in
-- turn, with the Accept header each sender uses. Mastodon fetches the actor
-- and the post with "application/activity+json, application/ld+json"; a
-- browser (or a link preview) fetches the page as HTML. BENCH_SLUG names the
-- statement.
local slug = os.getenv("BENCH_SLUG") or "hov"
local as = "application/activity+json, application/ld+json"
local html = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
local requests = {}
local i = 0

init = function(args)
	requests[1] = wrk.format("GET", "/s/" .. slug, { ["Accept"] = as })
	requests[2] = wrk.format("GET", "/s/" .. slug .. "/post", { ["Accept"] = as })
	requests[3] = wrk.format("GET", "/s/" .. slug, { ["Accept"] = html })
end

request = function()
	i = i % 3 + 1
	return requests[i]
end

-- A run with errors is no measurement: say so.
done = function(summary, latency, requests)
	local e = summary.errors
	local bad = e.connect + e.read + e.write + e.timeout + e.status
	if bad > 0 then
		io.write(string.format("errors: %d (status %d)\n", bad, e.status))
	end
end
