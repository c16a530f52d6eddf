-- The load scenarios of oms, for wrk. The scenario, the id ranges and the seed
-- come from the environment (see bench/run). Each thread draws its ids from its
-- own seeded generator, so a run sends the same requests every time.
local scenario = os.getenv("SCENARIO") or "get_product"
local prefix = os.getenv("API_PREFIX") or "/api/v1"
local users = tonumber(os.getenv("USERS") or "10000")
local products = tonumber(os.getenv("PRODUCTS") or "1000")
local orders = tonumber(os.getenv("ORDERS") or "100000")
local seed = tonumber(os.getenv("SEED") or "42")

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

local json = { ["Content-Type"] = "application/json" }

-- API_KEY in the environment: every request carries it as a bearer token.
local key = os.getenv("API_KEY")
if key ~= nil and key ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. key
  json["Authorization"] = "Bearer " .. key
end

local keyed = {}
for name, value in pairs(json) do
  keyed[name] = value
end
local run = os.time()

function init(args)
  math.randomseed(seed * 1000 + id)
  failures = 0
  sent = 0
end

-- Orders whose id is 4, 5 or 6 modulo 10 are shipped in the seeded data, so
-- patching them to "shipped" keeps the status mix the list scenarios read.
local function shipped_order()
  local n = math.random(0, math.floor(orders / 10) - 1)
  return n * 10 + 4 + math.random(0, 2)
end

-- An order of three lines of products seven apart, for a random user.
function order_body()
  local first = math.random(1, products)
  local lines = {}
  for k = 0, 2 do
    local product = (first + k * 7 - 1) % products + 1
    table.insert(lines, string.format('{"product_id":%d,"quantity":%d}', product, math.random(1, 5)))
  end
  return string.format('{"user_id":%d,"items":[%s]}', math.random(1, users), table.concat(lines, ","))
end

local builders = {
  list_filtered = function()
    return wrk.format("GET", prefix .. "/orders?status=paid&limit=20")
  end,
  list_by_user = function()
    return wrk.format("GET", prefix .. "/orders?user_id=" .. math.random(1, users))
  end,
  list_by_product_daterange = function()
    return wrk.format("GET", prefix .. "/orders?product_id=" .. math.random(1, products)
      .. "&start_date=2024-01-01T00:00:00Z&end_date=2024-03-31T23:59:59Z")
  end,
  get_product = function()
    return wrk.format("GET", prefix .. "/products/" .. math.random(1, products))
  end,
  create_order = function()
    return wrk.format("POST", prefix .. "/orders", json, order_body())
  end,
  -- Each order with an Idempotency-Key of its own, never sent before: the
  -- run's start time keeps keys apart from those of earlier runs.
  create_order_keyed = function()
    sent = sent + 1
    keyed["Idempotency-Key"] = string.format("bench-%d-%d-%d", run, id, sent)
    return wrk.format("POST", prefix .. "/orders", keyed, order_body())
  end,
  patch_order = function()
    return wrk.format("PATCH", prefix .. "/orders/" .. shipped_order(), json, '{"status":"shipped"}')
  end,
}

request = builders[scenario] or error("unknown scenario " .. scenario)

function response(status, headers, body)
  if status < 200 or status > 299 then
    failures = failures + 1
  end
end

function done(summary, latency, requests)
  local failed = 0
  for _, thread in ipairs(threads) do
    failed = failed + thread:get("failures")
  end
  local errors = summary.errors
  local socket = errors.connect + errors.read + errors.write + errors.timeout
  io.write(string.format("RESULT %.1f %.2f %.2f %d %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    failed, socket))
end
