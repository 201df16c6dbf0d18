--[[
  Moves an aggregate's gate on after its head command finished for good (completed, or failed
  with no retries left). Idempotent: only pops when the head is still that command, so the worker
  and the reconciler may both call it.

  Before popping the head, it finishes the followers the head's worker appended in the head's
  statement (see claim.lua): each one's job moves from parked (delayed) to completed with its
  outcome as return value, as BullMQ 6.7's moveToFinished-14.lua completes a job (fields
  returnvalue, finishedOn, processedOn, atm; the completed ZSET; a 'completed' event), and leaves
  the gate. Trimming the completed set (removeOnComplete) happens when BullMQ completes the head.
  It stops at the first follower no longer parked right behind the head: that one runs later as a
  head, finds its command processed in the store, and completes with the recorded outcome. BullMQ
  is pinned: re-check this against moveToFinished-14.lua when upgrading it.

  KEYS[1]  gate LIST of the aggregate
  KEYS[2]  backlog ZSET
  KEYS[3]  halted HASH
  KEYS[4]  size STRING
  KEYS[5]  versions HASH (see claim.lua)
  ARGV[1]  aggregate id
  ARGV[2]  command id that finished
  ARGV[3]  now (ms)
  ARGV[4]  '' to continue, or the halt record (JSON) to halt the aggregate (failure policy 'halt')
  ARGV[5]  the aggregate's version after the command (and its followers), or '' when unknown
  ARGV[6]  BullMQ key prefix of the queue (`<prefix>:<queue>:`)
  ARGV[7+2i-2], ARGV[7+2i-1]  the i-th follower's command id and outcome (JSON), in gate order

  Returns { new head or false, followers finished }: the new head was promoted (if still parked)
  into the wait list; false when the gate is empty or the aggregate is halted.
]]
-- @include promote
local queueKey = ARGV[6]
local finished = 0
if redis.call('LINDEX', KEYS[1], 0) == ARGV[2] then
  for i = 7, #ARGV, 2 do
    local follower = ARGV[i]
    if redis.call('LINDEX', KEYS[1], 1) ~= follower then break end
    if redis.call('ZREM', queueKey .. 'delayed', follower) == 0 then break end
    local job = queueKey .. follower
    redis.call('HSET', job, 'returnvalue', ARGV[i + 1], 'finishedOn', ARGV[3], 'processedOn', ARGV[3], 'delay', 0)
    redis.call('HINCRBY', job, 'atm', 1)
    redis.call('ZADD', queueKey .. 'completed', ARGV[3], follower)
    redis.call('XADD', queueKey .. 'events', '*', 'event', 'completed', 'jobId', follower, 'returnvalue', ARGV[i + 1], 'prev', 'delayed')
    redis.call('LREM', KEYS[1], 1, follower)
    finished = finished + 1
  end
  redis.call('LPOP', KEYS[1])
  redis.call('DECRBY', KEYS[4], 1 + finished)
  if ARGV[4] ~= '' then redis.call('HSET', KEYS[3], ARGV[1], ARGV[4]) end
  if ARGV[5] ~= '' then redis.call('HSET', KEYS[5], ARGV[1], ARGV[5]) else redis.call('HDEL', KEYS[5], ARGV[1]) end
end
local head = redis.call('LINDEX', KEYS[1], 0)
if not head then
  -- Forget the idle aggregate: Redis only holds aggregates with queued commands.
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('HDEL', KEYS[5], ARGV[1])
  return { false, finished }
end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
if redis.call('HEXISTS', KEYS[3], ARGV[1]) == 1 then return { false, finished } end
promoteParked(queueKey, head)
return { head, finished }
