-- TestE2E's wrk script: both searches alternately (their bodies from
-- E2E_FREE_BODY and E2E_SOONEST_BODY); a response() hook counts the
-- non-2xx responses, the 5xx among them, and 200s whose body is not a JSON
-- array; done() prints one RESULT line with wrk's own error counts.
local free_body = os.getenv("E2E_FREE_BODY")
local soonest_body = os.getenv("E2E_SOONEST_BODY")
assert(free_body and soonest_body, "E2E_FREE_BODY and E2E_SOONEST_BODY must be set")
local reqs = {}
local n = 0
non2xx, s5xx, badbody = 0, 0, 0
init = function(args)
  local h = { ["Content-Type"] = "application/json" }
  reqs[1] = wrk.format("POST", "/api/rooms/find_free_rooms", h, free_body)
  reqs[2] = wrk.format("POST", "/api/rooms/find_soonest_bookings", h, soonest_body)
end
request = function()
  n = n + 1
  return reqs[n % 2 + 1]
end
response = function(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
  if status >= 500 then s5xx = s5xx + 1 end
  if status == 200 and string.sub(body, 1, 1) ~= "[" then badbody = badbody + 1 end
end
local threads = {}
setup = function(thread) table.insert(threads, thread) end
done = function(summary, latency, requests)
  local a, b, c = 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("non2xx"); b = b + t:get("s5xx"); c = c + t:get("badbody")
  end
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d %d %d %d %.1f %.1f\n",
    summary.requests, e.connect, e.read, e.write, e.timeout, e.status, a, b, c,
    latency:percentile(99) / 1000, latency.max / 1000))
end
