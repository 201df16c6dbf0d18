--[[
  Admits commands into their aggregates' FIFO gates, in argument order (the acceptance order).
  A command already in its gate, or already finished, is not admitted again (idempotent re-send).
  Each newly admitted command gets the next acceptance sequence number, stored on its job hash
  (field acceptedSeq): the worker copies it into the events' metadata, so `verify` can check that
  every aggregate's events follow the order in which its commands were accepted.

  KEYS[1]          backlog ZSET: aggregate id -> time of its last progress (ms)
  KEYS[2]          halted HASH: aggregate id -> why it halted
  KEYS[3]          size STRING: number of commands in all gates
  KEYS[4]          acceptance sequence STRING (one counter for the queue, only ever increases)
  KEYS[4+2i-1]     gate LIST of command ids of the i-th command's aggregate (i = 1..n)
  KEYS[4+2i]       BullMQ job HASH of the i-th command (its id is the command id)
  ARGV[1]          now (ms)
  ARGV[2]          BullMQ key prefix of the queue (`<prefix>:<queue>:`)
  ARGV[2+2i-1]     aggregate id of the i-th command
  ARGV[2+2i]       command id of the i-th command

  Returns one status per command: 'head' (first in its gate and the aggregate is not halted: it
  was promoted into the wait list), 'parked' (waits behind others, or the aggregate is halted),
  'finished' (the job already completed or failed; nothing changed).
]]
-- @include promote
local now = ARGV[1]
local result = {}
local n = (#KEYS - 4) / 2
for i = 1, n do
  local gate = KEYS[4 + 2 * i - 1]
  local job = KEYS[4 + 2 * i]
  local aggregateId = ARGV[2 + 2 * i - 1]
  local commandId = ARGV[2 + 2 * i]
  if redis.call('HEXISTS', job, 'finishedOn') == 1 then
    result[i] = 'finished'
  else
    local position = redis.call('LPOS', gate, commandId)
    if not position then
      position = redis.call('RPUSH', gate, commandId) - 1
      redis.call('INCR', KEYS[3])
      redis.call('HSET', job, 'acceptedSeq', redis.call('INCR', KEYS[4]))
      if position == 0 then redis.call('ZADD', KEYS[1], now, aggregateId) end
    end
    if position == 0 and redis.call('HEXISTS', KEYS[2], aggregateId) == 0 then
      promoteParked(ARGV[2], commandId)
      result[i] = 'head'
    else
      result[i] = 'parked'
    end
  end
end
return result
