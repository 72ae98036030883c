-- paced.lua - wrk script for the "half load" runs: like auth.lua (every request carries
-- the bearer token from $TOKEN), and each connection pauses $DELAY_MS milliseconds
-- before each request, so C connections offer about C * 1000 / (DELAY_MS + latency)
-- requests per second. wrk has no rate control of its own; bench/run.sh computes
-- DELAY_MS from the measured peak. The pause is whole milliseconds (wrk's timer).
local token = os.getenv("TOKEN")
if token == nil or token == "" then
    error("TOKEN is not set")
end
local pause = tonumber(os.getenv("DELAY_MS") or "")
if pause == nil or pause < 0 then
    error("DELAY_MS is not set")
end
wrk.headers["Authorization"] = "Bearer " .. token
wrk.headers["Accept"] = "application/json"

function delay()
    return pause
end
