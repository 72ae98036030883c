-- webhook.lua - wrk script: POST /payment/webhook/fake with pre-signed webhooks.
--
-- Environment: WRK_THREADS (wrk's -t), WEBHOOK_FILE, lines "<X-Webhook-Signature value>\t<body>" written by
-- bench/webhooks.sh just before the run (signatures carry a timestamp, valid 300 s).
-- Thread i of n sends lines i, i+n, i+2n, ... and wraps around at the end (after which
-- every request is a duplicate). done() prints "statuses: 200=N ..." and
-- "results: applied=N duplicate=N ..." for the script that reads wrk's output.
local file = os.getenv("WEBHOOK_FILE")
if file == nil or file == "" then
    error("WEBHOOK_FILE is not set")
end

local threads = {}
local next_id = 1

function setup(thread)
    thread:set("id", next_id)
    next_id = next_id + 1
    table.insert(threads, thread)
end

statuses = {}
results = {}
local lines = {}
local at = 0
local step = tonumber(os.getenv("WRK_THREADS") or "1")

function init(args)
    for line in io.lines(file) do
        lines[#lines + 1] = line
    end
    at = id - 1
    wrk.method = "POST"
    wrk.path = "/payment/webhook/fake"
    wrk.headers["Content-Type"] = "application/json"
end

function request()
    local line = lines[(at % #lines) + 1]
    at = at + step
    local tab = string.find(line, "\t", 1, true)
    wrk.headers["X-Webhook-Signature"] = string.sub(line, 1, tab - 1)
    return wrk.format(nil, nil, nil, string.sub(line, tab + 1))
end

function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
    local r = string.match(body or "", '"result":"([a-z_]+)"')
    if r ~= nil then
        results[r] = (results[r] or 0) + 1
    end
end

function done(summary, latency, requests)
    local st, rs = {}, {}
    for _, t in ipairs(threads) do
        for k, v in pairs(t:get("statuses")) do st[k] = (st[k] or 0) + v end
        for k, v in pairs(t:get("results")) do rs[k] = (rs[k] or 0) + v end
    end
    local out = "statuses:"
    for k, v in pairs(st) do out = out .. " " .. k .. "=" .. v end
    print(out)
    out = "results:"
    for k, v in pairs(rs) do out = out .. " " .. k .. "=" .. v end
    print(out)
end
