--[[
  Moves an aggregate's gate on after its head command finished for good (completed, or failed
  with no retries left). Idempotent: only pops when the head is still that command, so the worker
  and the reconciler may both call it.

  KEYS[1]  gate LIST of the aggregate
  KEYS[2]  backlog ZSET
  KEYS[3]  halted HASH
  KEYS[4]  size STRING
  KEYS[5]  versions HASH (see claim.lua)
  ARGV[1]  aggregate id
  ARGV[2]  command id that finished
  ARGV[3]  now (ms)
  ARGV[4]  '' to continue, or the halt record (JSON) to halt the aggregate (failure policy 'halt')
  ARGV[5]  the aggregate's version after the command, or '' when unknown
  ARGV[6]  BullMQ key prefix of the queue (`<prefix>:<queue>:`)

  Returns the id of the new head, which it promoted (if still parked) into the wait list, or
  false when the gate is empty or the aggregate is halted.
]]
-- @include promote
if redis.call('LINDEX', KEYS[1], 0) == ARGV[2] then
  redis.call('LPOP', KEYS[1])
  redis.call('DECR', KEYS[4])
  if ARGV[4] ~= '' then redis.call('HSET', KEYS[3], ARGV[1], ARGV[4]) end
  if ARGV[5] ~= '' then redis.call('HSET', KEYS[5], ARGV[1], ARGV[5]) else redis.call('HDEL', KEYS[5], ARGV[1]) end
end
local head = redis.call('LINDEX', KEYS[1], 0)
if not head then
  -- Forget the idle aggregate: Redis only holds aggregates with queued commands.
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('HDEL', KEYS[5], ARGV[1])
  return false
end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
if redis.call('HEXISTS', KEYS[3], ARGV[1]) == 1 then return false end
promoteParked(ARGV[6], head)
return head
