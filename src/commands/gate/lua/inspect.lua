--[[
  The reconciler's sweep: finds aggregates whose gate made no progress for a while and reports the
  state of each one's head job, so the caller can heal a crash between two steps (advance a gate
  whose head finished, promote a head that is still parked). Each inspected aggregate's progress
  time is set to now, so the next sweep looks at it again only after another quiet period.

  KEYS[1]  backlog ZSET
  KEYS[2]  halted HASH
  KEYS[3]  BullMQ delayed ZSET (score = due time in ms * 4096 + counter)
  ARGV[1]  now (ms)
  ARGV[2]  stale before (ms): inspect aggregates with no progress since then
  ARGV[3]  how many aggregates at most
  ARGV[4]  key prefix of gate lists (the aggregate id is appended)
  ARGV[5]  key prefix of BullMQ job hashes (the job id is appended)
  ARGV[6]  parked after (ms): a delayed job due later than this is parked, not backing off (a
           delayed job that never ran, attempts made 0, is parked too)

  Returns a flat array: aggregate id, head command id, head state, ... where the state is
  'completed', 'failed', 'missing' (job removed), 'parked', or 'busy' (waiting, running, retrying).
  Halted aggregates and empty gates are left out.
]]
local result = {}
local stale = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
for _, aggregateId in ipairs(stale) do
  local head = redis.call('LINDEX', ARGV[4] .. aggregateId, 0)
  if not head then
    redis.call('ZREM', KEYS[1], aggregateId)
  else
    redis.call('ZADD', KEYS[1], ARGV[1], aggregateId)
    if redis.call('HEXISTS', KEYS[2], aggregateId) == 0 then
      local job = ARGV[5] .. head
      local state = 'busy'
      if redis.call('EXISTS', job) == 0 then
        state = 'missing'
      elseif redis.call('HEXISTS', job, 'finishedOn') == 1 then
        if redis.call('HEXISTS', job, 'returnvalue') == 1 then state = 'completed' else state = 'failed' end
      else
        local score = redis.call('ZSCORE', KEYS[3], head)
        if score then
          local neverRan = (tonumber(redis.call('HGET', job, 'atm')) or 0) == 0
          if neverRan or math.floor(tonumber(score) / 4096) > tonumber(ARGV[6]) then state = 'parked' end
        end
      end
      table.insert(result, aggregateId)
      table.insert(result, head)
      table.insert(result, state)
    end
  end
end
return result
