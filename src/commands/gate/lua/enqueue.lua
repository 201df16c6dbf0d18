--[[
  Queues commands in one step: stores each one as a parked BullMQ job (its id is the command id)
  and admits it into its aggregate's FIFO gate, in argument order (the acceptance order). A command
  first in its gate is promoted into the wait list at once.

  The job is stored as BullMQ 6.7's addDelayedJob-6.lua stores a delayed job with a custom id and
  no parent, deduplication or priority (hash fields name, data, opts, timestamp, delay, priority;
  the delayed ZSET with BullMQ's score; the 'added' and 'delayed' events; the delay marker), so
  Bull Board and BullMQ read it as their own. Doing it here instead of Queue.addBulk plus a
  separate admit saves a round trip and most of the work per command, and leaves no moment where
  a job exists that its gate does not know. BullMQ is pinned: re-check this against
  addDelayedJob-6.lua (includes storeJob, addDelayedJob, getDelayedScore) when upgrading it.

  A command whose job already exists is not stored again; it is admitted unless it is already in
  its gate or finished (an idempotent re-send). Each newly admitted command gets the next
  acceptance sequence number, stored on its job hash (field acceptedSeq): the worker copies it into
  the events' metadata, so `verify` can check that every aggregate's events follow the order in
  which its commands were accepted.

  Each job also keeps its command's fingerprint (field fingerprint: a digest of type, aggregate id,
  payload and expected version). A command whose job exists with another fingerprint reuses the id
  for a different command: it is refused, or its sender would get the first command's outcome for
  a command that never ran. A job stored without a fingerprint, or a call without one, is not
  compared.

  KEYS[1]          backlog ZSET: aggregate id -> time of its last progress (ms)
  KEYS[2]          halted HASH: aggregate id -> why it halted
  KEYS[3]          size STRING: number of commands in all gates
  KEYS[4]          acceptance sequence STRING (one counter for the queue, only ever increases)
  KEYS[5]          BullMQ delayed ZSET
  KEYS[6]          BullMQ marker ZSET
  KEYS[7]          BullMQ meta HASH
  KEYS[8]          BullMQ event STREAM
  KEYS[8+2i-1]     gate LIST of the i-th command's aggregate (i = 1..n)
  KEYS[8+2i]       BullMQ job HASH of the i-th command
  ARGV[1]          now (ms): the jobs' timestamp
  ARGV[2]          park delay (ms): a parked job is due at now + delay
  ARGV[3]          BullMQ key prefix of the queue (`<prefix>:<queue>:`)
  ARGV[3+5i-4..0]  the i-th command's aggregate id, command id, job name, job data (JSON),
                   fingerprint ('' for none)
  ARGV[4+5n]       the job options (JSON) shared by every command, without jobId and delay

  Returns one status per command: 'head' (first in its gate and the aggregate is not halted: it
  was promoted into the wait list), 'parked' (waits behind others, or the aggregate is halted),
  'finished' (the job already completed or failed; nothing changed). When the key of a command's
  job exists and is not a job hash (a queue key of BullMQ's, or anything else), or is the job of a
  command with another fingerprint, nothing at all is written and the statuses are 'foreign' or
  'reused' for such commands, 'unwritten' for the others.
]]
-- @include promote
local now = tonumber(ARGV[1])
local due = now + tonumber(ARGV[2])
local queueKey = ARGV[3]
local n = (#KEYS - 8) / 2
local sharedOpts = cjson.decode(ARGV[4 + 5 * n])
local maxEvents = redis.call('HGET', KEYS[7], 'opts.maxLenEvents')
if not maxEvents then
  maxEvents = 10000
  redis.call('HSET', KEYS[7], 'opts.maxLenEvents', maxEvents)
end
sharedOpts['delay'] = tonumber(ARGV[2])

-- BullMQ's delayed score: due time * 4096, plus a counter that keeps jobs due in the same
-- millisecond in insertion order (getDelayedScore.lua). Every job of this call is due at once.
local maxScore = (due + 1) * 0x1000 - 1
local lastScore = redis.call('ZREVRANGEBYSCORE', KEYS[5], maxScore, due * 0x1000, 'WITHSCORES', 'LIMIT', 0, 1)[2]
local score = lastScore and tonumber(lastScore) or due * 0x1000 - 1
local seq = tonumber(redis.call('GET', KEYS[4]) or '0')
local admitted = 0

-- Never write into a key that is not a job hash: a command id naming one of the queue's own keys
-- would otherwise turn it into a hash and stop the queue. Nor admit a command under an id that
-- names another one. Checked for all before writing any.
local result = {}
local refused = false
-- Whether each job exists already, as the check found it (the write loop needs no second look).
local exists = {}
for i = 1, n do
  local job = KEYS[8 + 2 * i]
  local fingerprint = ARGV[3 + 5 * i]
  local kind = redis.call('TYPE', job)['ok']
  exists[i] = kind ~= 'none'
  result[i] = 'unwritten'
  if kind ~= 'none' then
    local stored = kind == 'hash' and redis.call('HMGET', job, 'data', 'fingerprint') or {}
    if not stored[1] then
      result[i] = 'foreign'
      refused = true
    elseif fingerprint ~= '' and stored[2] and stored[2] ~= fingerprint then
      result[i] = 'reused'
      refused = true
    end
  end
end
if refused then return result end

result = {}
-- Jobs stored by this call: a command given twice in one call is stored once.
local written = {}
for i = 1, n do
  local gate = KEYS[8 + 2 * i - 1]
  local job = KEYS[8 + 2 * i]
  local aggregateId = ARGV[3 + 5 * i - 4]
  local commandId = ARGV[3 + 5 * i - 3]
  local fingerprint = ARGV[3 + 5 * i]
  local position = false
  if not exists[i] and not written[job] then
    written[job] = true
    local name = ARGV[3 + 5 * i - 2]
    sharedOpts['jobId'] = commandId
    seq = seq + 1
    redis.call('HSET', job, 'name', name, 'data', ARGV[3 + 5 * i - 1], 'opts', cjson.encode(sharedOpts),
      'timestamp', now, 'delay', sharedOpts['delay'], 'priority', 0, 'acceptedSeq', seq)
    if fingerprint ~= '' then redis.call('HSET', job, 'fingerprint', fingerprint) end
    redis.call('XADD', KEYS[8], '*', 'event', 'added', 'jobId', commandId, 'name', name)
    score = math.min(score + 1, maxScore)
    redis.call('ZADD', KEYS[5], score, commandId)
    redis.call('XADD', KEYS[8], 'MAXLEN', '~', maxEvents, '*', 'event', 'delayed', 'jobId', commandId, 'delay', due)
  elseif redis.call('HEXISTS', job, 'finishedOn') == 1 then
    result[i] = 'finished'
  else
    position = redis.call('LPOS', gate, commandId)
    if not position then
      seq = seq + 1
      redis.call('HSET', job, 'acceptedSeq', seq)
    end
  end
  if not result[i] then
    if not position then
      position = redis.call('RPUSH', gate, commandId) - 1
      admitted = admitted + 1
      if position == 0 then redis.call('ZADD', KEYS[1], now, aggregateId) end
    end
    if position == 0 and redis.call('HEXISTS', KEYS[2], aggregateId) == 0 then
      promoteParked(queueKey, commandId)
      result[i] = 'head'
    else
      result[i] = 'parked'
    end
  end
end
if admitted > 0 then
  redis.call('INCRBY', KEYS[3], admitted)
  redis.call('SET', KEYS[4], seq)
  -- Tell BullMQ's workers when the next parked job is due (addDelayMarkerIfNeeded.lua).
  local next = redis.call('ZRANGE', KEYS[5], 0, 0, 'WITHSCORES')[2]
  if next then redis.call('ZADD', KEYS[6], tonumber(next) / 0x1000, '1') end
end
return result
