-- cart_add.lua - wrk script for POST /cart/items: each request adds one unit of one of
-- the prepared SKUs to one of the prepared customers' carts, both chosen round-robin
-- (each wrk thread starts at a different offset), so concurrent requests rarely lock
-- the same cart. $CART_BENCH_FILE holds one "token product_id sku" line per
-- (customer, product) pair; bench/cart.sh writes it. Every add merges into an existing
-- line, so the stack runs with CART_MAX_QUANTITY high enough for the whole run.
local path = os.getenv("CART_BENCH_FILE")
if path == nil or path == "" then
    error("CART_BENCH_FILE is not set")
end
local pairs_ = {}
for line in io.lines(path) do
    local token, product, sku = line:match("^(%S+) (%S+) (%S+)$")
    if token ~= nil then
        pairs_[#pairs_ + 1] = {token = token, body = string.format(
            '{"product_id":"%s","sku":"%s","quantity":1}', product, sku)}
    end
end
if #pairs_ == 0 then
    error("no pairs in " .. path)
end

local counter = 0
local thread_no = 0

function setup(thread)
    thread:set("offset", thread_no * 7919)
    thread_no = thread_no + 1
end

function request()
    counter = counter + 1
    local p = pairs_[((offset or 0) + counter) % #pairs_ + 1]
    return wrk.format("POST", "/cart/items", {
        ["Authorization"] = "Bearer " .. p.token,
        ["Content-Type"] = "application/json",
        ["Accept"] = "application/json",
    }, p.body)
end
