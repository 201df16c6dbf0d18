--[[
  Read only: when the oldest queued command was added, for the metric an alert on stuck commands
  reads. Each gate is FIFO, so its head is its oldest command; the backlog's aggregates are looked
  at in order of least recent progress, up to a bound so that a scrape stays cheap.

  KEYS[1]  backlog ZSET (score: last progress, ms)
  ARGV[1]  how many aggregates at most
  ARGV[2]  key prefix of gate lists (the aggregate id is appended)
  ARGV[3]  key prefix of BullMQ job hashes (the job id is appended)

  Returns { the oldest head's added-at time in ms, or false when no command is queued;
  aggregates looked at }.
]]
local oldest = false
local aggregates = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
for _, aggregateId in ipairs(aggregates) do
  local head = redis.call('LINDEX', ARGV[2] .. aggregateId, 0)
  if head then
    local added = tonumber(redis.call('HGET', ARGV[3] .. head, 'timestamp'))
    if added and (not oldest or added < oldest) then oldest = added end
  end
end
return { oldest, #aggregates }
