-- wrk script for scripts/compare-postgres.sh: POSTs to the sidecar with a
-- random on-grid time per request, chosen as pgbench/free.sql does: a
-- random day of either semester, a start between 07:00 and 18:45, and for
-- find_free_rooms 1 to 3 one-hour ranges two hours apart.
-- Environment: MODE (free or soonest), OFF1, DAYS1, OFF2, DAYS2 (each
-- semester's first day in days since 1970-01-01 and its number of days).
local mode = os.getenv("MODE")
local off1, days1 = tonumber(os.getenv("OFF1")), tonumber(os.getenv("DAYS1"))
local off2, days2 = tonumber(os.getenv("OFF2")), tonumber(os.getenv("DAYS2"))

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.path = mode == "free" and "/api/rooms/find_free_rooms" or "/api/rooms/find_soonest_bookings"

local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end

-- Datetime strings are built from tables made once per thread: os.date
-- per request costs more than the sidecar's answer.
local dayText, slotText = {}, {}

function init(args)
  math.randomseed(os.time() * 100 + (seed or 0))
  for d = 0, days1 + days2 - 1 do
    local day = d < days1 and off1 + d or off2 + d - days1
    dayText[day] = os.date("!%Y-%m-%dT", day * 86400)
    dayText[day + 1] = os.date("!%Y-%m-%dT", (day + 1) * 86400)
  end
  for q = 0, 95 do
    slotText[q] = string.format("%02d:%02d:00.000Z", math.floor(q / 4), q % 4 * 15)
  end
end

-- stamp formats slot s (15-minute slots since 1970-01-01) as the API does.
local function stamp(s)
  return dayText[math.floor(s / 96)] .. slotText[s % 96]
end

function request()
  local d = math.random(0, days1 + days2 - 1)
  local day = d < days1 and off1 + d or off2 + d - days1
  local s0 = day * 96 + math.random(28, 75)
  local body
  if mode == "free" then
    local parts = {}
    for k = 0, math.random(1, 3) - 1 do
      local s = s0 + 8 * k
      parts[#parts + 1] = '{"start":"' .. stamp(s) .. '","end":"' .. stamp(s + 4) .. '"}'
    end
    body = '{"selection":[' .. table.concat(parts, ",") .. ']}'
  else
    body = '{"after_date":"' .. stamp(s0) .. '"}'
  end
  return wrk.format(nil, nil, nil, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %.0f %.3f %.3f %.3f %d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency.mean / 1000, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.status + e.timeout))
end
