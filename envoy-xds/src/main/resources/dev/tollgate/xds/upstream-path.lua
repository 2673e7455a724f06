-- Runs as an upstream filter on every attempt to a provider that needs a different path than
-- the client's /v1/... path. Upstream filters' header edits persist into retry attempts, so the
-- client's path is kept in a header on the first run and every attempt starts again from it.
-- The header_mutation filter before this one sets the three x-tollgate-path-* headers; "-" means
-- "nothing to do".
function envoy_on_request(handle)
  local headers = handle:headers()
  local prefix = headers:get("x-tollgate-path-prefix")
  if prefix == nil then
    return
  end
  local path = headers:get("x-tollgate-client-path")
  if path == nil then
    path = headers:get(":path")
    headers:add("x-tollgate-client-path", path)
  end
  local strip = headers:get("x-tollgate-path-strip")
  if strip ~= nil and strip ~= "-" and string.sub(path, 1, #strip) == strip then
    path = string.sub(path, #strip + 1)
  end
  if prefix ~= "-" then
    path = prefix .. path
  end
  local query = headers:get("x-tollgate-path-query")
  if query ~= nil and query ~= "-" then
    if string.find(path, "?", 1, true) then
      path = path .. "&" .. query
    else
      path = path .. "?" .. query
    end
  end
  headers:replace(":path", path)
  headers:remove("x-tollgate-path-prefix")
  headers:remove("x-tollgate-path-strip")
  headers:remove("x-tollgate-path-query")
  headers:remove("x-tollgate-credential")
end
