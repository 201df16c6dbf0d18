--[[
  Resumes a halted aggregate (operator action): clears the halt and returns the head to promote.

  KEYS[1]  gate LIST of the aggregate
  KEYS[2]  halted HASH
  KEYS[3]  backlog ZSET
  ARGV[1]  aggregate id
  ARGV[2]  now (ms)
  ARGV[3]  BullMQ key prefix of the queue (`<prefix>:<queue>:`)

  Returns { status, head }: status 'resumed' with the head command id (promoted into the wait
  list) or false when the gate is empty; status 'not_halted' (and nothing changed) when the
  aggregate was not halted. A status value, not an error reply: callers branch on data, not on
  the text of an error message.
]]
-- @include promote
if redis.call('HDEL', KEYS[2], ARGV[1]) == 0 then return { 'not_halted', false } end
local head = redis.call('LINDEX', KEYS[1], 0)
if not head then return { 'resumed', false } end
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
promoteParked(ARGV[3], head)
return { 'resumed', head }
