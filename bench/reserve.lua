-- reserve.lua - wrk script: POST /internal/reservations, each request for a new order.
--
-- Environment: SERVICE_TOKEN (inventory's service credential), SKU_PREFIX and SKU_COUNT:
-- each request reserves 1 unit of "<SKU_PREFIX><n>" with n uniform in 1..SKU_COUNT, or of
-- SKU_PREFIX itself when SKU_COUNT is 0 (one hot SKU). Order ids are UUID-shaped and unique
-- per run, thread and request. done() prints "statuses: 201=N 409=N ..." for the script
-- that reads wrk's output.
local token = os.getenv("SERVICE_TOKEN")
local prefix = os.getenv("SKU_PREFIX") or "BENCH-"
local count = tonumber(os.getenv("SKU_COUNT") or "0")
if token == nil or token == "" then
    error("SERVICE_TOKEN is not set")
end

local threads = {}
local next_id = 1

function setup(thread)
    thread:set("id", next_id)
    next_id = next_id + 1
    table.insert(threads, thread)
end

local counter = 0
local run = os.time()
statuses = {} -- a global: done() reads it from each thread with thread:get

function init(args)
    math.randomseed(run * 100 + id)
    wrk.method = "POST"
    wrk.path = "/internal/reservations"
    wrk.headers["Content-Type"] = "application/json"
    wrk.headers["X-Service-Token"] = token
end

function request()
    counter = counter + 1
    -- 8-4-4-4-12 hex: run time, thread, version 4, variant, per-thread counter.
    local order = string.format("%08x-%04x-4%03x-a%03x-%012x", run % 0x100000000, id,
                                math.random(0, 0xfff), math.random(0, 0xfff), counter)
    local sku = prefix
    if count > 0 then
        sku = prefix .. math.random(1, count)
    end
    return wrk.format(nil, nil, nil, string.format(
        '{"order_id":"%s","lines":[{"sku":"%s","quantity":1}]}', order, sku))
end

function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
    local total = {}
    for _, thread in ipairs(threads) do
        local s = thread:get("statuses")
        for k, v in pairs(s) do
            total[k] = (total[k] or 0) + v
        end
    end
    local line = "statuses:"
    for k, v in pairs(total) do
        line = line .. string.format(" %d=%d", k, v)
    end
    print(line)
end
