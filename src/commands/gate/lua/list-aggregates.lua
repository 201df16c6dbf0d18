--[[
  Read only: one page of the aggregates with queued commands, for operators (GET
  /operations/aggregates, `eventstore status --aggregates`). Pages follow the backlog with ZSCAN,
  so an aggregate queued all along is listed at least once however the backlog changes between
  pages; COUNT is a hint, so a page may hold somewhat more or fewer than asked.

  KEYS[1]  backlog ZSET (the aggregates with a non-empty gate)
  KEYS[2]  halted HASH (aggregate id -> halt record, JSON)
  ARGV[1]  cursor: '0' for the first page, else the cursor the previous page returned
  ARGV[2]  how many aggregates to look at (ZSCAN COUNT)
  ARGV[3]  key prefix of gate lists (the aggregate id is appended)
  ARGV[4]  key prefix of BullMQ job hashes (the job id is appended)

  Returns { next cursor ('0': the last page), then per aggregate 10 values: aggregate id, queued
  commands, head command id, head job name, head added at (ms), head started at (ms or ''), head
  worker (BullMQ processedBy or ''), head state, head attempts made, halt record (JSON or '') }.
  Head state: 'running' (a worker holds its lock), 'waiting' (in the queue for a worker),
  'parked' (delayed, never ran: waits for the gate to promote it), 'retrying' (delayed after a
  failed attempt), 'finished' (done, the gate not yet moved on), 'missing' (its job is gone).
]]
local scan = redis.call('ZSCAN', KEYS[1], ARGV[1], 'COUNT', tonumber(ARGV[2]))
local result = { scan[1] }
local members = scan[2]
for i = 1, #members, 2 do
  local aggregateId = members[i]
  local list = ARGV[3] .. aggregateId
  local count = redis.call('LLEN', list)
  if count > 0 then
    local head = redis.call('LINDEX', list, 0)
    local job = ARGV[4] .. head
    local fields = redis.call('HMGET', job, 'name', 'timestamp', 'processedOn', 'pb', 'finishedOn', 'atm')
    local state
    if redis.call('EXISTS', job) == 0 then
      state = 'missing'
    elseif fields[5] then
      state = 'finished'
    elseif redis.call('EXISTS', job .. ':lock') == 1 then
      state = 'running'
    elseif redis.call('ZSCORE', ARGV[4] .. 'delayed', head) then
      if (tonumber(fields[6]) or 0) > 0 then state = 'retrying' else state = 'parked' end
    else
      state = 'waiting'
    end
    table.insert(result, aggregateId)
    table.insert(result, count)
    table.insert(result, head)
    table.insert(result, fields[1] or '')
    table.insert(result, fields[2] or '')
    table.insert(result, fields[3] or '')
    table.insert(result, fields[4] or '')
    table.insert(result, state)
    table.insert(result, fields[6] or '0')
    table.insert(result, redis.call('HGET', KEYS[2], aggregateId) or '')
  end
end
return result
