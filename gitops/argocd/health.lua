-- Argo CD health of a Tollgate resource (ModelProvider, AIRoute, TokenQuota), from the conditions
-- the Tollgate operator writes:
--   Healthy      Programmed=True for the resource's current generation: every connected Envoy
--                acknowledged the configuration that carries it;
--   Progressing  no status yet, the operator has not seen this generation, or Programmed=False
--                with reason Pending (published, not yet acknowledged, or no Envoy connected);
--   Degraded     Accepted=False (the message names the field and the fix), or Programmed=False
--                with reason Rejected (an Envoy refused it) or NotAccepted.
-- A ResolvedRefs=False (e.g. a client key Secret missing) is named in the message of a healthy
-- resource: the resource is served, some of its references are not.
hs = {}
local function find(conditions, type)
  for _, condition in ipairs(conditions) do
    if condition.type == type then
      return condition
    end
  end
  return nil
end
if obj.status == nil or obj.status.conditions == nil or #obj.status.conditions == 0 then
  hs.status = "Progressing"
  hs.message = "Waiting for the Tollgate operator to report status"
  return hs
end
local conditions = obj.status.conditions
local generation = obj.metadata.generation
local accepted = find(conditions, "Accepted")
local programmed = find(conditions, "Programmed")
local resolved = find(conditions, "ResolvedRefs")
if accepted ~= nil and accepted.status == "False" then
  hs.status = "Degraded"
  hs.message = "Not accepted (" .. (accepted.reason or "") .. "): " .. (accepted.message or "")
  return hs
end
if programmed == nil or (generation ~= nil and programmed.observedGeneration ~= nil
    and programmed.observedGeneration < generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the Tollgate operator to process generation " .. tostring(generation)
  return hs
end
if programmed.status == "True" then
  hs.status = "Healthy"
  hs.message = programmed.message or "Programmed"
  if resolved ~= nil and resolved.status == "False" then
    hs.message = "Programmed; unresolved references (" .. (resolved.reason or "") .. "): "
      .. (resolved.message or "")
  end
  return hs
end
if programmed.reason == "Pending" then
  hs.status = "Progressing"
else
  hs.status = "Degraded"
end
hs.message = (programmed.reason or "NotProgrammed") .. ": " .. (programmed.message or "")
return hs
