-- Runs as an upstream filter on the provider clusters of rules whose backends name different
-- upstream models, so that every attempt's body carries the model of the backend it goes to.
-- The processor marks the requests that need it with the byte span of the body's top-level "model"
-- string ("start,end"), found by its JSON parser, so a "model" key inside tools or messages is
-- never touched. The router replays its own copy of the body on a retry, and the header map keeps
-- the span, so every attempt starts from the client's body. setBytes updates content-length.
local function refuse(handle)
  handle:respond({[":status"] = "500", ["content-type"] = "application/json"},
    '{"error":{"message":"The gateway could not set this attempt\'s model.",'
      .. '"type":"server_error","param":null,"code":"model_rewrite_failed"}}')
end

function envoy_on_request(handle)
  local headers = handle:headers()
  local span = headers:get("${MODEL_SPAN_HEADER}")
  if span == nil then
    return
  end
  local first, last = string.match(span, "^(%d+),(%d+)$")
  local model = headers:get("${UPSTREAM_MODEL_HEADER}")
  -- Model names are [A-Za-z0-9._:/@-] (the CRD's pattern): nothing in them needs JSON escaping.
  if first == nil or model == nil or not string.match(model, "^[%w._:/@-]+$") then
    refuse(handle)
    return
  end
  first = tonumber(first)
  last = tonumber(last)
  local body = handle:body()
  local size = body == nil and 0 or body:length()
  if last > size or first >= last or body:getBytes(first, 1) ~= '"' or body:getBytes(last - 1, 1) ~= '"' then
    refuse(handle)
    return
  end
  local quoted = '"' .. model .. '"'
  if body:getBytes(first, last - first) == quoted then
    return
  end
  local before = first > 0 and body:getBytes(0, first) or ""
  local after = last < size and body:getBytes(last, size - last) or ""
  body:setBytes(before .. quoted .. after)
end
