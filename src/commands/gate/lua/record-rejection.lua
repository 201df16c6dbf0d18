--[[
  Keeps a rejected command's outcome with its job, as data, right before the worker fails the job
  (its failedReason keeps the readable sentence for Bull Board): clients read the outcome from here
  instead of parsing it back out of the sentence. Writes only into an existing command job: a job
  removed meanwhile is not brought back as a stray hash.

  KEYS[1]  BullMQ job HASH of the command
  ARGV[1]  the rejected outcome (JSON: commandId, aggregateId, status, code, reason, actualVersion)

  Returns 1 when written, 0 when the job does not exist.
]]
if redis.call('HEXISTS', KEYS[1], 'data') == 0 then return 0 end
redis.call('HSET', KEYS[1], 'rejection', ARGV[1])
return 1
