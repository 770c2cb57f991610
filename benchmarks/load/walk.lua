-- wrk script: each request takes the next path of a list (one per line, in the file named by the
-- first argument after `--`), wrapping at the end; threads start at evenly spread places.
-- Every answer that is not a 200 is counted by status. At the end one line, "LOADJSON {...}",
-- carries the figures the harness reads.

local threads = {}
local count = 0

function setup(thread)
  thread:set("id", count)
  count = count + 1
  table.insert(threads, thread)
end

local requests, n, i = {}, 0, 0
statuses = {}

function init(args)
  for line in io.lines(args[1]) do
    if line ~= "" then
      n = n + 1
      requests[n] = wrk.format("GET", line)
    end
  end
  local nthreads = tonumber(args[2]) or 1
  i = math.floor(id * n / nthreads)
end

function request()
  i = i % n + 1
  return requests[i]
end

function response(status, headers, body)
  if status ~= 200 then
    statuses[status] = (statuses[status] or 0) + 1
  end
end

function done(summary, latency, _)
  local non200, by_status = 0, {}
  for _, thread in ipairs(threads) do
    for status, k in pairs(thread:get("statuses")) do
      non200 = non200 + k
      by_status[status] = (by_status[status] or 0) + k
    end
  end
  local parts = {}
  for status, k in pairs(by_status) do
    table.insert(parts, string.format('"%d":%d', status, k))
  end
  local e = summary.errors
  io.write(string.format(
    'LOADJSON {"requests":%d,"duration_us":%d,"bytes":%d,"non200":%d,"statuses":{%s},' ..
    '"connect":%d,"read":%d,"write":%d,"timeout":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"mean_us":%.1f,"max_us":%d}\n',
    summary.requests, summary.duration, summary.bytes, non200, table.concat(parts, ","),
    e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max))
end
