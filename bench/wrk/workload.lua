-- One wrk script for every workload. Arguments (after `--`):
--   kind      rotate (reject each id once) | get (read rotating ids) | static | mix
--   expected  the status every response should have (0 = only 5xx and socket errors count as errors)
--   key       API key ("-" for none)
--   body      JSON body for static requests
--   path      request path for static requests
--   ids       file of container ids, one per line (rotate, mix)
-- Each thread takes every n-th id, so no two requests reject the same container.
-- done() prints one machine-readable line: RESULT rps p50_ms p99_ms errors total

local threads = {}

function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end

function init(args)
  kind, expected, key, body, path, idfile = args[1], tonumber(args[2]), args[3], args[4], args[5], args[6]
  nthreads = tonumber(args[7] or "1")
  errors, total = 0, 0
  ids, cursor = {}, 0
  if idfile and idfile ~= "-" then
    local i = 0
    for line in io.lines(idfile) do
      if i % nthreads == index then table.insert(ids, line) end
      i = i + 1
    end
  end
  headers = {["Content-Type"] = "application/json"}
  if key ~= "-" then headers["X-Api-Key"] = key end
end

local function reject(id, b, h)
  return wrk.format("POST", "/v1/content/" .. id .. "/reject", h or headers, b or body)
end

function request()
  if kind == "static" then
    return wrk.format("POST", path, headers, body)
  end
  cursor = cursor + 1
  local id = ids[((cursor - 1) % #ids) + 1]
  if kind == "rotate" then
    return reject(id)
  elseif kind == "get" then
    return wrk.format("GET", "/v1/content/" .. id, headers, nil)
  end
  -- mix: fresh reject, repeat reject (409), invalid body (422), no key (401), GET
  local pick = cursor % 5
  if pick == 0 then return reject(id)
  elseif pick == 1 then return reject(ids[1])
  elseif pick == 2 then return reject(id, '{"reason": ""}')
  elseif pick == 3 then return reject(id, nil, {["Content-Type"] = "application/json"})
  else return wrk.format("GET", "/v1/content/" .. id, headers, nil) end
end

function response(status, hdrs, b)
  total = total + 1
  if (expected > 0 and status ~= expected) or status >= 500 then errors = errors + 1 end
end

function done(summary, latency, requests)
  local e, t = 0, 0
  for _, thread in ipairs(threads) do
    e = e + thread:get("errors")
    t = t + thread:get("total")
  end
  local s = summary.errors
  e = e + s.connect + s.read + s.write + s.timeout
  io.write(string.format("RESULT %.1f %.3f %.3f %d %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, e, t))
end
