-- One wrk script for every row, configured through the environment:
--   BENCH_METHOD, BENCH_PATH, BENCH_BODY, BENCH_HEADERS ("Name: value|Name: value"),
--   BENCH_IDS (a file of ids, one a line), BENCH_OK_STATUS (the status that counts as a
--   success, when it is not a 2xx). "{n}" in path/body becomes a number unique
--   to this request; "{id}" a random line of BENCH_IDS, the same in path and body; a
--   line of tab-separated fields gives "{id}" the first and "{id2}" the second (a
--   customer and its wallet). done() prints one JSON line.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local method, path_t, body_t, ids, ok_status

function init(args)
  method = os.getenv("BENCH_METHOD") or "GET"
  path_t = os.getenv("BENCH_PATH") or "/"
  body_t = os.getenv("BENCH_BODY")
  ok_status = tonumber(os.getenv("BENCH_OK_STATUS") or "")
  local raw = os.getenv("BENCH_HEADERS") or ""
  for pair in string.gmatch(raw, "[^|]+") do
    local name, value = string.match(pair, "^%s*([^:]+):%s*(.*)$")
    if name then wrk.headers[name] = value end
  end
  if body_t then wrk.headers["Content-Type"] = "application/json" end
  ids = {}
  local file = os.getenv("BENCH_IDS")
  if file and file ~= "" then
    for line in io.lines(file) do table.insert(ids, line) end
  end
  seq = 0
  ok = 0
  bad = 0
  statuses = ""
  math.randomseed(os.time() + tid * 7919)
end

local function fill(template, n, fields)
  if not template then return nil end
  local out = string.gsub(template, "{n}", n)
  if fields[1] then out = string.gsub(out, "{id}", fields[1]) end
  if fields[2] then out = string.gsub(out, "{id2}", fields[2]) end
  return out
end

function request()
  seq = seq + 1
  local n = string.format("%d-%d-%d", tid, seq, math.random(1, 1000000000))
  local fields = {}
  if #ids > 0 then
    for field in string.gmatch(ids[math.random(1, #ids)], "[^\t]+") do table.insert(fields, field) end
  end
  return wrk.format(method, fill(path_t, n, fields), nil, fill(body_t, n, fields))
end

function response(status, headers, body)
  if (ok_status and status == ok_status) or (not ok_status and status >= 200 and status < 300) then
    ok = ok + 1
  else
    bad = bad + 1
    if #statuses < 60 then statuses = statuses .. status .. " " end
  end
end

function done(summary, latency, requests)
  local total_ok, total_bad, seen = 0, 0, ""
  for _, t in ipairs(threads) do
    total_ok = total_ok + t:get("ok")
    total_bad = total_bad + t:get("bad")
    seen = seen .. (t:get("statuses") or "")
  end
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "ok": %d, "bad": %d, ' ..
    '"errors": %d, "bad_statuses": "%s"}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    total_ok, total_bad,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    seen))
end
