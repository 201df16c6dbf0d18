--[[
  Included by the gate scripts: moves one parked (delayed) job into the queue's wait list, as
  BullMQ 6.7's promote-9.lua does for a job without priority (the gate never sets priorities):
  remove it from the delayed set, push it to the wait list, add the worker marker unless the queue
  is paused or at its global concurrency, emit 'waiting', and clear the job's delay. Doing it here
  instead of calling job.promote() saves a round trip per command. BullMQ is pinned: re-check this
  against promote-9.lua when upgrading it.

  queueKey: BullMQ's key prefix of the queue (`<prefix>:<queue>:`). Returns true when promoted,
  false when the job was not delayed (already promoted, running or finished).
]]
local function promoteParked(queueKey, jobId)
  if redis.call('ZREM', queueKey .. 'delayed', jobId) == 0 then return false end
  redis.call('LPUSH', queueKey .. 'wait', jobId)
  local meta = redis.call('HMGET', queueKey .. 'meta', 'paused', 'concurrency')
  local pausedOrMaxed = meta[1] ~= false
  if not pausedOrMaxed and meta[2] then
    pausedOrMaxed = redis.call('LLEN', queueKey .. 'active') >= tonumber(meta[2])
  end
  if not pausedOrMaxed then redis.call('ZADD', queueKey .. 'marker', 0, '0') end
  redis.call('XADD', queueKey .. 'events', '*', 'event', 'waiting', 'jobId', jobId, 'prev', 'delayed')
  redis.call('HSET', queueKey .. jobId, 'delay', 0)
  return true
end
