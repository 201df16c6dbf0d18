--[[
  Moves an aggregate's gate on after its head command finished for good (its run committed, or it
  failed with no retries left). Idempotent: only pops when the head is still that command, so the
  worker and the reconciler may both call it.

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
local now = ARGV[3]
local n = (#ARGV - 6) / 2
local finished = 0
local gate = redis.call('LRANGE', KEYS[1], 0, n)
if gate[1] == ARGV[2] then
  if n > 0 then
    local followers = {}
    for i = 1, n do followers[i] = ARGV[5 + 2 * i] end
    local parked = redis.call('ZMSCORE', queueKey .. 'delayed', unpack(followers))
    while finished < n and gate[finished + 2] == followers[finished + 1] and parked[finished + 1] do
      finished = finished + 1
    end
    if finished > 0 then
      local completed = {}
      for i = 1, finished do
        local follower, outcome = followers[i], ARGV[6 + 2 * i]
        redis.call('HSET', queueKey .. follower, 'returnvalue', outcome, 'finishedOn', now, 'processedOn', now, 'delay', 0, 'atm', 1)
        redis.call('XADD', queueKey .. 'events', '*', 'event', 'completed', 'jobId', follower, 'returnvalue', outcome, 'prev', 'delayed')
        completed[2 * i - 1] = now
        completed[2 * i] = follower
      end
      redis.call('ZREM', queueKey .. 'delayed', unpack(followers, 1, finished))
      redis.call('ZADD', queueKey .. 'completed', unpack(completed))
    end
  end
  redis.call('LPOP', KEYS[1], 1 + finished) -- the head and its finished followers
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
