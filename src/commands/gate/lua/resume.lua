--[[
  Resumes a halted aggregate (operator action): clears the halt and returns the head to promote.

  KEYS[1]  gate LIST of the aggregate
  KEYS[2]  halted HASH
  KEYS[3]  backlog ZSET
  ARGV[1]  aggregate id
  ARGV[2]  now (ms)
  ARGV[3]  BullMQ key prefix of the queue (`<prefix>:<queue>:`)

  Returns the head command id (promoted into the wait list), false when the gate is empty; an
  error NOT_HALTED when the aggregate was not halted.
]]
-- @include promote
if redis.call('HDEL', KEYS[2], ARGV[1]) == 0 then return redis.error_reply('NOT_HALTED') end
local head = redis.call('LINDEX', KEYS[1], 0)
if not head then return false end
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
promoteParked(ARGV[3], head)
return head
