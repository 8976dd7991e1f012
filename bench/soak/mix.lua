-- mix.lua - wrk script for the soak bench: a fixed mix of requests, each
-- with the status it must get; runs for the duration wrk is given, and
-- reports unexpected statuses (and socket errors) in done().
local mix = {
  {"GET",  "/local/42", nil, nil, 200},
  {"POST", "/body", '{"a":"x"}', "application/json", 200},
  {"GET",  "/local/7", nil, nil, 200},
  {"POST", "/body", '{"a": [1, 2', "application/json", 400},       -- malformed
  {"POST", "/body", '{"a":"fail"}', "application/json", 500},      -- flow fault
  {"POST", "/up/ok", '{"x":1}', "application/json", 200},          -- upstream ok
  {"GET",  "/nowhere", nil, nil, 404},
  {"POST", "/up/500", '{"x":1}', "application/json", 500},         -- upstream 500
  {"GET",  "/local/1", nil, nil, 200},
}
local threads = {}
local per_thread = 0

function setup(thread)
  table.insert(threads, thread)
end

function init(args)

  i, sent, got, unexpected = 0, 0, 0, 0
  reqs = {}
  for k, m in ipairs(mix) do
    local h = {}
    if m[4] then h["Content-Type"] = m[4] end
    reqs[k] = wrk.format(m[1], m[2], h, m[3])
  end
  counts = {}
  expected = {}
  for _, m in ipairs(mix) do expected[m[5]] = true end
end

function request()
  i = i % #mix + 1
  sent = sent + 1
  return reqs[i]
end

function response(status, headers, body)
  got = got + 1
  local k = "s" .. status
  counts[k] = (counts[k] or 0) + 1
  if not expected[status] then
    unexpected = unexpected + 1
    if unexpected <= 5 then print("unexpected", status, body) end
  end

end

function done(summary, latency, requests)
  local total, bad = 0, 0
  for _, t in ipairs(threads) do
    total = total + t:get("got")
    bad = bad + t:get("unexpected")
  end
  -- each status must come as often as the mix says (connections interleave,
  -- so answers are matched to the mix by count, not one by one)
  local want = {}
  for _, m in ipairs(mix) do want[m[5]] = (want[m[5]] or 0) + 1 end
  for status, n in pairs(want) do
    local have = 0
    for _, t in ipairs(threads) do have = have + (t:get("counts")["s" .. status] or 0) end
    local exp = total * n / #mix
    io.write(string.format("status %d: %d (mix: %.0f)\n", status, have, exp))
    if math.abs(have - exp) > 0.01 * exp + 64 then bad = bad + 1 end
  end
  local e = summary.errors
  io.write(string.format("soak: %d responses, %d unexpected statuses, socket errors " ..
    "connect %d read %d write %d timeout %d status %d\n", total, bad, e.connect, e.read,
    e.write, e.timeout, e.status))
end
