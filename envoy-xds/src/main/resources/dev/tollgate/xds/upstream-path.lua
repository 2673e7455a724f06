-- Runs as an upstream filter on every attempt to a provider that needs a different path than
-- the client's /v1/... path. Upstream filters' header edits persist into retry attempts, so the
-- client's path is kept on the first run and every attempt starts again from it. It is kept in
-- the request's dynamic metadata (upstream filters share the downstream request's), not in a
-- header, which would reach the provider.
-- The header_mutation filter before this one sets the four x-tollgate-path-* headers; "-" means
-- "nothing to do". A Responses API path (/v1/responses...) to a provider that serves it on its own
-- base (Azure OpenAI's /openai/v1) gets that base in place of /v1 and nothing else.
function envoy_on_request(handle)
  local headers = handle:headers()
  local prefix = headers:get("${PATH_PREFIX_HEADER}")
  if prefix == nil then
    return
  end
  local metadata = handle:streamInfo():dynamicMetadata()
  local kept = metadata:get("${PATH_NAMESPACE}")
  local path = kept ~= nil and kept["${CLIENT_PATH_KEY}"] or nil
  if path == nil then
    path = headers:get(":path")
    metadata:set("${PATH_NAMESPACE}", "${CLIENT_PATH_KEY}", path)
  end
  local responses = headers:get("${PATH_RESPONSES_HEADER}")
  local rest = string.sub(path, 14, 14)
  if responses ~= nil and responses ~= "${NOTHING}" and string.sub(path, 1, 13) == "/v1/responses"
      and (rest == "" or rest == "/" or rest == "?") then
    path = responses .. string.sub(path, 4)
  else
    local strip = headers:get("${PATH_STRIP_HEADER}")
    if strip ~= nil and strip ~= "${NOTHING}" and string.sub(path, 1, #strip) == strip then
      path = string.sub(path, #strip + 1)
    end
    if prefix ~= "${NOTHING}" then
      path = prefix .. path
    end
    local query = headers:get("${PATH_QUERY_HEADER}")
    if query ~= nil and query ~= "${NOTHING}" then
      if string.find(path, "?", 1, true) then
        path = path .. "&" .. query
      else
        path = path .. "?" .. query
      end
    end
  end
  headers:replace(":path", path)
  headers:remove("${PATH_PREFIX_HEADER}")
  headers:remove("${PATH_STRIP_HEADER}")
  headers:remove("${PATH_QUERY_HEADER}")
  headers:remove("${PATH_RESPONSES_HEADER}")
  headers:remove("${CREDENTIAL_HEADER}")
end
